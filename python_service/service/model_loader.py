"""Loads untrusted ONNX bytes for NPUDevice.loadModel(onnxBytes), inside the service.

A model arrives from a renderer assumed compromised, and parsing it is attack surface (DESIGN.md,
"Models"). The bytes are well-formed IPC, so an unacceptable model is a *validation error*
(`ModelError`, reported to the page), never a bad message. `load_model` applies its rules in an
order that bounds the work done before each one: the size before parsing, the version and opset
before anything reads operators, counts before walking nodes and tensors, declared tensor sizes
before the ONNX checker multiplies dimensions, then the checker and strict shape inference.

What onnxruntime gets is the *checked proto re-serialized*, not the caller's bytes: unknown
fields are discarded and doc strings and metadata stripped, so the runtime sees exactly what was
checked and nothing more.

Nothing here touches the file system: the model is parsed from memory with `ParseFromString`
(never `onnx.load(path)`), external data is refused rather than resolved, and the checker only
ever sees protos with every tensor inline.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import onnx
from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message
from onnx import AttributeProto, ModelProto, SparseTensorProto, TensorProto

from python_service.service.lowering import ONNX_TYPES
from python_service.shared.tensors import (
    DEFAULT_LIMITS,
    MAX_DIMENSION,
    DataType,
    Limits,
    OperandDescriptor,
    TensorError,
    checked_element_count,
    make_descriptor,
)

# IR versions: 7 is the IR that shipped with opset 13 (onnx 1.8), the oldest opset accepted;
# 9 is the IR of opset 20 (onnx 1.14/1.15) and the newest that onnxruntime 1.17, the oldest
# runtime pyproject.toml allows, loads. Newer IRs add features (4-bit types, overloaded local
# functions) this loader has not been reviewed against.
MIN_IR_VERSION = 7
MAX_IR_VERSION = 9

# Default-domain opsets: 13 is where the allow-listed operators took the semantics the graph
# builder follows (Softmax over one axis instead of a coerced 2-D view; Squeeze, Unsqueeze and
# ReduceSum axes as inputs; Clip bounds as inputs since 11), so older models would run kernel
# versions nobody here reviewed. 20 is the opset the lowering emits (the oldest with Gelu) and
# the newest onnxruntime 1.17 implements. Exporters' defaults (PyTorch 14-18) fall inside.
MIN_OPSET = 13
MAX_OPSET = 20

# The ONNX default domain goes by "" or its alias "ai.onnx". Every other domain (ai.onnx.ml,
# com.microsoft contrib ops, model-local functions) is refused: each is a separate body of
# kernels with its own parsing of attributes and tensors.
_DEFAULT_DOMAINS = frozenset({"", "ai.onnx"})

# Reviewed allow-list of default-domain operators. It is every operator the graph builder's
# lowering emits (python_service/service/lowering.py: including Sqrt and ReduceMean from the
# normalization decompositions) plus the inference operators common in exported CNNs and
# transformers. Each one is a fixed-shape tensor kernel: none takes a subgraph (If, Loop and
# Scan are refused outright), reads files or strings, or allocates from a data-dependent size
# without a tensor of that size as input (so no ConstantOfShape, Expand, Tile, Range, Resize,
# NonZero). Adding an operator means reviewing its onnxruntime kernel for the same properties.
ALLOWED_OPERATORS = frozenset(
    {
        # Emitted by the lowering.
        "Add",
        "AveragePool",
        "BatchNormalization",
        "Cast",
        "Clip",
        "Concat",
        "Conv",
        "Div",
        "Gelu",
        "Gemm",
        "Identity",
        "LayerNormalization",
        "MatMul",
        "Max",
        "MaxPool",
        "Min",
        "Mul",
        "Pow",
        "ReduceMean",
        "Relu",
        "Reshape",
        "Sigmoid",
        "Slice",
        "Softmax",
        "Sqrt",
        "Sub",
        "Tanh",
        "Transpose",
        # Common in exported inference models.
        "Constant",
        "Erf",
        "Flatten",
        "Gather",
        "GlobalAveragePool",
        "Shape",
        "Squeeze",
        "Unsqueeze",
    }
)

# ONNX element types with an NPU data type; every other (double, bool, string, float8, ...) is
# refused for graph inputs, outputs and stored tensors alike.
NPU_TYPES: dict[int, DataType] = {onnx_type: npu for npu, onnx_type in ONNX_TYPES.items()}

# Names quoted in messages come from the untrusted model: cap them so a message stays small.
_MAX_QUOTED_NAME = 64
_MAX_CHECKER_MESSAGE = 300


class ModelError(Exception):
    """loadModel refused the model: a validation error for the page, naming the broken rule.

    Not a BadMessage: the IPC carrying the bytes was well formed, only the model is unacceptable,
    so the service reports it and carries on serving the client.
    """


@dataclass(frozen=True)
class ModelLimits:
    """How much model the service accepts from one loadModel call.

    - max_model_byte_length: 256 MiB of serialized model, checked before parsing; far below
      protobuf's 2 GiB ceiling, room for a ResNet-50 (100 MiB) in float32.
    - max_nodes / max_initializers: 65,536 each, as maxGraphOperands bounds a built graph;
      exported CNNs and transformers of that size use a few thousand.
    - max_initializer_byte_length: 1 GiB of stored tensor data, counted from declared shapes.
      Inline data is already bounded by the model size; this bounds what sparse tensors expand
      to, since onnxruntime densifies them when it creates the session.
    - max_elements: 2,097,152 protobuf messages and strings (nodes, attributes, names, value
      infos, ...) in the whole model; a 65,536-node model uses about 10 per node.
    - tensor_limits: the per-tensor rules (rank, maxTensorByteLength) shared with graphs.
    """

    max_model_byte_length: int = 256 * 2**20
    max_nodes: int = 65_536
    max_initializers: int = 65_536
    max_initializer_byte_length: int = 2**30
    max_elements: int = 2**21
    tensor_limits: Limits = field(default_factory=lambda: DEFAULT_LIMITS)


DEFAULT_MODEL_LIMITS = ModelLimits()


@dataclass(frozen=True)
class NamedDescriptor:
    """One graph input or output: its tensor name and its static NPU descriptor."""

    name: str
    descriptor: OperandDescriptor


@dataclass(frozen=True)
class LoadedModel:
    """A model that passed every rule: the bytes for onnxruntime and the graph's signature.

    `model_bytes` is the checked proto re-serialized, never the caller's bytes. `inputs` and
    `outputs` are in the graph's order, which is onnxruntime's order too; inputs that are also
    initializers (overridable defaults) are left out, as onnxruntime leaves them out.
    """

    model_bytes: bytes
    inputs: tuple[NamedDescriptor, ...]
    outputs: tuple[NamedDescriptor, ...]


def _quote(name: str) -> str:
    if len(name) > _MAX_QUOTED_NAME:
        name = name[:_MAX_QUOTED_NAME] + "..."
    return f"'{name}'"


def _type_name(onnx_type: int) -> str:
    try:
        return TensorProto.DataType.Name(onnx_type)
    except ValueError:
        return str(onnx_type)


def check_model_size(byte_length: int, limits: ModelLimits = DEFAULT_MODEL_LIMITS) -> None:
    """ModelError if a model of `byte_length` bytes is over the limit.

    Separate so the service can refuse a declared length before mapping or copying anything.
    """
    if byte_length > limits.max_model_byte_length:
        raise ModelError(
            f"model is {byte_length} bytes, over the limit of {limits.max_model_byte_length}"
        )


def load_model(data: bytes | memoryview, limits: ModelLimits = DEFAULT_MODEL_LIMITS) -> LoadedModel:
    """The model checked and re-serialized, with its signature; ModelError at the first broken
    rule."""
    # Only the length is read before this check, so an oversized buffer is never copied.
    check_model_size(len(data), limits)
    model = _parse(bytes(data))
    _check_structure(model, limits)
    _check_versions(model)
    graph = model.graph
    _check_counts(graph, limits)
    total = _check_nodes(graph.node, limits)
    total += _check_initializers(graph, limits)
    if total > limits.max_initializer_byte_length:
        raise ModelError(
            f"initializers and constants total {total} bytes, over the limit of "
            f"{limits.max_initializer_byte_length}"
        )
    inputs, outputs = _signature(graph, limits.tensor_limits)
    _run_checker(model)
    _check_shapes(model)
    _strip(model)
    return LoadedModel(model.SerializeToString(deterministic=True), inputs, outputs)


def _parse(data: bytes) -> ModelProto:
    model = ModelProto()
    try:
        model.ParseFromString(data)
    except Exception:
        # DecodeError for malformed wire data, and upb raises others on excessive nesting:
        # either way the bytes are not a model. The protobuf detail helps no page author.
        raise ModelError("model bytes do not parse as an ONNX ModelProto") from None
    # Fields this onnx version does not know would pass through unchecked to a runtime that
    # might know them: drop them, so what runs is what was checked.
    model.DiscardUnknownFields()
    return model


def _check_structure(model: ModelProto, limits: ModelLimits) -> None:
    """ModelError if the model has too many protobuf elements or any text is not UTF-8.

    Element count: every later step (the checks here, the ONNX checker, onnxruntime's own
    parse) walks messages and strings one by one, and a model of a few bytes per element packs
    tens of millions of them into the size limit (64 MiB of empty input names took 12 s before
    this rule). Counting each repeated field by its length, before iterating it, makes this walk
    stop after at most `max_elements` of them.

    UTF-8: the ONNX protos are proto2, whose parser keeps invalid UTF-8 in a string field and
    hands it back as bytes. Names are matched against the page's DOMStrings and quoted in
    messages, and the C++ side would read different text than Python: refuse such models.
    """
    remaining = limits.max_elements
    pending: list[Message] = [model]
    while pending:
        message = pending.pop()
        for descriptor, value in message.ListFields():
            if descriptor.type == FieldDescriptor.TYPE_STRING:
                # A repeated field is a container; a singular one is the text (str or bytes).
                items = (value,) if isinstance(value, str | bytes) else value
            elif descriptor.type == FieldDescriptor.TYPE_MESSAGE:
                items = (value,) if isinstance(value, Message) else value
            else:
                continue  # numbers and bytes: packed, read by C++ without per-element objects
            remaining -= len(items)
            if remaining < 0:
                raise ModelError(
                    f"model has more than {limits.max_elements} protobuf messages and strings"
                )
            if descriptor.type == FieldDescriptor.TYPE_MESSAGE:
                pending.extend(items)
            elif not all(isinstance(text, str) for text in items):
                raise ModelError(
                    f"model field {message.DESCRIPTOR.name}.{descriptor.name} is not valid UTF-8"
                )


def _check_versions(model: ModelProto) -> None:
    if not MIN_IR_VERSION <= model.ir_version <= MAX_IR_VERSION:
        raise ModelError(
            f"model IR version {model.ir_version} is outside the supported range "
            f"{MIN_IR_VERSION}..{MAX_IR_VERSION}"
        )
    default_opsets = []
    for opset in model.opset_import:
        if opset.domain not in _DEFAULT_DOMAINS:
            raise ModelError(
                f"model imports operator domain {_quote(opset.domain)}; only the default ONNX "
                "domain is allowed"
            )
        default_opsets.append(opset.version)
    if len(default_opsets) != 1:
        raise ModelError(
            f"model imports the default ONNX domain {len(default_opsets)} times; exactly one "
            "opset import is required"
        )
    if not MIN_OPSET <= default_opsets[0] <= MAX_OPSET:
        raise ModelError(
            f"model opset {default_opsets[0]} is outside the supported range "
            f"{MIN_OPSET}..{MAX_OPSET}"
        )
    # Model-local functions define operators in their own domains; training info carries
    # extra graphs the runtime never needs for inference. Both are refused, not stripped, so a
    # model never silently means something else than its author wrote.
    if model.functions:
        raise ModelError("model defines local functions; they are not allowed")
    if model.training_info:
        raise ModelError("model carries training info; it is not allowed")


def _check_counts(graph: onnx.GraphProto, limits: ModelLimits) -> None:
    # len() on repeated fields is O(1): these bound every later walk.
    if len(graph.node) > limits.max_nodes:
        raise ModelError(f"model has {len(graph.node)} nodes, over the limit of {limits.max_nodes}")
    initializers = len(graph.initializer) + len(graph.sparse_initializer)
    if initializers > limits.max_initializers:
        raise ModelError(
            f"model has {initializers} initializers, over the limit of {limits.max_initializers}"
        )


def _check_nodes(nodes: Sequence[onnx.NodeProto], limits: ModelLimits) -> int:
    """Checks every node's operator and attributes; the bytes its constant tensors declare."""
    total = 0
    for index, node in enumerate(nodes):
        where = f"node {index} {_quote(node.name)} ({_quote(node.op_type)})"
        if node.domain not in _DEFAULT_DOMAINS:
            raise ModelError(
                f"{where} uses operator domain {_quote(node.domain)}; only the default ONNX "
                "domain is allowed"
            )
        if node.op_type not in ALLOWED_OPERATORS:
            raise ModelError(f"{where}: operator {_quote(node.op_type)} is not allowed")
        for attribute in node.attribute:
            attr_where = f"{where} attribute {_quote(attribute.name)}"
            # Checked by content, not only by `type`: a graph hidden in an attribute whose type
            # says otherwise must not reach a parser either.
            if (
                attribute.type in (AttributeProto.GRAPH, AttributeProto.GRAPHS)
                or attribute.HasField("g")
                or len(attribute.graphs)
            ):
                raise ModelError(
                    f"{attr_where} holds a subgraph; control flow and subgraphs are not allowed"
                )
            tensors: list[TensorProto] = list(attribute.tensors)
            if attribute.HasField("t"):
                tensors.append(attribute.t)
            sparse: list[SparseTensorProto] = list(attribute.sparse_tensors)
            if attribute.HasField("sparse_tensor"):
                sparse.append(attribute.sparse_tensor)
            for tensor in tensors:
                total += _check_tensor(tensor, f"{attr_where} tensor", limits.tensor_limits)
            for tensor in sparse:
                total += _check_sparse(tensor, f"{attr_where} sparse tensor", limits.tensor_limits)
    return total


def _check_initializers(graph: onnx.GraphProto, limits: ModelLimits) -> int:
    total = 0
    for tensor in graph.initializer:
        total += _check_tensor(tensor, f"initializer {_quote(tensor.name)}", limits.tensor_limits)
    for sparse in graph.sparse_initializer:
        total += _check_sparse(
            sparse, f"sparse initializer {_quote(sparse.values.name)}", limits.tensor_limits
        )
    return total


def _check_external(tensor: TensorProto, where: str) -> None:
    # Either marker is enough: the runtime resolves `external_data` paths relative to the
    # model's directory, and the service has (and must have) no file system to read.
    if tensor.data_location == TensorProto.EXTERNAL or len(tensor.external_data):
        raise ModelError(f"{where} refers to external data; tensor data must be inside the model")


def _declared_byte_length(dims: Sequence[int], onnx_type: int, where: str, limits: Limits) -> int:
    """The bytes a tensor of these dims and type takes, within the per-tensor limit.

    Computed from the declared shape, before the checker (or the runtime) multiplies the
    dimensions in fixed-width integers, and independent of how much data is actually present.
    """
    data_type = NPU_TYPES.get(onnx_type)
    if data_type is None:
        raise ModelError(f"{where} has unsupported element type {_type_name(onnx_type)}")
    if len(dims) > limits.max_tensor_rank:
        raise ModelError(
            f"{where} has rank {len(dims)}, over maxTensorRank {limits.max_tensor_rank}"
        )
    for dim in dims:
        # 0 is a valid ONNX dimension (an empty tensor); negative ones are not.
        if not 0 <= dim <= MAX_DIMENSION:
            raise ModelError(f"{where} has dimension {dim}, outside 0..{MAX_DIMENSION}")
    try:
        count = checked_element_count(
            tuple(dims), limits.max_tensor_byte_length // data_type.element_size
        )
    except TensorError:
        raise ModelError(
            f"{where}: byte length of {data_type.value}{list(dims)} exceeds "
            f"maxTensorByteLength {limits.max_tensor_byte_length}"
        ) from None
    return count * data_type.element_size


# The TensorProto field holding each type's values when there is no raw_data (onnx.proto3:
# 8- and 16-bit types widen into int32_data, unsigned 32/64-bit into uint64_data).
_TYPED_FIELDS: dict[DataType, str] = {
    DataType.FLOAT32: "float_data",
    DataType.FLOAT16: "int32_data",
    DataType.INT32: "int32_data",
    DataType.INT8: "int32_data",
    DataType.UINT8: "int32_data",
    DataType.INT64: "int64_data",
    DataType.UINT32: "uint64_data",
    DataType.UINT64: "uint64_data",
}


def _check_tensor(tensor: TensorProto, where: str, limits: Limits) -> int:
    """The tensor's byte length, after its data location, shape and data amount are checked.

    The data must match the shape exactly: the ONNX checker only refuses too little, and
    bytes beyond the shape would be carried into the runtime (which refuses them only when it
    creates the session) without being counted here.
    """
    _check_external(tensor, where)
    byte_length = _declared_byte_length(tensor.dims, tensor.data_type, where, limits)
    data_type = NPU_TYPES[tensor.data_type]
    if tensor.HasField("raw_data"):
        present, expected, unit = len(tensor.raw_data), byte_length, "bytes"
    else:
        present = len(getattr(tensor, _TYPED_FIELDS[data_type]))
        expected, unit = byte_length // data_type.element_size, "values"
    if present != expected:
        raise ModelError(
            f"{where} holds {present} {unit} of data; its shape "
            f"{data_type.value}{list(tensor.dims)} needs {expected}"
        )
    return byte_length


def _check_sparse(sparse: SparseTensorProto, where: str, limits: Limits) -> int:
    """Bytes of the values, the indices, and the dense tensor the runtime expands them to."""
    total = _check_tensor(sparse.values, f"{where} values", limits)
    total += _check_tensor(sparse.indices, f"{where} indices", limits)
    total += _declared_byte_length(sparse.dims, sparse.values.data_type, where, limits)
    return total


def _signature(
    graph: onnx.GraphProto, limits: Limits
) -> tuple[tuple[NamedDescriptor, ...], tuple[NamedDescriptor, ...]]:
    initialized = {t.name for t in graph.initializer} | {
        s.values.name for s in graph.sparse_initializer
    }
    inputs = tuple(
        _named_descriptor(value, "input", limits)
        for value in graph.input
        if value.name not in initialized
    )
    outputs = tuple(_named_descriptor(value, "output", limits) for value in graph.output)
    if not outputs:
        raise ModelError("model graph has no outputs")
    # Dispatches bind buffers by name, so each name must denote one tensor.
    seen: set[str] = set()
    for named in inputs + outputs:
        if named.name in seen:
            raise ModelError(f"graph input or output name {_quote(named.name)} is repeated")
        seen.add(named.name)
    return inputs, outputs


def _named_descriptor(value: onnx.ValueInfoProto, kind: str, limits: Limits) -> NamedDescriptor:
    where = f"graph {kind} {_quote(value.name)}"
    if value.type.WhichOneof("value") != "tensor_type":
        raise ModelError(f"{where} is not a dense tensor")
    tensor_type = value.type.tensor_type
    data_type = NPU_TYPES.get(tensor_type.elem_type)
    if data_type is None:
        raise ModelError(
            f"{where} has unsupported element type {_type_name(tensor_type.elem_type)}"
        )
    if not tensor_type.HasField("shape"):
        raise ModelError(f"{where} has an unknown rank; only static shapes are supported")
    dims = []
    for index, dim in enumerate(tensor_type.shape.dim):
        if dim.WhichOneof("value") != "dim_value":
            raise ModelError(
                f"{where} dimension {index} is dynamic or unknown; only static shapes are supported"
            )
        dims.append(dim.dim_value)
    try:
        descriptor = make_descriptor(data_type, dims, limits)
    except TensorError as error:
        raise ModelError(f"{where}: {error}") from None
    return NamedDescriptor(value.name, descriptor)


def _run_checker(model: ModelProto) -> None:
    try:
        # full_check=False: structural checks only; strict shape inference is its own rule
        # (`_check_shapes`) so its failures are reported as such.
        onnx.checker.check_model(model, full_check=False)
    except Exception as error:
        raise ModelError(f"model fails the ONNX checker: {_first_line(error)}") from None


def _check_shapes(model: ModelProto) -> None:
    """ModelError if ONNX shape inference contradicts a declared shape.

    onnxruntime only warns when a graph output's declared shape differs from what the model
    computes, then runs with the computed one: the declared descriptors would lie to the
    command-buffer validator. Strict inference refuses the contradiction here (byte-flip fuzzing
    found such models: a flipped output dimension still passes the checker). Shapes inference
    cannot determine stay as declared, so the executor still compares the actual outputs.
    """
    try:
        onnx.shape_inference.infer_shapes(model, check_type=True, strict_mode=True)
    except Exception as error:
        raise ModelError(f"model fails ONNX shape inference: {_first_line(error)}") from None


def _first_line(error: Exception) -> str:
    text = str(error).strip()
    detail = text.splitlines()[0] if text else type(error).__name__
    if len(detail) > _MAX_CHECKER_MESSAGE:
        detail = detail[:_MAX_CHECKER_MESSAGE] + "..."
    return detail


def _strip(model: ModelProto) -> None:
    """Drops what inference never reads: doc strings and free-form metadata.

    Smaller bytes for the runtime, and nothing the page wrote in prose reaches the runtime's
    logs or the model metadata onnxruntime exposes.
    """
    model.doc_string = ""
    _clear_metadata(model)
    graph = model.graph
    graph.doc_string = ""
    _clear_metadata(graph)
    for value in _value_infos(graph):
        value.doc_string = ""
        _clear_metadata(value)
    for node in graph.node:
        node.doc_string = ""
        _clear_metadata(node)
        for attribute in node.attribute:
            attribute.doc_string = ""
            if attribute.HasField("t"):
                attribute.t.doc_string = ""
    for tensor in graph.initializer:
        tensor.doc_string = ""


def _clear_metadata(message: Message) -> None:
    # Graphs, nodes and value infos gained `metadata_props` in onnx 1.16; pyproject allows 1.15.
    if "metadata_props" in message.DESCRIPTOR.fields_by_name:
        message.ClearField("metadata_props")


def _value_infos(graph: onnx.GraphProto) -> Iterator[onnx.ValueInfoProto]:
    yield from graph.input
    yield from graph.output
    yield from graph.value_info
