"""`dom/webnpu/ipc/WebNPUChild.h`/`.cpp`: the content process's end of PWebNPU, and
`dom/webnpu/WireConversions.h`/`.cpp` (`gecko_conversions.py`).

Shaped as `dom/webgpu/ipc/WebGPUChild.h` upstream: a subclass of the IPDL-generated
`PWebNPUChild` with `NS_INLINE_DECL_REFCOUNTING(WebNPUChild, override)`, one
`Recv<Message>` per `child:` message (the events), each returning `IPC_OK()`, and a map from
device handle to the `Device` its events are for (WebGPU's device map). The handles of the
objects this process creates are allocated here (`NextHandle()`, docs/wire.md §2.2).

PWebNPU has no manager protocol: the browser opens a pair of endpoints per content process
and `WebNPUChild::Open` binds the child end (on the main thread) and sends `Hello` with the
schema hash. Until some process does so, `WebNPUChild::Get()` is null and `requestAdapter()`
resolves to null, as when no adapter is available. Workers get null too: the actor lives on
the main thread.
"""

from __future__ import annotations

from codegen.model import wire as w
from codegen.targets.gecko_bridge import (
    CHILD,
    CLOSED,
    Bridge,
    enum_index,
    event_method,
    ipdl_param_type,
)
from codegen.targets.gecko_conversions import ConversionBuilder, declaration, definition
from codegen.targets.gecko_layout import (
    INDENT,
    assignment_lines,
    definition_lines,
    parameter_lines,
)

I1, I2 = INDENT, INDENT * 2
LOST_REASON = ("NPUDeviceLostReason", "unknown")  # what a closed connection reports
CLOSED_LOSS = "The connection to the NPU service was lost."


def recv_params(bridge: Bridge, e: w.WireEvent) -> list[str]:
    message = bridge.received[e.name]
    return [f"const {ipdl_param_type(t)}& {name}" for t, name in message.params]


def child_header(bridge: Bridge, schema_hash: int) -> list[str]:
    events = bridge.wire.events
    lines = [
        "",
        "class Device;",
        "",
        "// The schema hash Hello carries (docs/wire.md §2.4).",
        f"constexpr uint64_t kWireSchemaHash = 0x{schema_hash:016x};",
        "",
        "// The content process's connection to the NPU service (main thread only).",
        f"class {CHILD} final : public PWebNPUChild",
        "{",
        "public:",
        f"{I1}NS_INLINE_DECL_REFCOUNTING({CHILD}, override)",
        "",
        f"{I1}{CHILD}() = default;",
        "",
        f"{I1}// The open connection, or null when there is none (or off the main thread).",
        f"{I1}static {CHILD}* Get();",
        "",
        f"{I1}// Binds the endpoint the browser opened for this process and says Hello.",
        f"{I1}static void Open(ipc::Endpoint<PWebNPUChild>&& aEndpoint);",
        "",
        f"{I1}// The handle of the next object this process creates; never reused.",
        f"{I1}WebNPUHandle NextHandle();",
        "",
        f"{I1}// A device receives the events named by its handle until it unregisters.",
        f"{I1}void RegisterDevice(const WebNPUHandle& aHandle, Device* aDevice);",
        f"{I1}void UnregisterDevice(const WebNPUHandle& aHandle);",
        "",
    ]
    for e in events:
        head = f"ipc::IPCResult Recv{bridge.received[e.name].name}"
        lines += parameter_lines(head, recv_params(bridge, e), ";", I1)
    lines += [
        "",
        "private:",
        f"{I1}~{CHILD}() override = default;",
        "",
        f"{I1}void ActorDestroy(ActorDestroyReason aWhy) override;",
        f"{I1}Device* DeviceOf(const WebNPUHandle& aHandle) const;",
        "",
        f"{I1}uint32_t mLastId = 1; // the root's reserved id; others follow it",
        f"{I1}std::unordered_map<uint32_t, Device*> mDevices;",
        "};",
    ]
    return lines


def child_source(bridge: Bridge) -> list[str]:
    unknown = enum_index(bridge.model, *LOST_REASON)
    out: list[str] = [
        "",
        f"static StaticRefPtr<{CHILD}> sChild;",
        "",
        *definition_lines(
            f"/* static */ {CHILD}*",
            f"{CHILD}::Get",
            [],
            "",
            [
                f"{I1}if (!NS_IsMainThread() || !sChild || !sChild->CanSend()) {{",
                f"{I2}return nullptr;",
                f"{I1}}}",
                f"{I1}return sChild;",
            ],
        ),
        "",
        *definition_lines(
            "/* static */ void",
            f"{CHILD}::Open",
            ["ipc::Endpoint<PWebNPUChild>&& aEndpoint"],
            "",
            [
                f"{I1}MOZ_ASSERT(NS_IsMainThread());",
                f"{I1}RefPtr<{CHILD}> child = new {CHILD}();",
                f"{I1}if (!aEndpoint.Bind(child)) {{",
                f"{I2}return;",
                f"{I1}}}",
                f"{I1}child->SendHello(kWireSchemaHash);",
                f"{I1}sChild = child;",
                f"{I1}ClearOnShutdown(&sChild);",
            ],
        ),
        "",
        *definition_lines(
            "WebNPUHandle",
            f"{CHILD}::NextHandle",
            [],
            "",
            [
                f"{I1}// Ids are never reused, so every generation is 1.",
                f"{I1}return WebNPUHandle(++mLastId, 1);",
            ],
        ),
        "",
        *definition_lines(
            "void",
            f"{CHILD}::RegisterDevice",
            ["const WebNPUHandle& aHandle", "Device* aDevice"],
            "",
            [f"{I1}mDevices[aHandle.id()] = aDevice;"],
        ),
        "",
        *definition_lines(
            "void",
            f"{CHILD}::UnregisterDevice",
            ["const WebNPUHandle& aHandle"],
            "",
            [f"{I1}mDevices.erase(aHandle.id());"],
        ),
        "",
        *definition_lines(
            "Device*",
            f"{CHILD}::DeviceOf",
            ["const WebNPUHandle& aHandle"],
            " const",
            [
                f"{I1}auto found = mDevices.find(aHandle.id());",
                f"{I1}return found == mDevices.end() ? nullptr : found->second;",
            ],
        ),
    ]
    for e in bridge.wire.events:
        message = bridge.received[e.name]
        self_param, payload = message.params[0][1], message.params[1][1]
        out += [
            "",
            *definition_lines(
                "ipc::IPCResult",
                f"{CHILD}::Recv{message.name}",
                recv_params(bridge, e),
                "",
                [
                    f"{I1}if (RefPtr<Device> device = DeviceOf({self_param})) {{",
                    f"{I2}device->{event_method(e.member)}({payload});",
                    f"{I1}}}",
                    f"{I1}return IPC_OK();",
                ],
            ),
        ]
    out += [
        "",
        *definition_lines(
            "void",
            f"{CHILD}::ActorDestroy",
            ["ActorDestroyReason aWhy"],
            "",
            [
                f"{I1}// Every device of a closed connection is lost.",
                f'{I1}NPUDeviceLostInfo info({unknown}, "{CLOSED_LOSS}"_ns);',
                f"{I1}nsTArray<RefPtr<Device>> devices;",
                f"{I1}for (const auto& [id, device] : mDevices) {{",
                f"{I2}devices.AppendElement(device);",
                f"{I1}}}",
                f"{I1}mDevices.clear();",
                f"{I1}for (const auto& device : devices) {{",
                f"{I2}device->OnLost(info);",
                f"{I1}}}",
            ],
        ),
    ]
    return out


def conversions_header(bridge: Bridge) -> list[str]:
    lines: list[str] = [
        "",
        "class Error;",
        "",
        "// Why a call cannot reach the service: its connection is closed or absent.",
        *assignment_lines("constexpr auto kConnectionClosed", f'"{CLOSED}"_ns', ""),
    ]
    for f in ConversionBuilder(bridge).build():
        lines += ["", *declaration(f)]
    return lines


def conversions_source(bridge: Bridge) -> list[str]:
    lines: list[str] = []
    for f in ConversionBuilder(bridge).build():
        lines += ["", *definition(f)]
    return lines
