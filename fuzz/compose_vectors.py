"""Writes the vectors under fuzz/vectors/{world,fresh,channel}/ from hand-written snippets.

The vectors are meant to be read (and can be edited by hand, then this file updated to match:
`tests/fuzz_vectors/test_vectors.py` checks that running it changes nothing). The snippets
below are the messages of docs/wire.md §3-§6 spelled in the Mojo text format
(fuzz/validation_data.py); each vector is a short list of them with a comment saying which
rule it breaks. `preludes/world.data` and `world/dispatch_ok.data` are written by hand.

    python -m fuzz.compose_vectors      # rewrites the composed vectors
"""

from __future__ import annotations

import sys
from pathlib import Path

from python_service.generated import wire as gen

VECTORS = Path(__file__).resolve().parent / "vectors"
HEADER = "// Composed by fuzz/compose_vectors.py from its snippets: edit there, then run it.\n"
SCHEMA_HASH = f"{gen.SCHEMA_HASH:#018x}"

# --- snippets: one message (or command) each ---------------------------------------------


def hello(tag: str = "hello", schema_hash: str = SCHEMA_HASH, reserved: int = 0,
          flags: int = 0, request_id: int = 0) -> str:  # fmt: skip
    return f"""// Connection.hello
[dist4]{tag} [u4]0x00000001 [u4]{flags} [u4]{request_id}
[u8]{schema_hash}  // schema_hash
[u8]{reserved}  // reserved
[anchr]{tag}
"""


def request_adapter(tag: str, adapter: int, request_id: int) -> str:
    return f"""// NPU.requestAdapter -> adapter ({adapter}, 1), request {request_id}
[dist4]{tag} [u4]0x00010001 [u4]1 [u4]{request_id}
[u4]1 [u4]1  [u4]{adapter} [u4]1  [u4]0 [u4]0
[anchr]{tag}
"""


def request_device(tag: str, device: int, request_id: int) -> str:
    return f"""// NPUAdapter.requestDevice -> device and queue ({device}, 1), request {request_id}
[dist4]{tag} [u4]0x00020001 [u4]1 [u4]{request_id}
[u4]1 [u4]1  [u4]{device} [u4]1  [u4]{device} [u4]1
[u4]0 [u4]0  [u4]0 [u4]0  [u4]0 [u4]0  [u4]0 [u4]0  // no limits, labels "", no features
[anchr]{tag}
"""


def create_buffer(tag: str, buffer: int, usage: str, device: int = 1, data_type: int = 0) -> str:
    return f"""// NPUDevice.createBuffer ({buffer}, 1) on device {device}: 8 bytes, usage {usage}
[dist4]{tag} [u4]0x00030003 [u4]0 [u4]0
[u4]{device} [u4]1  [u4]{buffer} [u4]1
[u8]8 [u4]1 [u4]{usage}  // size, presence (tensor), usage
[u4]0 [u4]0  [u4]{data_type} [u4]0  [u4]1 [u4]2  // label "", tensor dataType, shape [2]
[anchr]{tag}
"""


def encoder(tag: str, number: int, device: int = 1) -> str:
    return f"""// NPUDevice.createCommandEncoder ({number}, 1) on device {device}
[dist4]{tag} [u4]0x00030006 [u4]0 [u4]0
[u4]{device} [u4]1  [u4]{number} [u4]1  [u4]0 [u4]0
[anchr]{tag}
"""


def finish(tag: str, enc: int, buffer: int, commands: list[str], count: int | None = None) -> str:
    count = len(commands) if count is None else count
    body = "".join(commands)
    return f"""// NPUCommandEncoder.finish: encoder ({enc}, 1) -> command buffer ({buffer}, 1)
[dist4]{tag} [u4]0x00080004 [u4]0 [u4]0
[u4]{enc} [u4]1  [u4]{buffer} [u4]1  [u4]{count} [u4]0  // command_count, reserved
[u4]0 [u4]0  // descriptor.label ""
[u4]0 [u4]0  // commands: Bytes, inline
[len4]{tag}_stream [start]{tag}_stream
{body}[anchr]{tag}_stream
[u4]0  // pad
[anchr]{tag}
"""


def copy(tag: str, source: int, source_offset: int, destination: int, destination_offset: int,
         size: int) -> str:  # fmt: skip
    src, dst = f"({source}, 1)+{source_offset}", f"({destination}, 1)+{destination_offset}"
    return f"""  // copyBufferToBuffer {src} -> {dst}, {size} bytes
  [dist4]{tag} [u4]0x00080003
  [u8]{source_offset} [u8]{destination_offset} [u8]{size}
  [u4]{source} [u4]1  [u4]{destination} [u4]1
  [anchr]{tag}
"""


def _binding(buffer: int, key: str) -> str:
    assert len(key) == 1
    return f"    [u4]{buffer} [u4]1  [u4]1 {ord(key):#x} 0 0 0  // {key}: ({buffer}, 1)\n"


def dispatch(tag: str, inputs: dict[str, int], outputs: dict[str, int], graph: int = 1) -> str:
    ins = "".join(_binding(b, k) for k, b in inputs.items())
    outs = "".join(_binding(b, k) for k, b in outputs.items())
    return f"""  // dispatch graph ({graph}, 1)
  [dist4]{tag} [u4]0x00080002
  [u4]{graph} [u4]1
  [u4]{len(inputs)} [u4]0  // inputs
{ins}  [u4]{len(outputs)} [u4]0  // outputs
{outs}  [anchr]{tag}
"""


def submit(tag: str, buffers: list[int], queue: int = 1) -> str:
    handles = " ".join(f"[u4]{b} [u4]1" for b in buffers)
    return f"""// NPUQueue.submit on queue ({queue}, 1): {buffers}
[dist4]{tag} [u4]0x00040002 [u4]0 [u4]0
[u4]{queue} [u4]1
[u4]{len(buffers)} {handles} [u4]0  // count, handles, pad
[anchr]{tag}
"""


def simple(tag: str, ordinal: int, what: str, handle: tuple[int, int] = (1, 1),
           request_id: int = 0) -> str:  # fmt: skip
    flags = 1 if request_id else 0
    return f"""// {what}
[dist4]{tag} [u4]{ordinal:#010x} [u4]{flags} [u4]{request_id}
[u4]{handle[0]} [u4]{handle[1]}
[anchr]{tag}
"""


def pop(tag: str, request_id: int, handle: tuple[int, int] = (1, 1)) -> str:
    return simple(tag, 0x00030008, f"NPUDevice.popErrorScope, request {request_id}", handle,
                  request_id)  # fmt: skip


def push(tag: str, filter_index: int = 0, pad: int = 0, flags: int = 0, request_id: int = 0):
    return f"""// NPUDevice.pushErrorScope(filter {filter_index})
[dist4]{tag} [u4]0x00030007 [u4]{flags} [u4]{request_id}
[u4]1 [u4]1  [u4]{filter_index} [u4]{pad}  // self device, filter, pad
[anchr]{tag}
"""


def write(tag: str, buffer: int = 1, *, presence: int = 0, tag_word: int = 0, count: str = "8",
          shared: tuple[str, str] | None = None, size: int = 0) -> str:  # fmt: skip
    if shared is None:
        data = f"[u4]0 [u4]0  [u4]{count} [f]1.0 [f]2.0 [u4]0  // Bytes inline: count, data, pad"
        if tag_word:
            data = f"[u4]{tag_word} [u4]0  [u4]8 [f]1.0 [f]2.0 [u4]0  // Bytes tag {tag_word}"
    else:
        index, shared_size = shared
        data = f"[u4]1 [u4]0  [u4]{index} [u4]0 [u8]{shared_size}  // Bytes shared: index, 0, size"
    return f"""// NPUQueue.writeBuffer to ({buffer}, 1)
[dist4]{tag} [u4]0x00040004 [u4]0 [u4]0
[u8]0 [u8]0 [u8]{size}  [u4]{presence}  // bufferOffset, dataOffset, size, presence
[u4]1 [u4]1  [u4]{buffer} [u4]1  [u4]0  // self queue, buffer, pad
{data}
[anchr]{tag}
"""


def map_async(tag: str, buffer: int, request_id: int, mode: int = 1) -> str:
    return f"""// NPUBuffer.mapAsync(mode {mode}) on ({buffer}, 1), request {request_id}
[dist4]{tag} [u4]0x00050002 [u4]1 [u4]{request_id}
[u8]0 [u8]0 [u4]0  // offset, size (absent), presence
[u4]{buffer} [u4]1  [u4]{mode}
[anchr]{tag}
"""


def label(tag: str, ordinal: int, what: str, handle: int = 1) -> str:
    return f"""// {what}.label = "ab"
[dist4]{tag} [u4]{ordinal:#010x} [u4]0 [u4]0
[u4]{handle} [u4]1  [u4]2 0x61 0x62 0 0
[anchr]{tag}
"""


def raw_header(num_bytes: int, ordinal: int, flags: int = 0, request_id: int = 0) -> str:
    fields = f"[u4]{num_bytes} [u4]{ordinal:#010x} [u4]{flags} [u4]{request_id}"
    return f"// a bare message header\n{fields}\n"


def frame(body: str, handles: int = 0, flags: int = 0, extra: int = 0) -> str:
    """A raw channel frame (channel/ vectors): header, then `body`."""
    size = "[len4]frame" if not extra else f"[u4]{extra}"
    start = "[start]frame" if not extra else ""
    end = "[anchr]frame\n" if not extra else ""
    return f"""// channel frame header: num_bytes, num_handles, flags
{size} [u2]{handles} [u2]{flags} {start}
{body}{end}"""


# --- the vectors --------------------------------------------------------------------------

ENC = encoder("enc", 1)
GRAPH2 = """// NPUDevice.createGraphBuilder (2, 1)
[dist4]gb [u4]0x00030004 [u4]0 [u4]0  [u4]1 [u4]1  [u4]2 [u4]1
[anchr]gb
// NPUGraphBuilder.build, request 16: graph (2, 1): y = relu(a), z = relu(a)
[dist4]build [u4]0x00060002 [u4]1 [u4]16
[u4]2 [u4]1  [u4]2 [u4]1
[u4]1 [u4]0  // inputs: 1
  [u4]1 [u4]0  [u4]1 0x61 0 0 0  [u4]0 [u4]0  [u4]1 [u4]2  // id 1 "a" float32 [2]
[u4]0 [u4]0  // constants: 0
[u4]2 [u4]0  // operations: 2
  [u4]13 [u4]0  [u4]2 [u4]1  [u4]0 [u4]0  // relu: output 2, input 1, label ""
  [u4]13 [u4]0  [u4]3 [u4]1  [u4]0 [u4]0  // relu: output 3, input 1, label ""
[u4]2 [u4]0  // outputs: 2
  [u4]2 [u4]0  [u4]1 0x79 0 0 0  // id 2 "y"
  [u4]3 [u4]0  [u4]1 0x7a 0 0 0  // id 3 "z"
[u4]0 [u4]0  [u4]0 [u4]0  // constant_data: inline, empty
[anchr]build
"""


def fin(commands: list[str], **kw) -> str:
    return finish("fin", 1, 1, commands, **kw)


COPY_AB = copy("c0", 1, 0, 2, 0, 8)
# The world holds 12 objects (the root NPU included); QUOTAS allows 20.
FILL7 = "".join(encoder(f"fill{i}", 10 + i) for i in range(7))
FILL8 = FILL7 + encoder("fill7", 17)

WORLD: dict[str, tuple[str, str]] = {
    # --- PASS, one per message family
    "copy_ok": (
        "A copy from A to B, submitted, and the queue's work done.",
        ENC
        + fin([COPY_AB])
        + submit("s", [1])
        + simple("done", 0x00040003, "NPUQueue.onSubmittedWorkDone, request 16", request_id=16),
    ),  # fmt: skip
    "map_ok": (
        "Map M for reading: mapAsync resolves with M's memfd.",
        map_async("map", 4, 16),
    ),
    "error_scope_ok": (
        "An error scope with no error in it pops as null.",
        push("push") + pop("pop", 16),
    ),
    "labels_and_releases_ok": (
        "Every interface's label setter, then destroy and release of what the world made.",
        label("l1", 0x00030001, "NPUDevice")
        + label("l2", 0x00040001, "NPUQueue")
        + label("l3", 0x00050001, "NPUBuffer")
        + label("l4", 0x00060001, "NPUGraphBuilder")
        + label("l5", 0x00070001, "NPUGraph")
        + ENC
        + label("l6", 0x00080001, "NPUCommandEncoder")
        + fin([])
        + label("l7", 0x00090001, "NPUCommandBuffer")
        + simple("u1", 0x00050003, "NPUBuffer.unmap on A (unmapped: nothing to do)")
        + simple("d1", 0x00050004, "NPUBuffer.destroy on A")
        + simple("d2", 0x00070002, "NPUGraph.destroy")
        + simple("r1", 0x00090000, "release command buffer 1")
        + simple("r2", 0x00080000, "release encoder 1")
        + simple("r3", 0x00070000, "release graph 1")
        + simple("r4", 0x00060000, "release builder 1")
        + simple("r5", 0x00050000, "release buffer A")
        + simple("r6", 0x00020000, "release adapter 1")
        + simple("r7", 0x00030002, "NPUDevice.destroy")
        + simple("r8", 0x00040000, "release queue 1")
        + simple("r9", 0x00030000, "release device 1"),
    ),
    # --- command_validator.py, finish (stage 2)
    "copy_source_lacks_copy_src": ("M has no COPY_SRC.", ENC + fin([copy("c", 4, 0, 2, 0, 8)])),
    "copy_destination_lacks_copy_dst": (
        "Y has no COPY_DST.",
        ENC + fin([copy("c", 1, 0, 3, 0, 8)]),
    ),
    "copy_source_range": ("[8, 16) of an 8-byte buffer.", ENC + fin([copy("c", 1, 8, 2, 0, 8)])),
    "copy_overlap": ("A to itself, [0, 4) and [2, 6).", ENC + fin([copy("c", 1, 0, 1, 2, 4)])),
    "copy_invalid_buffer": (
        "Buffer 7 is an error object (usage 0), then copied from.",
        create_buffer("b7", 7, "0") + ENC + fin([copy("c", 7, 0, 2, 0, 8)]),
    ),
    "copy_other_device": (
        "Buffer 7 lives on device 2; the encoder on device 1.",
        request_device("dev2", 2, 16)
        + create_buffer("b7", 7, "0x1c", device=2)
        + ENC
        + fin([copy("c", 7, 0, 2, 0, 8)]),
    ),
    "finish_too_many_commands": (
        "5 commands, the session's max_commands_per_submit is 4.",
        ENC + fin([copy(f"c{i}", 1, 0, 2, 0, 8) for i in range(5)]),
    ),
    "finish_twice": (
        "An encoder finishes once.",
        ENC + fin([COPY_AB]) + finish("fin2", 1, 2, [copy("c1", 1, 0, 2, 0, 8)]),
    ),
    "finish_invalid_encoder": (
        "The client holds its 20 objects (QUOTAS): encoder 1 is an error object, and so is the\n"
        "command buffer it finishes, which the submit reports.",
        FILL8
        + ENC
        + simple("rf0", 0x00080000, "release encoder 10", (10, 1))
        + simple("rf1", 0x00080000, "release encoder 11", (11, 1))
        + fin([COPY_AB])
        + submit("s", [1]),
    ),
    "dispatch_too_many_inputs": (
        "3 inputs, maxDispatchInputs is 2 here.",
        ENC + fin([dispatch("d", {"a": 1, "b": 2, "c": 6}, {"y": 3})]),
    ),
    "dispatch_too_many_outputs": (
        "3 outputs, maxDispatchOutputs is 2 here.",
        ENC + fin([dispatch("d", {"a": 1, "b": 2}, {"y": 3, "z": 5, "w": 6})]),
    ),
    "dispatch_unknown_input": (
        "x is not an input of the graph.",
        ENC + fin([dispatch("d", {"a": 1, "x": 2}, {"y": 3})]),
    ),
    "dispatch_input_unbound": ("b is not bound.", ENC + fin([dispatch("d", {"a": 1}, {"y": 3})])),
    "dispatch_input_lacks_input": (
        "Y has no INPUT.",
        ENC + fin([dispatch("d", {"a": 3, "b": 2}, {"y": 3})]),
    ),
    "dispatch_input_tensor_mismatch": (
        "W holds int32 [2].",
        ENC + fin([dispatch("d", {"a": 5, "b": 2}, {"y": 3})]),
    ),
    "dispatch_input_size_mismatch": (
        "V has 16 bytes.",
        ENC + fin([dispatch("d", {"a": 6, "b": 2}, {"y": 3})]),
    ),
    "dispatch_input_is_output": (
        "Buffer 7 (INPUT|OUTPUT, float32 [2]) as a and as y.",
        create_buffer("b7", 7, "0x30") + ENC + fin([dispatch("d", {"a": 7, "b": 2}, {"y": 7})]),
    ),
    "dispatch_output_twice": (
        "Graph 2 has outputs y and z; Y is bound as both.",
        GRAPH2 + ENC + fin([dispatch("d", {"a": 1}, {"y": 3, "z": 3}, graph=2)]),
    ),
    # --- command_validator.py, submit (stage 3)
    "submit_listed_twice": ("", ENC + fin([COPY_AB]) + submit("s", [1, 1])),
    "submit_already_submitted": ("", ENC + fin([COPY_AB]) + submit("s", [1]) + submit("t", [1])),
    "submit_invalid_command_buffer": (
        "finish failed, so command buffer 1 is invalid.",
        ENC + fin([copy("c", 4, 0, 2, 0, 8)]) + submit("s", [1]),
    ),
    "submit_quota_command_buffer": (
        "Encoder 1 is the 20th object, command buffer 1 the 21st: an error object.",
        FILL7 + ENC + fin([COPY_AB]) + submit("s", [1]),
    ),  # fmt: skip
    "submit_other_device": (
        "A command buffer of device 2 on queue 1.",
        request_device("dev2", 2, 16) + encoder("enc", 1, device=2) + fin([]) + submit("s", [1]),
    ),
    "submit_invalid_queue": (
        "Queue 2 is an error object: device 2 is the 20th object, its queue the 21st. An error\n"
        "object keeps the device it was created on, so the error is reported to device 2.",
        FILL7 + request_device("dev2", 2, 16) + submit("s", [], queue=2),
    ),  # fmt: skip
    "submit_pending_limit": (
        "A third submit while two wait (max_pending_submits 2; the runner holds the queue work).",
        ENC
        + fin([COPY_AB])
        + encoder("enc2", 2)
        + finish("fin2", 2, 2, [copy("c1", 1, 0, 2, 0, 8)])
        + encoder("enc3", 3)
        + finish("fin3", 3, 3, [copy("c2", 1, 0, 2, 0, 8)])
        + submit("s1", [1])
        + submit("s2", [2])
        + submit("s3", [3]),
    ),  # fmt: skip
    "submit_too_many_commands": (
        "3 + 3 commands in one submit, the limit is 4.",
        ENC
        + fin([copy(f"c{i}", 1, 0, 2, 0, 8) for i in range(3)])
        + encoder("enc2", 2)
        + finish("fin2", 2, 2, [copy(f"d{i}", 1, 0, 2, 0, 8) for i in range(3)])
        + submit("s", [1, 2]),
    ),  # fmt: skip
    "submit_graph_destroyed": (
        "Graph 1 destroyed between finish and submit.",
        ENC
        + fin([dispatch("d", {"a": 1, "b": 2}, {"y": 3})])
        + simple("destroy", 0x00070002, "NPUGraph.destroy")
        + submit("s", [1]),
    ),  # fmt: skip
    "submit_buffer_destroyed": (
        "B destroyed between finish and submit.",
        ENC
        + fin([COPY_AB])
        + simple("destroy", 0x00050004, "NPUBuffer.destroy on B", (2, 1))
        + submit("s", [1]),
    ),  # fmt: skip
    "submit_buffer_mapping": (
        "M is pending a map at submit.",
        ENC + fin([copy("c", 1, 0, 4, 0, 8)]) + map_async("map", 4, 16) + submit("s", [1]),
    ),
    # --- bad messages: headers (docs/wire.md §3.5)
    "header_num_bytes_below_header": ("num_bytes 8", raw_header(8, 0x00030008) + "[u8]0\n"),
    "header_bytes_left_after_payload": (
        "popErrorScope claims 32 bytes, its payload is 8.",
        "[u4]32 [u4]0x00030008 [u4]1 [u4]7  [u4]1 [u4]1  [u8]0\n",
    ),
    "header_misaligned": ("num_bytes 28", "[u4]28 [u4]0x00030008 [u4]1 [u4]7 [u4]1 [u4]1 [u8]0\n"),
    "header_beyond_frame": (
        "num_bytes 64 in a 24-byte frame",
        "[u4]64 [u4]0x00030008 [u4]1 [u4]7 [u4]1 [u4]1\n",
    ),
    "header_half": ("8 bytes: half a header", pop("p", 16) + "[u8]0\n"),
    "header_unknown_ordinal": ("interface 0xFF", raw_header(16, 0x00FF0001)),
    "header_command_at_top_level": ("dispatch is a command", raw_header(16, 0x00080002)),
    "header_release_root": (
        "the root NPU cannot be released",
        simple("r", 0x00010000, "NPU release"),
    ),
    "header_hello_again": ("hello is only the first message", hello()),
    "header_expects_reply_on_send": (
        "pushErrorScope with EXPECTS_REPLY",
        push("p", flags=1, request_id=7),
    ),
    "header_is_reply_from_client": (
        "IS_REPLY is the service's",
        "[u4]24 [u4]0x00030008 [u4]2 [u4]7 [u4]1 [u4]1\n",
    ),
    "header_missing_request_id": (
        "EXPECTS_REPLY with id 0",
        "[u4]24 [u4]0x00030008 [u4]1 [u4]0 [u4]1 [u4]1\n",
    ),
    # --- bad messages: payloads
    "payload_inline_bytes_over_64k": ("count 65537", write("w", count="65537")),
    "payload_bytes_union_tag": ("Bytes tag 2", write("w", tag_word=2)),
    "payload_enum_out_of_range": ("NPUErrorFilter index 3", push("p", filter_index=3)),
    "payload_nonzero_padding": ("pad after the filter", push("p", pad=1)),
    "payload_presence_beyond_optionals": ("presence bit 1", write("w", presence=2)),
    "payload_command_count_mismatch": ("count 2, one command", ENC + fin([COPY_AB], count=2)),
    "payload_null_handle": ("self (0, 0)", pop("p", 16, (0, 0))),
    # --- bad messages: descriptors
    "handle_required_but_none": (
        "handle_index 0xFFFFFFFF for shared Bytes",
        write("w", shared=("0xFFFFFFFF", "65544")),
    ),
    "handle_index_beyond_descriptors": (
        "index 0, no descriptors",
        write("w", shared=("0", "65544")),
    ),
    "handle_unclaimed": ("[handles]1 but no message claims it", "[handles]1\n" + pop("p", 16)),
    "handle_memfd_smaller_than_announced": (
        "a 65544-byte memfd announced as 65552",
        "[memfd]65544\n" + write("w", shared=("0", "65552")),
    ),
    "handle_shared_bytes_ok": (
        "PASS: 65544 bytes of shared Bytes (over the inline limit)",
        "[memfd]65544\n" + write("w", 4, shared=("0", "65544"), presence=1, size=8),
    ),
    "handle_command_stream_over_16mib": (
        "a finish whose stream is a 16 MiB + 8 memfd",
        f"[memfd]{gen.WIRE_MAX_COMMAND_STREAM_BYTES + 8}\n"
        + ENC
        + f"""// finish with the stream in shared memory
[dist4]fin [u4]0x00080004 [u4]0 [u4]0
[u4]1 [u4]1  [u4]1 [u4]1  [u4]1 [u4]0  [u4]0 [u4]0
[u4]1 [u4]0  [u4]0 [u4]0 [u8]{gen.WIRE_MAX_COMMAND_STREAM_BYTES + 8}  // Bytes shared
[anchr]fin
""",
    ),  # fmt: skip
    # --- bad messages: object ids
    "object_unknown_device": ("device 9 was never created", pop("p", 16, (9, 1))),
    "object_wrong_generation": (
        "buffer A is (1, 1), not (1, 2)",
        simple("u", 0x00050003, "unmap (1, 2)", (1, 2)),
    ),
    "object_create_over_live_id": ("buffer 1 exists", create_buffer("b", 1, "0x1c")),
}

FRESH: dict[str, tuple[str, str]] = {
    "no_hello": ("The first message is not hello.", request_adapter("a", 1, 1)),
    "hello_other_build": (
        "Another build's schema hash.",
        hello(schema_hash=f"{gen.SCHEMA_HASH ^ 0x0123456789ABCDEF:#018x}")
        + request_adapter("a", 1, 1),
    ),  # fmt: skip
    "hello_reserved_not_zero": ("", hello(reserved=1) + request_adapter("a", 1, 1)),
    "hello_expects_reply": ("", hello(flags=1, request_id=7) + request_adapter("a", 1, 1)),
    "hello_ok": (
        "PASS: hello, an adapter, a device.",
        hello() + request_adapter("a", 1, 1) + request_device("d", 1, 2),
    ),  # fmt: skip
}

BODY = hello() + pop("p", 1)  # a valid-looking payload for the framing vectors
CHANNEL: dict[str, tuple[str, str]] = {
    "flags": ("Frame header flags 1.", frame(BODY, flags=1)),
    "too_large": ("num_bytes 4 MiB + 8.", frame(BODY, extra=gen.WIRE_MAX_MESSAGE_BYTES + 8)),
    "announces_too_many_handles": ("65 handles announced.", frame(BODY, handles=65)),
    "carries_too_many_handles": ("65 attached, 0 announced.", "[handles]65\n" + frame(BODY)),
    "control_data_truncated": ("74 attached: MSG_CTRUNC.", "[handles]74\n" + frame(BODY)),
    "fewer_handles_than_announced": ("1 announced, none attached.", frame(BODY, handles=1)),
    "truncated": ("EOF 8 bytes into a 56-byte payload.", "[u4]56 [u2]0 [u2]0\n[u8]0\n"),
    "two_frames_ok": (
        "PASS: hello and requestAdapter, then requestDevice in a second frame.",
        frame(hello() + request_adapter("a", 1, 1)).replace("frame", "f1")
        + frame(request_device("d", 1, 2)).replace("frame", "f2"),
    ),  # fmt: skip
}


def render(group: str, name: str, comment: str, body: str) -> str:
    lines = "".join(f"// {line}\n" for line in comment.splitlines()) if comment else ""
    return HEADER + f"// {group}/{name}\n" + lines + "\n" + body


def compose() -> dict[Path, str]:
    out: dict[Path, str] = {}
    for group, vectors in (("world", WORLD), ("fresh", FRESH), ("channel", CHANNEL)):
        for name, (comment, body) in vectors.items():
            out[VECTORS / group / f"{name}.data"] = render(group, name, comment, body)
    return out


def main() -> int:
    for path, text in compose().items():
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists() or path.read_text() != text:
            path.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
