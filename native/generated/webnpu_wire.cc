// Generated from idl/webnpu.idl by `python -m codegen` (target `cpp`).
// Do not edit: regenerate with `python -m codegen idl/webnpu.idl`.

#include "native/generated/webnpu_wire.h"

#include <utility>

namespace webnpu::wire {

namespace {

constexpr char kTopLevel[] = "top level";
constexpr char kAfterFirst[] = "top level after the first message";
constexpr char kConnectionStart[] = "the start of the connection";
constexpr char kCommandStream[] = "command stream";
constexpr char kReply[] = "reply";
constexpr char kServiceMessage[] = "service message";

}  // namespace

void Write(MessageWriter& w, const NPURequestAdapterOptions& v) {
  uint32_t presence = 0;
  if (v.power_preference) {
    presence |= 0x1u;
  }
  const size_t at = w.AppendFixed(8);
  w.Put(at, presence);
  if (v.power_preference) {
    w.Put(at + 4, *v.power_preference);
  }
}

bool Read(MessageReader& r, NPURequestAdapterOptions* out) {
  FixedPart f;
  if (!r.ReadFixed(8, 8, &f)) {
    return false;
  }
  const uint32_t presence = f.U32(0);
  if (!r.CheckPresence(presence, 1)) {
    return false;
  }
  if ((presence & 0x1u) == 0) {
    out->power_preference.reset();
    if (!r.CheckAbsentZero(f, 4, 4)) {
      return false;
    }
  } else if (!r.GetEnum(f, 4, &out->power_preference.emplace())) {
    return false;
  }
  return true;
}

void Write(MessageWriter& w, const NPUSupportedFeatures& v) {
  w.WriteStringArray(v.values, 65536, 65536);
}

bool Read(MessageReader& r, NPUSupportedFeatures* out) {
  if (!r.ReadStringArray(65536, 65536, &out->values)) {
    return false;
  }
  return true;
}

void Write(MessageWriter& w, const NPUSupportedLimits& v) {
  const size_t at = w.AppendFixed(48);
  w.Put(at, v.max_buffer_size);
  w.Put(at + 8, v.max_tensor_byte_length);
  w.Put(at + 16, v.max_model_byte_length);
  w.Put(at + 24, v.max_tensor_rank);
  w.Put(at + 28, v.max_graph_operands);
  w.Put(at + 32, v.max_dispatch_inputs);
  w.Put(at + 36, v.max_dispatch_outputs);
  w.Put(at + 40, v.max_buffers_per_client);
  w.Put(at + 44, v.max_graphs_per_client);
}

bool Read(MessageReader& r, NPUSupportedLimits* out) {
  FixedPart f;
  if (!r.ReadFixed(48, 48, &f)) {
    return false;
  }
  out->max_buffer_size = f.U64(0);
  out->max_tensor_byte_length = f.U64(8);
  out->max_model_byte_length = f.U64(16);
  out->max_tensor_rank = f.U32(24);
  out->max_graph_operands = f.U32(28);
  out->max_dispatch_inputs = f.U32(32);
  out->max_dispatch_outputs = f.U32(36);
  out->max_buffers_per_client = f.U32(40);
  out->max_graphs_per_client = f.U32(44);
  return true;
}

void Write(MessageWriter& w, const NPUAdapterInfo& v) {
  w.WriteString(v.vendor, 65536);
  w.WriteString(v.architecture, 65536);
  w.WriteString(v.device, 65536);
  w.WriteString(v.description, 65536);
}

bool Read(MessageReader& r, NPUAdapterInfo* out) {
  if (!r.ReadString(65536, &out->vendor)) {
    return false;
  }
  if (!r.ReadString(65536, &out->architecture)) {
    return false;
  }
  if (!r.ReadString(65536, &out->device)) {
    return false;
  }
  if (!r.ReadString(65536, &out->description)) {
    return false;
  }
  return true;
}

void Write(MessageWriter& w, const NPUQueueDescriptor& v) {
  w.WriteString(v.label, 65536);
}

bool Read(MessageReader& r, NPUQueueDescriptor* out) {
  if (!r.ReadString(65536, &out->label)) {
    return false;
  }
  return true;
}

void Write(MessageWriter& w, const RecordStringU64Entry& v) {
  const size_t at = w.AppendFixed(8);
  w.Put(at, v.value);
  w.WriteString(v.key, 65536);
}

bool Read(MessageReader& r, RecordStringU64Entry* out) {
  FixedPart f;
  if (!r.ReadFixed(8, 8, &f)) {
    return false;
  }
  if (!r.GetInRange(f, 0, &out->value)) {
    return false;
  }
  if (!r.ReadString(65536, &out->key)) {
    return false;
  }
  return true;
}

void Write(MessageWriter& w, const NPUDeviceDescriptor& v) {
  uint32_t presence = 0;
  if (v.required_limits) {
    presence |= 0x1u;
  }
  const size_t at = w.AppendFixed(8);
  w.Put(at, presence);
  w.WriteString(v.label, 65536);
  Write(w, v.default_queue);
  w.WriteScalarArray(v.required_features, 65536);
  if (v.required_limits) {
    WriteRecord(w, *v.required_limits, 65536);
  }
}

bool Read(MessageReader& r, NPUDeviceDescriptor* out) {
  FixedPart f;
  if (!r.ReadFixed(8, 4, &f)) {
    return false;
  }
  const uint32_t presence = f.U32(0);
  if (!r.CheckPresence(presence, 1)) {
    return false;
  }
  if (!r.ReadString(65536, &out->label)) {
    return false;
  }
  if (!Read(r, &out->default_queue)) {
    return false;
  }
  if (!r.ReadEnumArray(65536, &out->required_features)) {
    return false;
  }
  if ((presence & 0x1u) == 0) {
    out->required_limits.reset();
  } else if (!ReadRecord(r, 16, 65536, &out->required_limits.emplace())) {
    return false;
  }
  return true;
}

void Write(MessageWriter& w, const NPUCommandBufferDescriptor& v) {
  w.WriteString(v.label, 65536);
}

bool Read(MessageReader& r, NPUCommandBufferDescriptor* out) {
  if (!r.ReadString(65536, &out->label)) {
    return false;
  }
  return true;
}

void Write(MessageWriter& w, const NPUTensorDescriptor& v) {
  const size_t at = w.AppendFixed(8);
  w.Put(at, v.data_type);
  w.WriteScalarArray(v.shape, 8);
}

bool Read(MessageReader& r, NPUTensorDescriptor* out) {
  FixedPart f;
  if (!r.ReadFixed(8, 4, &f)) {
    return false;
  }
  if (!r.GetEnum(f, 0, &out->data_type)) {
    return false;
  }
  if (!r.ReadU32Array(8, &out->shape)) {
    return false;
  }
  return true;
}

void Write(MessageWriter& w, const NPUBufferDescriptor& v) {
  uint32_t presence = 0;
  if (v.tensor) {
    presence |= 0x1u;
  }
  const size_t at = w.AppendFixed(16);
  w.Put(at + 8, presence);
  w.Put(at, v.size);
  w.Put(at + 12, v.usage);
  w.WriteString(v.label, 65536);
  if (v.tensor) {
    Write(w, *v.tensor);
  }
}

bool Read(MessageReader& r, NPUBufferDescriptor* out) {
  FixedPart f;
  if (!r.ReadFixed(16, 16, &f)) {
    return false;
  }
  const uint32_t presence = f.U32(8);
  if (!r.CheckPresence(presence, 1)) {
    return false;
  }
  if (!r.GetInRange(f, 0, &out->size)) {
    return false;
  }
  out->usage = f.U32(12);
  if (!r.ReadString(65536, &out->label)) {
    return false;
  }
  if ((presence & 0x1u) == 0) {
    out->tensor.reset();
  } else if (!Read(r, &out->tensor.emplace())) {
    return false;
  }
  return true;
}

void Write(MessageWriter& w, const NPUTensorInfo& v) {
  const size_t at = w.AppendFixed(8);
  w.Put(at, v.data_type);
  w.WriteScalarArray(v.shape, 8);
  w.WriteString(v.name, 65536);
}

bool Read(MessageReader& r, NPUTensorInfo* out) {
  FixedPart f;
  if (!r.ReadFixed(8, 4, &f)) {
    return false;
  }
  if (!r.GetEnum(f, 0, &out->data_type)) {
    return false;
  }
  if (!r.ReadU32Array(8, &out->shape)) {
    return false;
  }
  if (!r.ReadString(65536, &out->name)) {
    return false;
  }
  return true;
}

void Write(MessageWriter& w, const NPUCommandEncoderDescriptor& v) {
  w.WriteString(v.label, 65536);
}

bool Read(MessageReader& r, NPUCommandEncoderDescriptor* out) {
  if (!r.ReadString(65536, &out->label)) {
    return false;
  }
  return true;
}

void Write(MessageWriter& w, const NPUDeviceLostInfo& v) {
  const size_t at = w.AppendFixed(8);
  w.Put(at, v.reason);
  w.WriteString(v.message, 65536);
}

bool Read(MessageReader& r, NPUDeviceLostInfo* out) {
  FixedPart f;
  if (!r.ReadFixed(8, 4, &f)) {
    return false;
  }
  if (!r.GetEnum(f, 0, &out->reason)) {
    return false;
  }
  if (!r.ReadString(65536, &out->message)) {
    return false;
  }
  return true;
}

void Write(MessageWriter& w, const ErrorReport& v) {
  const size_t at = w.AppendFixed(8);
  w.Put(at, v.type);
  w.WriteString(v.message, 65536);
}

bool Read(MessageReader& r, ErrorReport* out) {
  FixedPart f;
  if (!r.ReadFixed(8, 4, &f)) {
    return false;
  }
  if (!r.GetEnum(f, 0, &out->type)) {
    return false;
  }
  if (!r.ReadString(65536, &out->message)) {
    return false;
  }
  return true;
}

void Write(MessageWriter& w, const Rejection& v) {
  const size_t at = w.AppendFixed(8);
  w.Put(at, v.exception);
  w.WriteString(v.message, 65536);
}

bool Read(MessageReader& r, Rejection* out) {
  FixedPart f;
  if (!r.ReadFixed(8, 4, &f)) {
    return false;
  }
  if (!r.GetEnum(f, 0, &out->exception)) {
    return false;
  }
  if (!r.ReadString(65536, &out->message)) {
    return false;
  }
  return true;
}

void Write(MessageWriter& w, const GraphOpAdd& v) {
  const size_t at = w.AppendFixed(16);
  w.Put(at, v.output_id);
  w.Put(at + 4, v.a);
  w.Put(at + 8, v.b);
  w.WriteString(v.label, 65536);
}

bool Read(MessageReader& r, GraphOpAdd* out) {
  FixedPart f;
  if (!r.ReadFixed(16, 12, &f)) {
    return false;
  }
  out->output_id = f.U32(0);
  out->a = f.U32(4);
  out->b = f.U32(8);
  if (!r.ReadString(65536, &out->label)) {
    return false;
  }
  return true;
}

void Write(MessageWriter& w, const GraphOpSub& v) {
  const size_t at = w.AppendFixed(16);
  w.Put(at, v.output_id);
  w.Put(at + 4, v.a);
  w.Put(at + 8, v.b);
  w.WriteString(v.label, 65536);
}

bool Read(MessageReader& r, GraphOpSub* out) {
  FixedPart f;
  if (!r.ReadFixed(16, 12, &f)) {
    return false;
  }
  out->output_id = f.U32(0);
  out->a = f.U32(4);
  out->b = f.U32(8);
  if (!r.ReadString(65536, &out->label)) {
    return false;
  }
  return true;
}

void Write(MessageWriter& w, const GraphOpMul& v) {
  const size_t at = w.AppendFixed(16);
  w.Put(at, v.output_id);
  w.Put(at + 4, v.a);
  w.Put(at + 8, v.b);
  w.WriteString(v.label, 65536);
}

bool Read(MessageReader& r, GraphOpMul* out) {
  FixedPart f;
  if (!r.ReadFixed(16, 12, &f)) {
    return false;
  }
  out->output_id = f.U32(0);
  out->a = f.U32(4);
  out->b = f.U32(8);
  if (!r.ReadString(65536, &out->label)) {
    return false;
  }
  return true;
}

void Write(MessageWriter& w, const GraphOpDiv& v) {
  const size_t at = w.AppendFixed(16);
  w.Put(at, v.output_id);
  w.Put(at + 4, v.a);
  w.Put(at + 8, v.b);
  w.WriteString(v.label, 65536);
}

bool Read(MessageReader& r, GraphOpDiv* out) {
  FixedPart f;
  if (!r.ReadFixed(16, 12, &f)) {
    return false;
  }
  out->output_id = f.U32(0);
  out->a = f.U32(4);
  out->b = f.U32(8);
  if (!r.ReadString(65536, &out->label)) {
    return false;
  }
  return true;
}

void Write(MessageWriter& w, const GraphOpMax& v) {
  const size_t at = w.AppendFixed(16);
  w.Put(at, v.output_id);
  w.Put(at + 4, v.a);
  w.Put(at + 8, v.b);
  w.WriteString(v.label, 65536);
}

bool Read(MessageReader& r, GraphOpMax* out) {
  FixedPart f;
  if (!r.ReadFixed(16, 12, &f)) {
    return false;
  }
  out->output_id = f.U32(0);
  out->a = f.U32(4);
  out->b = f.U32(8);
  if (!r.ReadString(65536, &out->label)) {
    return false;
  }
  return true;
}

void Write(MessageWriter& w, const GraphOpMin& v) {
  const size_t at = w.AppendFixed(16);
  w.Put(at, v.output_id);
  w.Put(at + 4, v.a);
  w.Put(at + 8, v.b);
  w.WriteString(v.label, 65536);
}

bool Read(MessageReader& r, GraphOpMin* out) {
  FixedPart f;
  if (!r.ReadFixed(16, 12, &f)) {
    return false;
  }
  out->output_id = f.U32(0);
  out->a = f.U32(4);
  out->b = f.U32(8);
  if (!r.ReadString(65536, &out->label)) {
    return false;
  }
  return true;
}

void Write(MessageWriter& w, const GraphOpPow& v) {
  const size_t at = w.AppendFixed(16);
  w.Put(at, v.output_id);
  w.Put(at + 4, v.a);
  w.Put(at + 8, v.b);
  w.WriteString(v.label, 65536);
}

bool Read(MessageReader& r, GraphOpPow* out) {
  FixedPart f;
  if (!r.ReadFixed(16, 12, &f)) {
    return false;
  }
  out->output_id = f.U32(0);
  out->a = f.U32(4);
  out->b = f.U32(8);
  if (!r.ReadString(65536, &out->label)) {
    return false;
  }
  return true;
}

void Write(MessageWriter& w, const GraphOpMatmul& v) {
  const size_t at = w.AppendFixed(16);
  w.Put(at, v.output_id);
  w.Put(at + 4, v.a);
  w.Put(at + 8, v.b);
  w.WriteString(v.label, 65536);
}

bool Read(MessageReader& r, GraphOpMatmul* out) {
  FixedPart f;
  if (!r.ReadFixed(16, 12, &f)) {
    return false;
  }
  out->output_id = f.U32(0);
  out->a = f.U32(4);
  out->b = f.U32(8);
  if (!r.ReadString(65536, &out->label)) {
    return false;
  }
  return true;
}

void Write(MessageWriter& w, const GraphOpGemm& v) {
  const size_t at = w.AppendFixed(40);
  w.Put(at, v.alpha);
  w.Put(at + 8, v.beta);
  w.Put(at + 16, v.output_id);
  w.Put(at + 20, v.a);
  w.Put(at + 24, v.b);
  w.Put(at + 28, v.c);
  w.Put(at + 32, v.a_transpose);
  w.Put(at + 33, v.b_transpose);
  w.WriteString(v.label, 65536);
}

bool Read(MessageReader& r, GraphOpGemm* out) {
  FixedPart f;
  if (!r.ReadFixed(40, 34, &f)) {
    return false;
  }
  if (!r.GetFinite(f, 0, &out->alpha)) {
    return false;
  }
  if (!r.GetFinite(f, 8, &out->beta)) {
    return false;
  }
  out->output_id = f.U32(16);
  out->a = f.U32(20);
  out->b = f.U32(24);
  out->c = f.U32(28);
  if (!r.GetBool(f, 32, &out->a_transpose)) {
    return false;
  }
  if (!r.GetBool(f, 33, &out->b_transpose)) {
    return false;
  }
  if (!r.ReadString(65536, &out->label)) {
    return false;
  }
  return true;
}

void Write(MessageWriter& w, const GraphOpConv2d& v) {
  uint32_t presence = 0;
  if (v.dilations) {
    presence |= 0x1u;
  }
  if (v.padding) {
    presence |= 0x2u;
  }
  if (v.strides) {
    presence |= 0x4u;
  }
  const size_t at = w.AppendFixed(32);
  w.Put(at, presence);
  w.Put(at + 4, v.output_id);
  w.Put(at + 8, v.input);
  w.Put(at + 12, v.filter);
  w.Put(at + 16, v.bias);
  w.Put(at + 20, v.filter_layout);
  w.Put(at + 24, v.groups);
  w.Put(at + 28, v.input_layout);
  w.WriteString(v.label, 65536);
  if (v.dilations) {
    w.WriteScalarArray(*v.dilations, 65536);
  }
  if (v.padding) {
    w.WriteScalarArray(*v.padding, 65536);
  }
  if (v.strides) {
    w.WriteScalarArray(*v.strides, 65536);
  }
}

bool Read(MessageReader& r, GraphOpConv2d* out) {
  FixedPart f;
  if (!r.ReadFixed(32, 32, &f)) {
    return false;
  }
  const uint32_t presence = f.U32(0);
  if (!r.CheckPresence(presence, 3)) {
    return false;
  }
  out->output_id = f.U32(4);
  out->input = f.U32(8);
  out->filter = f.U32(12);
  out->bias = f.U32(16);
  if (!r.GetEnum(f, 20, &out->filter_layout)) {
    return false;
  }
  out->groups = f.U32(24);
  if (!r.GetEnum(f, 28, &out->input_layout)) {
    return false;
  }
  if (!r.ReadString(65536, &out->label)) {
    return false;
  }
  if ((presence & 0x1u) == 0) {
    out->dilations.reset();
  } else if (!r.ReadU32Array(65536, &out->dilations.emplace())) {
    return false;
  }
  if ((presence & 0x2u) == 0) {
    out->padding.reset();
  } else if (!r.ReadU32Array(65536, &out->padding.emplace())) {
    return false;
  }
  if ((presence & 0x4u) == 0) {
    out->strides.reset();
  } else if (!r.ReadU32Array(65536, &out->strides.emplace())) {
    return false;
  }
  return true;
}

void Write(MessageWriter& w, const GraphOpAveragePool2d& v) {
  uint32_t presence = 0;
  if (v.dilations) {
    presence |= 0x1u;
  }
  if (v.padding) {
    presence |= 0x2u;
  }
  if (v.strides) {
    presence |= 0x4u;
  }
  if (v.window_dimensions) {
    presence |= 0x8u;
  }
  const size_t at = w.AppendFixed(24);
  w.Put(at, presence);
  w.Put(at + 4, v.output_id);
  w.Put(at + 8, v.input);
  w.Put(at + 12, v.layout);
  w.Put(at + 16, v.rounding_type);
  w.WriteString(v.label, 65536);
  if (v.dilations) {
    w.WriteScalarArray(*v.dilations, 65536);
  }
  if (v.padding) {
    w.WriteScalarArray(*v.padding, 65536);
  }
  if (v.strides) {
    w.WriteScalarArray(*v.strides, 65536);
  }
  if (v.window_dimensions) {
    w.WriteScalarArray(*v.window_dimensions, 65536);
  }
}

bool Read(MessageReader& r, GraphOpAveragePool2d* out) {
  FixedPart f;
  if (!r.ReadFixed(24, 20, &f)) {
    return false;
  }
  const uint32_t presence = f.U32(0);
  if (!r.CheckPresence(presence, 4)) {
    return false;
  }
  out->output_id = f.U32(4);
  out->input = f.U32(8);
  if (!r.GetEnum(f, 12, &out->layout)) {
    return false;
  }
  if (!r.GetEnum(f, 16, &out->rounding_type)) {
    return false;
  }
  if (!r.ReadString(65536, &out->label)) {
    return false;
  }
  if ((presence & 0x1u) == 0) {
    out->dilations.reset();
  } else if (!r.ReadU32Array(65536, &out->dilations.emplace())) {
    return false;
  }
  if ((presence & 0x2u) == 0) {
    out->padding.reset();
  } else if (!r.ReadU32Array(65536, &out->padding.emplace())) {
    return false;
  }
  if ((presence & 0x4u) == 0) {
    out->strides.reset();
  } else if (!r.ReadU32Array(65536, &out->strides.emplace())) {
    return false;
  }
  if ((presence & 0x8u) == 0) {
    out->window_dimensions.reset();
  } else if (!r.ReadU32Array(65536, &out->window_dimensions.emplace())) {
    return false;
  }
  return true;
}

void Write(MessageWriter& w, const GraphOpMaxPool2d& v) {
  uint32_t presence = 0;
  if (v.dilations) {
    presence |= 0x1u;
  }
  if (v.padding) {
    presence |= 0x2u;
  }
  if (v.strides) {
    presence |= 0x4u;
  }
  if (v.window_dimensions) {
    presence |= 0x8u;
  }
  const size_t at = w.AppendFixed(24);
  w.Put(at, presence);
  w.Put(at + 4, v.output_id);
  w.Put(at + 8, v.input);
  w.Put(at + 12, v.layout);
  w.Put(at + 16, v.rounding_type);
  w.WriteString(v.label, 65536);
  if (v.dilations) {
    w.WriteScalarArray(*v.dilations, 65536);
  }
  if (v.padding) {
    w.WriteScalarArray(*v.padding, 65536);
  }
  if (v.strides) {
    w.WriteScalarArray(*v.strides, 65536);
  }
  if (v.window_dimensions) {
    w.WriteScalarArray(*v.window_dimensions, 65536);
  }
}

bool Read(MessageReader& r, GraphOpMaxPool2d* out) {
  FixedPart f;
  if (!r.ReadFixed(24, 20, &f)) {
    return false;
  }
  const uint32_t presence = f.U32(0);
  if (!r.CheckPresence(presence, 4)) {
    return false;
  }
  out->output_id = f.U32(4);
  out->input = f.U32(8);
  if (!r.GetEnum(f, 12, &out->layout)) {
    return false;
  }
  if (!r.GetEnum(f, 16, &out->rounding_type)) {
    return false;
  }
  if (!r.ReadString(65536, &out->label)) {
    return false;
  }
  if ((presence & 0x1u) == 0) {
    out->dilations.reset();
  } else if (!r.ReadU32Array(65536, &out->dilations.emplace())) {
    return false;
  }
  if ((presence & 0x2u) == 0) {
    out->padding.reset();
  } else if (!r.ReadU32Array(65536, &out->padding.emplace())) {
    return false;
  }
  if ((presence & 0x4u) == 0) {
    out->strides.reset();
  } else if (!r.ReadU32Array(65536, &out->strides.emplace())) {
    return false;
  }
  if ((presence & 0x8u) == 0) {
    out->window_dimensions.reset();
  } else if (!r.ReadU32Array(65536, &out->window_dimensions.emplace())) {
    return false;
  }
  return true;
}

void Write(MessageWriter& w, const GraphOpRelu& v) {
  const size_t at = w.AppendFixed(8);
  w.Put(at, v.output_id);
  w.Put(at + 4, v.input);
  w.WriteString(v.label, 65536);
}

bool Read(MessageReader& r, GraphOpRelu* out) {
  FixedPart f;
  if (!r.ReadFixed(8, 8, &f)) {
    return false;
  }
  out->output_id = f.U32(0);
  out->input = f.U32(4);
  if (!r.ReadString(65536, &out->label)) {
    return false;
  }
  return true;
}

void Write(MessageWriter& w, const GraphOpSigmoid& v) {
  const size_t at = w.AppendFixed(8);
  w.Put(at, v.output_id);
  w.Put(at + 4, v.input);
  w.WriteString(v.label, 65536);
}

bool Read(MessageReader& r, GraphOpSigmoid* out) {
  FixedPart f;
  if (!r.ReadFixed(8, 8, &f)) {
    return false;
  }
  out->output_id = f.U32(0);
  out->input = f.U32(4);
  if (!r.ReadString(65536, &out->label)) {
    return false;
  }
  return true;
}

void Write(MessageWriter& w, const GraphOpTanh& v) {
  const size_t at = w.AppendFixed(8);
  w.Put(at, v.output_id);
  w.Put(at + 4, v.input);
  w.WriteString(v.label, 65536);
}

bool Read(MessageReader& r, GraphOpTanh* out) {
  FixedPart f;
  if (!r.ReadFixed(8, 8, &f)) {
    return false;
  }
  out->output_id = f.U32(0);
  out->input = f.U32(4);
  if (!r.ReadString(65536, &out->label)) {
    return false;
  }
  return true;
}

void Write(MessageWriter& w, const GraphOpSoftmax& v) {
  const size_t at = w.AppendFixed(16);
  w.Put(at, v.output_id);
  w.Put(at + 4, v.input);
  w.Put(at + 8, v.axis);
  w.WriteString(v.label, 65536);
}

bool Read(MessageReader& r, GraphOpSoftmax* out) {
  FixedPart f;
  if (!r.ReadFixed(16, 12, &f)) {
    return false;
  }
  out->output_id = f.U32(0);
  out->input = f.U32(4);
  out->axis = f.U32(8);
  if (!r.ReadString(65536, &out->label)) {
    return false;
  }
  return true;
}

void Write(MessageWriter& w, const GraphOpGelu& v) {
  const size_t at = w.AppendFixed(8);
  w.Put(at, v.output_id);
  w.Put(at + 4, v.input);
  w.WriteString(v.label, 65536);
}

bool Read(MessageReader& r, GraphOpGelu* out) {
  FixedPart f;
  if (!r.ReadFixed(8, 8, &f)) {
    return false;
  }
  out->output_id = f.U32(0);
  out->input = f.U32(4);
  if (!r.ReadString(65536, &out->label)) {
    return false;
  }
  return true;
}

void Write(MessageWriter& w, const NPUNumber& v) {
  switch (v.value.index()) {
    case 0:
      w.WriteUnionTag(NPUNumber::kTag0);
      w.Put(w.AppendFixed(16), std::get<0>(v.value));
      break;
    case 1:
      w.WriteUnionTag(NPUNumber::kTag1);
      w.Put(w.AppendFixed(8), std::get<1>(v.value));
      break;
  }
}

bool Read(MessageReader& r, NPUNumber* out) {
  uint32_t tag;
  if (!r.ReadUnionTag(&tag)) {
    return false;
  }
  switch (tag) {
    case NPUNumber::kTag0: {
      FixedPart f;
      if (!r.ReadFixed(16, 16, &f)) {
        return false;
      }
      out->value.emplace<0>(f.I128(0));
      return true;
    }
    case NPUNumber::kTag1: {
      FixedPart f;
      if (!r.ReadFixed(8, 8, &f)) {
        return false;
      }
      out->value.emplace<1>(f.F64(0));
      return true;
    }
    default:
      return r.UnknownUnionTag(tag);
  }
}

void Write(MessageWriter& w, const GraphOpClamp& v) {
  uint32_t presence = 0;
  if (v.max_value) {
    presence |= 0x1u;
  }
  if (v.min_value) {
    presence |= 0x2u;
  }
  const size_t at = w.AppendFixed(16);
  w.Put(at, presence);
  w.Put(at + 4, v.output_id);
  w.Put(at + 8, v.input);
  w.WriteString(v.label, 65536);
  if (v.max_value) {
    Write(w, *v.max_value);
  }
  if (v.min_value) {
    Write(w, *v.min_value);
  }
}

bool Read(MessageReader& r, GraphOpClamp* out) {
  FixedPart f;
  if (!r.ReadFixed(16, 12, &f)) {
    return false;
  }
  const uint32_t presence = f.U32(0);
  if (!r.CheckPresence(presence, 2)) {
    return false;
  }
  out->output_id = f.U32(4);
  out->input = f.U32(8);
  if (!r.ReadString(65536, &out->label)) {
    return false;
  }
  if ((presence & 0x1u) == 0) {
    out->max_value.reset();
  } else if (!Read(r, &out->max_value.emplace())) {
    return false;
  }
  if ((presence & 0x2u) == 0) {
    out->min_value.reset();
  } else if (!Read(r, &out->min_value.emplace())) {
    return false;
  }
  return true;
}

void Write(MessageWriter& w, const GraphOpReshape& v) {
  const size_t at = w.AppendFixed(8);
  w.Put(at, v.output_id);
  w.Put(at + 4, v.input);
  w.WriteString(v.label, 65536);
  w.WriteScalarArray(v.new_shape, 65536);
}

bool Read(MessageReader& r, GraphOpReshape* out) {
  FixedPart f;
  if (!r.ReadFixed(8, 8, &f)) {
    return false;
  }
  out->output_id = f.U32(0);
  out->input = f.U32(4);
  if (!r.ReadString(65536, &out->label)) {
    return false;
  }
  if (!r.ReadU32Array(65536, &out->new_shape)) {
    return false;
  }
  return true;
}

void Write(MessageWriter& w, const GraphOpTranspose& v) {
  uint32_t presence = 0;
  if (v.permutation) {
    presence |= 0x1u;
  }
  const size_t at = w.AppendFixed(16);
  w.Put(at, presence);
  w.Put(at + 4, v.output_id);
  w.Put(at + 8, v.input);
  w.WriteString(v.label, 65536);
  if (v.permutation) {
    w.WriteScalarArray(*v.permutation, 65536);
  }
}

bool Read(MessageReader& r, GraphOpTranspose* out) {
  FixedPart f;
  if (!r.ReadFixed(16, 12, &f)) {
    return false;
  }
  const uint32_t presence = f.U32(0);
  if (!r.CheckPresence(presence, 1)) {
    return false;
  }
  out->output_id = f.U32(4);
  out->input = f.U32(8);
  if (!r.ReadString(65536, &out->label)) {
    return false;
  }
  if ((presence & 0x1u) == 0) {
    out->permutation.reset();
  } else if (!r.ReadU32Array(65536, &out->permutation.emplace())) {
    return false;
  }
  return true;
}

void Write(MessageWriter& w, const GraphOpConcat& v) {
  const size_t at = w.AppendFixed(8);
  w.Put(at, v.output_id);
  w.Put(at + 4, v.axis);
  w.WriteString(v.label, 65536);
  w.WriteScalarArray(v.inputs, 65536);
}

bool Read(MessageReader& r, GraphOpConcat* out) {
  FixedPart f;
  if (!r.ReadFixed(8, 8, &f)) {
    return false;
  }
  out->output_id = f.U32(0);
  out->axis = f.U32(4);
  if (!r.ReadString(65536, &out->label)) {
    return false;
  }
  if (!r.ReadU32Array(65536, &out->inputs)) {
    return false;
  }
  return true;
}

void Write(MessageWriter& w, const GraphOpSlice& v) {
  const size_t at = w.AppendFixed(8);
  w.Put(at, v.output_id);
  w.Put(at + 4, v.input);
  w.WriteString(v.label, 65536);
  w.WriteScalarArray(v.starts, 65536);
  w.WriteScalarArray(v.sizes, 65536);
}

bool Read(MessageReader& r, GraphOpSlice* out) {
  FixedPart f;
  if (!r.ReadFixed(8, 8, &f)) {
    return false;
  }
  out->output_id = f.U32(0);
  out->input = f.U32(4);
  if (!r.ReadString(65536, &out->label)) {
    return false;
  }
  if (!r.ReadU32Array(65536, &out->starts)) {
    return false;
  }
  if (!r.ReadU32Array(65536, &out->sizes)) {
    return false;
  }
  return true;
}

void Write(MessageWriter& w, const GraphOpBatchNormalization& v) {
  const size_t at = w.AppendFixed(40);
  w.Put(at, v.epsilon);
  w.Put(at + 8, v.output_id);
  w.Put(at + 12, v.input);
  w.Put(at + 16, v.mean);
  w.Put(at + 20, v.variance);
  w.Put(at + 24, v.axis);
  w.Put(at + 28, v.bias);
  w.Put(at + 32, v.scale);
  w.WriteString(v.label, 65536);
}

bool Read(MessageReader& r, GraphOpBatchNormalization* out) {
  FixedPart f;
  if (!r.ReadFixed(40, 36, &f)) {
    return false;
  }
  if (!r.GetFinite(f, 0, &out->epsilon)) {
    return false;
  }
  out->output_id = f.U32(8);
  out->input = f.U32(12);
  out->mean = f.U32(16);
  out->variance = f.U32(20);
  out->axis = f.U32(24);
  out->bias = f.U32(28);
  out->scale = f.U32(32);
  if (!r.ReadString(65536, &out->label)) {
    return false;
  }
  return true;
}

void Write(MessageWriter& w, const GraphOpLayerNormalization& v) {
  uint32_t presence = 0;
  if (v.axes) {
    presence |= 0x1u;
  }
  const size_t at = w.AppendFixed(32);
  w.Put(at + 8, presence);
  w.Put(at, v.epsilon);
  w.Put(at + 12, v.output_id);
  w.Put(at + 16, v.input);
  w.Put(at + 20, v.bias);
  w.Put(at + 24, v.scale);
  w.WriteString(v.label, 65536);
  if (v.axes) {
    w.WriteScalarArray(*v.axes, 65536);
  }
}

bool Read(MessageReader& r, GraphOpLayerNormalization* out) {
  FixedPart f;
  if (!r.ReadFixed(32, 28, &f)) {
    return false;
  }
  const uint32_t presence = f.U32(8);
  if (!r.CheckPresence(presence, 1)) {
    return false;
  }
  if (!r.GetFinite(f, 0, &out->epsilon)) {
    return false;
  }
  out->output_id = f.U32(12);
  out->input = f.U32(16);
  out->bias = f.U32(20);
  out->scale = f.U32(24);
  if (!r.ReadString(65536, &out->label)) {
    return false;
  }
  if ((presence & 0x1u) == 0) {
    out->axes.reset();
  } else if (!r.ReadU32Array(65536, &out->axes.emplace())) {
    return false;
  }
  return true;
}

void Write(MessageWriter& w, const GraphOpCast& v) {
  const size_t at = w.AppendFixed(16);
  w.Put(at, v.output_id);
  w.Put(at + 4, v.input);
  w.Put(at + 8, v.data_type);
  w.WriteString(v.label, 65536);
}

bool Read(MessageReader& r, GraphOpCast* out) {
  FixedPart f;
  if (!r.ReadFixed(16, 12, &f)) {
    return false;
  }
  out->output_id = f.U32(0);
  out->input = f.U32(4);
  if (!r.GetEnum(f, 8, &out->data_type)) {
    return false;
  }
  if (!r.ReadString(65536, &out->label)) {
    return false;
  }
  return true;
}

void Write(MessageWriter& w, const GraphInput& v) {
  const size_t at = w.AppendFixed(8);
  w.Put(at, v.id);
  w.WriteString(v.name, 65536);
  Write(w, v.descriptor);
}

bool Read(MessageReader& r, GraphInput* out) {
  FixedPart f;
  if (!r.ReadFixed(8, 4, &f)) {
    return false;
  }
  out->id = f.U32(0);
  if (!r.ReadString(65536, &out->name)) {
    return false;
  }
  if (!Read(r, &out->descriptor)) {
    return false;
  }
  return true;
}

void Write(MessageWriter& w, const GraphConstant& v) {
  const size_t at = w.AppendFixed(24);
  w.Put(at, v.offset);
  w.Put(at + 8, v.length);
  w.Put(at + 16, v.id);
  Write(w, v.descriptor);
}

bool Read(MessageReader& r, GraphConstant* out) {
  FixedPart f;
  if (!r.ReadFixed(24, 20, &f)) {
    return false;
  }
  out->offset = f.U64(0);
  out->length = f.U64(8);
  out->id = f.U32(16);
  if (!Read(r, &out->descriptor)) {
    return false;
  }
  return true;
}

void Write(MessageWriter& w, const GraphOutput& v) {
  const size_t at = w.AppendFixed(8);
  w.Put(at, v.id);
  w.WriteString(v.name, 65536);
}

bool Read(MessageReader& r, GraphOutput* out) {
  FixedPart f;
  if (!r.ReadFixed(8, 4, &f)) {
    return false;
  }
  out->id = f.U32(0);
  if (!r.ReadString(65536, &out->name)) {
    return false;
  }
  return true;
}

void Write(MessageWriter& w, const GraphOperation& v) {
  switch (v.value.index()) {
    case 0:
      w.WriteUnionTag(GraphOperation::kTag0);
      Write(w, std::get<0>(v.value));
      break;
    case 1:
      w.WriteUnionTag(GraphOperation::kTag1);
      Write(w, std::get<1>(v.value));
      break;
    case 2:
      w.WriteUnionTag(GraphOperation::kTag2);
      Write(w, std::get<2>(v.value));
      break;
    case 3:
      w.WriteUnionTag(GraphOperation::kTag3);
      Write(w, std::get<3>(v.value));
      break;
    case 4:
      w.WriteUnionTag(GraphOperation::kTag4);
      Write(w, std::get<4>(v.value));
      break;
    case 5:
      w.WriteUnionTag(GraphOperation::kTag5);
      Write(w, std::get<5>(v.value));
      break;
    case 6:
      w.WriteUnionTag(GraphOperation::kTag6);
      Write(w, std::get<6>(v.value));
      break;
    case 7:
      w.WriteUnionTag(GraphOperation::kTag7);
      Write(w, std::get<7>(v.value));
      break;
    case 8:
      w.WriteUnionTag(GraphOperation::kTag8);
      Write(w, std::get<8>(v.value));
      break;
    case 9:
      w.WriteUnionTag(GraphOperation::kTag9);
      Write(w, std::get<9>(v.value));
      break;
    case 10:
      w.WriteUnionTag(GraphOperation::kTag10);
      Write(w, std::get<10>(v.value));
      break;
    case 11:
      w.WriteUnionTag(GraphOperation::kTag11);
      Write(w, std::get<11>(v.value));
      break;
    case 12:
      w.WriteUnionTag(GraphOperation::kTag12);
      Write(w, std::get<12>(v.value));
      break;
    case 13:
      w.WriteUnionTag(GraphOperation::kTag13);
      Write(w, std::get<13>(v.value));
      break;
    case 14:
      w.WriteUnionTag(GraphOperation::kTag14);
      Write(w, std::get<14>(v.value));
      break;
    case 15:
      w.WriteUnionTag(GraphOperation::kTag15);
      Write(w, std::get<15>(v.value));
      break;
    case 16:
      w.WriteUnionTag(GraphOperation::kTag16);
      Write(w, std::get<16>(v.value));
      break;
    case 17:
      w.WriteUnionTag(GraphOperation::kTag17);
      Write(w, std::get<17>(v.value));
      break;
    case 18:
      w.WriteUnionTag(GraphOperation::kTag18);
      Write(w, std::get<18>(v.value));
      break;
    case 19:
      w.WriteUnionTag(GraphOperation::kTag19);
      Write(w, std::get<19>(v.value));
      break;
    case 20:
      w.WriteUnionTag(GraphOperation::kTag20);
      Write(w, std::get<20>(v.value));
      break;
    case 21:
      w.WriteUnionTag(GraphOperation::kTag21);
      Write(w, std::get<21>(v.value));
      break;
    case 22:
      w.WriteUnionTag(GraphOperation::kTag22);
      Write(w, std::get<22>(v.value));
      break;
    case 23:
      w.WriteUnionTag(GraphOperation::kTag23);
      Write(w, std::get<23>(v.value));
      break;
    case 24:
      w.WriteUnionTag(GraphOperation::kTag24);
      Write(w, std::get<24>(v.value));
      break;
  }
}

bool Read(MessageReader& r, GraphOperation* out) {
  uint32_t tag;
  if (!r.ReadUnionTag(&tag)) {
    return false;
  }
  switch (tag) {
    case GraphOperation::kTag0:
      return Read(r, &out->value.emplace<0>());
    case GraphOperation::kTag1:
      return Read(r, &out->value.emplace<1>());
    case GraphOperation::kTag2:
      return Read(r, &out->value.emplace<2>());
    case GraphOperation::kTag3:
      return Read(r, &out->value.emplace<3>());
    case GraphOperation::kTag4:
      return Read(r, &out->value.emplace<4>());
    case GraphOperation::kTag5:
      return Read(r, &out->value.emplace<5>());
    case GraphOperation::kTag6:
      return Read(r, &out->value.emplace<6>());
    case GraphOperation::kTag7:
      return Read(r, &out->value.emplace<7>());
    case GraphOperation::kTag8:
      return Read(r, &out->value.emplace<8>());
    case GraphOperation::kTag9:
      return Read(r, &out->value.emplace<9>());
    case GraphOperation::kTag10:
      return Read(r, &out->value.emplace<10>());
    case GraphOperation::kTag11:
      return Read(r, &out->value.emplace<11>());
    case GraphOperation::kTag12:
      return Read(r, &out->value.emplace<12>());
    case GraphOperation::kTag13:
      return Read(r, &out->value.emplace<13>());
    case GraphOperation::kTag14:
      return Read(r, &out->value.emplace<14>());
    case GraphOperation::kTag15:
      return Read(r, &out->value.emplace<15>());
    case GraphOperation::kTag16:
      return Read(r, &out->value.emplace<16>());
    case GraphOperation::kTag17:
      return Read(r, &out->value.emplace<17>());
    case GraphOperation::kTag18:
      return Read(r, &out->value.emplace<18>());
    case GraphOperation::kTag19:
      return Read(r, &out->value.emplace<19>());
    case GraphOperation::kTag20:
      return Read(r, &out->value.emplace<20>());
    case GraphOperation::kTag21:
      return Read(r, &out->value.emplace<21>());
    case GraphOperation::kTag22:
      return Read(r, &out->value.emplace<22>());
    case GraphOperation::kTag23:
      return Read(r, &out->value.emplace<23>());
    case GraphOperation::kTag24:
      return Read(r, &out->value.emplace<24>());
    default:
      return r.UnknownUnionTag(tag);
  }
}

void Write(MessageWriter& w, const GraphDescription& v) {
  WriteItems(w, v.inputs, 65536);
  WriteItems(w, v.constants, 65536);
  WriteItems(w, v.operations, 65536);
  WriteItems(w, v.outputs, 65536);
  w.WriteBytes(v.constant_data);
}

bool Read(MessageReader& r, GraphDescription* out) {
  if (!ReadItems(r, 32, 65536, &out->inputs)) {
    return false;
  }
  if (!ReadItems(r, 40, 65536, &out->constants)) {
    return false;
  }
  if (!ReadItems(r, 24, 65536, &out->operations)) {
    return false;
  }
  if (!ReadItems(r, 16, 65536, &out->outputs)) {
    return false;
  }
  if (!r.ReadBytes(&out->constant_data)) {
    return false;
  }
  return true;
}

void Write(MessageWriter& w, const RecordStringHandleNPUBufferEntry& v) {
  const size_t at = w.AppendFixed(8);
  w.Put(at, v.value);
  w.WriteString(v.key, 65536);
}

bool Read(MessageReader& r, RecordStringHandleNPUBufferEntry* out) {
  FixedPart f;
  if (!r.ReadFixed(8, 8, &f)) {
    return false;
  }
  if (!r.GetHandle(f, 0, false, &out->value)) {
    return false;
  }
  if (!r.ReadString(65536, &out->key)) {
    return false;
  }
  return true;
}

void Write(MessageWriter& w, const ConnectionHello& v) {
  const size_t at = w.AppendFixed(16);
  w.Put(at, v.schema_hash);
  w.Put(at + 8, v.reserved);
}

bool Read(MessageReader& r, ConnectionHello* out) {
  FixedPart f;
  if (!r.ReadFixed(16, 16, &f)) {
    return false;
  }
  out->schema_hash = f.U64(0);
  if (!r.GetReserved(f, 8, &out->reserved)) {
    return false;
  }
  return true;
}

void Write(MessageWriter& w, const NPURelease& v) {
  const size_t at = w.AppendFixed(8);
  w.Put(at, v.self);
}

bool Read(MessageReader& r, NPURelease* out) {
  FixedPart f;
  if (!r.ReadFixed(8, 8, &f)) {
    return false;
  }
  if (!r.GetHandle(f, 0, false, &out->self)) {
    return false;
  }
  return true;
}

void Write(MessageWriter& w, const NPURequestAdapter& v) {
  const size_t at = w.AppendFixed(16);
  w.Put(at, v.self);
  w.Put(at + 8, v.result);
  Write(w, v.options);
}

bool Read(MessageReader& r, NPURequestAdapter* out) {
  FixedPart f;
  if (!r.ReadFixed(16, 16, &f)) {
    return false;
  }
  if (!r.GetHandle(f, 0, false, &out->self)) {
    return false;
  }
  if (!r.GetHandle(f, 8, false, &out->result)) {
    return false;
  }
  if (!Read(r, &out->options)) {
    return false;
  }
  return true;
}

void Write(MessageWriter& w, const NPUAdapterRelease& v) {
  const size_t at = w.AppendFixed(8);
  w.Put(at, v.self);
}

bool Read(MessageReader& r, NPUAdapterRelease* out) {
  FixedPart f;
  if (!r.ReadFixed(8, 8, &f)) {
    return false;
  }
  if (!r.GetHandle(f, 0, false, &out->self)) {
    return false;
  }
  return true;
}

void Write(MessageWriter& w, const NPUAdapterRequestDevice& v) {
  const size_t at = w.AppendFixed(24);
  w.Put(at, v.self);
  w.Put(at + 8, v.result);
  w.Put(at + 16, v.result_1);
  Write(w, v.descriptor);
}

bool Read(MessageReader& r, NPUAdapterRequestDevice* out) {
  FixedPart f;
  if (!r.ReadFixed(24, 24, &f)) {
    return false;
  }
  if (!r.GetHandle(f, 0, false, &out->self)) {
    return false;
  }
  if (!r.GetHandle(f, 8, false, &out->result)) {
    return false;
  }
  if (!r.GetHandle(f, 16, false, &out->result_1)) {
    return false;
  }
  if (!Read(r, &out->descriptor)) {
    return false;
  }
  return true;
}

void Write(MessageWriter& w, const NPUDeviceRelease& v) {
  const size_t at = w.AppendFixed(8);
  w.Put(at, v.self);
}

bool Read(MessageReader& r, NPUDeviceRelease* out) {
  FixedPart f;
  if (!r.ReadFixed(8, 8, &f)) {
    return false;
  }
  if (!r.GetHandle(f, 0, false, &out->self)) {
    return false;
  }
  return true;
}

void Write(MessageWriter& w, const NPUDeviceLabel& v) {
  const size_t at = w.AppendFixed(8);
  w.Put(at, v.self);
  w.WriteString(v.value, 65536);
}

bool Read(MessageReader& r, NPUDeviceLabel* out) {
  FixedPart f;
  if (!r.ReadFixed(8, 8, &f)) {
    return false;
  }
  if (!r.GetHandle(f, 0, false, &out->self)) {
    return false;
  }
  if (!r.ReadString(65536, &out->value)) {
    return false;
  }
  return true;
}

void Write(MessageWriter& w, const NPUDeviceDestroy& v) {
  const size_t at = w.AppendFixed(8);
  w.Put(at, v.self);
}

bool Read(MessageReader& r, NPUDeviceDestroy* out) {
  FixedPart f;
  if (!r.ReadFixed(8, 8, &f)) {
    return false;
  }
  if (!r.GetHandle(f, 0, false, &out->self)) {
    return false;
  }
  return true;
}

void Write(MessageWriter& w, const NPUDeviceCreateBuffer& v) {
  const size_t at = w.AppendFixed(16);
  w.Put(at, v.self);
  w.Put(at + 8, v.result);
  Write(w, v.descriptor);
}

bool Read(MessageReader& r, NPUDeviceCreateBuffer* out) {
  FixedPart f;
  if (!r.ReadFixed(16, 16, &f)) {
    return false;
  }
  if (!r.GetHandle(f, 0, false, &out->self)) {
    return false;
  }
  if (!r.GetHandle(f, 8, false, &out->result)) {
    return false;
  }
  if (!Read(r, &out->descriptor)) {
    return false;
  }
  return true;
}

void Write(MessageWriter& w, const NPUDeviceCreateGraphBuilder& v) {
  const size_t at = w.AppendFixed(16);
  w.Put(at, v.self);
  w.Put(at + 8, v.result);
}

bool Read(MessageReader& r, NPUDeviceCreateGraphBuilder* out) {
  FixedPart f;
  if (!r.ReadFixed(16, 16, &f)) {
    return false;
  }
  if (!r.GetHandle(f, 0, false, &out->self)) {
    return false;
  }
  if (!r.GetHandle(f, 8, false, &out->result)) {
    return false;
  }
  return true;
}

void Write(MessageWriter& w, const NPUDeviceLoadModel& v) {
  const size_t at = w.AppendFixed(16);
  w.Put(at, v.self);
  w.Put(at + 8, v.result);
  w.WriteBytes(v.onnx_bytes);
}

bool Read(MessageReader& r, NPUDeviceLoadModel* out) {
  FixedPart f;
  if (!r.ReadFixed(16, 16, &f)) {
    return false;
  }
  if (!r.GetHandle(f, 0, false, &out->self)) {
    return false;
  }
  if (!r.GetHandle(f, 8, false, &out->result)) {
    return false;
  }
  if (!r.ReadBytes(&out->onnx_bytes)) {
    return false;
  }
  return true;
}

void Write(MessageWriter& w, const NPUDeviceCreateCommandEncoder& v) {
  const size_t at = w.AppendFixed(16);
  w.Put(at, v.self);
  w.Put(at + 8, v.result);
  Write(w, v.descriptor);
}

bool Read(MessageReader& r, NPUDeviceCreateCommandEncoder* out) {
  FixedPart f;
  if (!r.ReadFixed(16, 16, &f)) {
    return false;
  }
  if (!r.GetHandle(f, 0, false, &out->self)) {
    return false;
  }
  if (!r.GetHandle(f, 8, false, &out->result)) {
    return false;
  }
  if (!Read(r, &out->descriptor)) {
    return false;
  }
  return true;
}

void Write(MessageWriter& w, const NPUDevicePushErrorScope& v) {
  const size_t at = w.AppendFixed(16);
  w.Put(at, v.self);
  w.Put(at + 8, v.filter);
}

bool Read(MessageReader& r, NPUDevicePushErrorScope* out) {
  FixedPart f;
  if (!r.ReadFixed(16, 12, &f)) {
    return false;
  }
  if (!r.GetHandle(f, 0, false, &out->self)) {
    return false;
  }
  if (!r.GetEnum(f, 8, &out->filter)) {
    return false;
  }
  return true;
}

void Write(MessageWriter& w, const NPUDevicePopErrorScope& v) {
  const size_t at = w.AppendFixed(8);
  w.Put(at, v.self);
}

bool Read(MessageReader& r, NPUDevicePopErrorScope* out) {
  FixedPart f;
  if (!r.ReadFixed(8, 8, &f)) {
    return false;
  }
  if (!r.GetHandle(f, 0, false, &out->self)) {
    return false;
  }
  return true;
}

void Write(MessageWriter& w, const NPUQueueRelease& v) {
  const size_t at = w.AppendFixed(8);
  w.Put(at, v.self);
}

bool Read(MessageReader& r, NPUQueueRelease* out) {
  FixedPart f;
  if (!r.ReadFixed(8, 8, &f)) {
    return false;
  }
  if (!r.GetHandle(f, 0, false, &out->self)) {
    return false;
  }
  return true;
}

void Write(MessageWriter& w, const NPUQueueLabel& v) {
  const size_t at = w.AppendFixed(8);
  w.Put(at, v.self);
  w.WriteString(v.value, 65536);
}

bool Read(MessageReader& r, NPUQueueLabel* out) {
  FixedPart f;
  if (!r.ReadFixed(8, 8, &f)) {
    return false;
  }
  if (!r.GetHandle(f, 0, false, &out->self)) {
    return false;
  }
  if (!r.ReadString(65536, &out->value)) {
    return false;
  }
  return true;
}

void Write(MessageWriter& w, const NPUQueueSubmit& v) {
  const size_t at = w.AppendFixed(8);
  w.Put(at, v.self);
  w.WriteHandleArray(v.command_buffers, 65536);
}

bool Read(MessageReader& r, NPUQueueSubmit* out) {
  FixedPart f;
  if (!r.ReadFixed(8, 8, &f)) {
    return false;
  }
  if (!r.GetHandle(f, 0, false, &out->self)) {
    return false;
  }
  if (!r.ReadHandleArray(65536, &out->command_buffers)) {
    return false;
  }
  return true;
}

void Write(MessageWriter& w, const NPUQueueOnSubmittedWorkDone& v) {
  const size_t at = w.AppendFixed(8);
  w.Put(at, v.self);
}

bool Read(MessageReader& r, NPUQueueOnSubmittedWorkDone* out) {
  FixedPart f;
  if (!r.ReadFixed(8, 8, &f)) {
    return false;
  }
  if (!r.GetHandle(f, 0, false, &out->self)) {
    return false;
  }
  return true;
}

void Write(MessageWriter& w, const NPUQueueWriteBuffer& v) {
  uint32_t presence = 0;
  if (v.size) {
    presence |= 0x1u;
  }
  const size_t at = w.AppendFixed(48);
  w.Put(at + 24, presence);
  w.Put(at, v.buffer_offset);
  w.Put(at + 8, v.data_offset);
  if (v.size) {
    w.Put(at + 16, *v.size);
  }
  w.Put(at + 28, v.self);
  w.Put(at + 36, v.buffer);
  w.WriteBytes(v.data);
}

bool Read(MessageReader& r, NPUQueueWriteBuffer* out) {
  FixedPart f;
  if (!r.ReadFixed(48, 44, &f)) {
    return false;
  }
  const uint32_t presence = f.U32(24);
  if (!r.CheckPresence(presence, 1)) {
    return false;
  }
  if (!r.GetInRange(f, 0, &out->buffer_offset)) {
    return false;
  }
  if (!r.GetInRange(f, 8, &out->data_offset)) {
    return false;
  }
  if ((presence & 0x1u) == 0) {
    out->size.reset();
    if (!r.CheckAbsentZero(f, 16, 8)) {
      return false;
    }
  } else if (!r.GetInRange(f, 16, &out->size.emplace())) {
    return false;
  }
  if (!r.GetHandle(f, 28, false, &out->self)) {
    return false;
  }
  if (!r.GetHandle(f, 36, false, &out->buffer)) {
    return false;
  }
  if (!r.ReadBytes(&out->data)) {
    return false;
  }
  return true;
}

void Write(MessageWriter& w, const NPUQueueReadBuffer& v) {
  uint32_t presence = 0;
  if (v.size) {
    presence |= 0x1u;
  }
  const size_t at = w.AppendFixed(40);
  w.Put(at + 16, presence);
  w.Put(at, v.offset);
  if (v.size) {
    w.Put(at + 8, *v.size);
  }
  w.Put(at + 20, v.self);
  w.Put(at + 28, v.buffer);
}

bool Read(MessageReader& r, NPUQueueReadBuffer* out) {
  FixedPart f;
  if (!r.ReadFixed(40, 36, &f)) {
    return false;
  }
  const uint32_t presence = f.U32(16);
  if (!r.CheckPresence(presence, 1)) {
    return false;
  }
  if (!r.GetInRange(f, 0, &out->offset)) {
    return false;
  }
  if ((presence & 0x1u) == 0) {
    out->size.reset();
    if (!r.CheckAbsentZero(f, 8, 8)) {
      return false;
    }
  } else if (!r.GetInRange(f, 8, &out->size.emplace())) {
    return false;
  }
  if (!r.GetHandle(f, 20, false, &out->self)) {
    return false;
  }
  if (!r.GetHandle(f, 28, false, &out->buffer)) {
    return false;
  }
  return true;
}

void Write(MessageWriter& w, const NPUBufferRelease& v) {
  const size_t at = w.AppendFixed(8);
  w.Put(at, v.self);
}

bool Read(MessageReader& r, NPUBufferRelease* out) {
  FixedPart f;
  if (!r.ReadFixed(8, 8, &f)) {
    return false;
  }
  if (!r.GetHandle(f, 0, false, &out->self)) {
    return false;
  }
  return true;
}

void Write(MessageWriter& w, const NPUBufferLabel& v) {
  const size_t at = w.AppendFixed(8);
  w.Put(at, v.self);
  w.WriteString(v.value, 65536);
}

bool Read(MessageReader& r, NPUBufferLabel* out) {
  FixedPart f;
  if (!r.ReadFixed(8, 8, &f)) {
    return false;
  }
  if (!r.GetHandle(f, 0, false, &out->self)) {
    return false;
  }
  if (!r.ReadString(65536, &out->value)) {
    return false;
  }
  return true;
}

void Write(MessageWriter& w, const NPUBufferMapAsync& v) {
  uint32_t presence = 0;
  if (v.size) {
    presence |= 0x1u;
  }
  const size_t at = w.AppendFixed(32);
  w.Put(at + 16, presence);
  w.Put(at, v.offset);
  if (v.size) {
    w.Put(at + 8, *v.size);
  }
  w.Put(at + 20, v.self);
  w.Put(at + 28, v.mode);
}

bool Read(MessageReader& r, NPUBufferMapAsync* out) {
  FixedPart f;
  if (!r.ReadFixed(32, 32, &f)) {
    return false;
  }
  const uint32_t presence = f.U32(16);
  if (!r.CheckPresence(presence, 1)) {
    return false;
  }
  if (!r.GetInRange(f, 0, &out->offset)) {
    return false;
  }
  if ((presence & 0x1u) == 0) {
    out->size.reset();
    if (!r.CheckAbsentZero(f, 8, 8)) {
      return false;
    }
  } else if (!r.GetInRange(f, 8, &out->size.emplace())) {
    return false;
  }
  if (!r.GetHandle(f, 20, false, &out->self)) {
    return false;
  }
  out->mode = f.U32(28);
  return true;
}

void Write(MessageWriter& w, const NPUBufferUnmap& v) {
  const size_t at = w.AppendFixed(8);
  w.Put(at, v.self);
}

bool Read(MessageReader& r, NPUBufferUnmap* out) {
  FixedPart f;
  if (!r.ReadFixed(8, 8, &f)) {
    return false;
  }
  if (!r.GetHandle(f, 0, false, &out->self)) {
    return false;
  }
  return true;
}

void Write(MessageWriter& w, const NPUBufferDestroy& v) {
  const size_t at = w.AppendFixed(8);
  w.Put(at, v.self);
}

bool Read(MessageReader& r, NPUBufferDestroy* out) {
  FixedPart f;
  if (!r.ReadFixed(8, 8, &f)) {
    return false;
  }
  if (!r.GetHandle(f, 0, false, &out->self)) {
    return false;
  }
  return true;
}

void Write(MessageWriter& w, const NPUGraphBuilderRelease& v) {
  const size_t at = w.AppendFixed(8);
  w.Put(at, v.self);
}

bool Read(MessageReader& r, NPUGraphBuilderRelease* out) {
  FixedPart f;
  if (!r.ReadFixed(8, 8, &f)) {
    return false;
  }
  if (!r.GetHandle(f, 0, false, &out->self)) {
    return false;
  }
  return true;
}

void Write(MessageWriter& w, const NPUGraphBuilderLabel& v) {
  const size_t at = w.AppendFixed(8);
  w.Put(at, v.self);
  w.WriteString(v.value, 65536);
}

bool Read(MessageReader& r, NPUGraphBuilderLabel* out) {
  FixedPart f;
  if (!r.ReadFixed(8, 8, &f)) {
    return false;
  }
  if (!r.GetHandle(f, 0, false, &out->self)) {
    return false;
  }
  if (!r.ReadString(65536, &out->value)) {
    return false;
  }
  return true;
}

void Write(MessageWriter& w, const NPUGraphBuilderBuild& v) {
  const size_t at = w.AppendFixed(16);
  w.Put(at, v.self);
  w.Put(at + 8, v.result);
  Write(w, v.graph);
}

bool Read(MessageReader& r, NPUGraphBuilderBuild* out) {
  FixedPart f;
  if (!r.ReadFixed(16, 16, &f)) {
    return false;
  }
  if (!r.GetHandle(f, 0, false, &out->self)) {
    return false;
  }
  if (!r.GetHandle(f, 8, false, &out->result)) {
    return false;
  }
  if (!Read(r, &out->graph)) {
    return false;
  }
  return true;
}

void Write(MessageWriter& w, const NPUGraphRelease& v) {
  const size_t at = w.AppendFixed(8);
  w.Put(at, v.self);
}

bool Read(MessageReader& r, NPUGraphRelease* out) {
  FixedPart f;
  if (!r.ReadFixed(8, 8, &f)) {
    return false;
  }
  if (!r.GetHandle(f, 0, false, &out->self)) {
    return false;
  }
  return true;
}

void Write(MessageWriter& w, const NPUGraphLabel& v) {
  const size_t at = w.AppendFixed(8);
  w.Put(at, v.self);
  w.WriteString(v.value, 65536);
}

bool Read(MessageReader& r, NPUGraphLabel* out) {
  FixedPart f;
  if (!r.ReadFixed(8, 8, &f)) {
    return false;
  }
  if (!r.GetHandle(f, 0, false, &out->self)) {
    return false;
  }
  if (!r.ReadString(65536, &out->value)) {
    return false;
  }
  return true;
}

void Write(MessageWriter& w, const NPUGraphDestroy& v) {
  const size_t at = w.AppendFixed(8);
  w.Put(at, v.self);
}

bool Read(MessageReader& r, NPUGraphDestroy* out) {
  FixedPart f;
  if (!r.ReadFixed(8, 8, &f)) {
    return false;
  }
  if (!r.GetHandle(f, 0, false, &out->self)) {
    return false;
  }
  return true;
}

void Write(MessageWriter& w, const NPUCommandEncoderRelease& v) {
  const size_t at = w.AppendFixed(8);
  w.Put(at, v.self);
}

bool Read(MessageReader& r, NPUCommandEncoderRelease* out) {
  FixedPart f;
  if (!r.ReadFixed(8, 8, &f)) {
    return false;
  }
  if (!r.GetHandle(f, 0, false, &out->self)) {
    return false;
  }
  return true;
}

void Write(MessageWriter& w, const NPUCommandEncoderLabel& v) {
  const size_t at = w.AppendFixed(8);
  w.Put(at, v.self);
  w.WriteString(v.value, 65536);
}

bool Read(MessageReader& r, NPUCommandEncoderLabel* out) {
  FixedPart f;
  if (!r.ReadFixed(8, 8, &f)) {
    return false;
  }
  if (!r.GetHandle(f, 0, false, &out->self)) {
    return false;
  }
  if (!r.ReadString(65536, &out->value)) {
    return false;
  }
  return true;
}

void Write(MessageWriter& w, const NPUCommandEncoderFinish& v) {
  const size_t at = w.AppendFixed(24);
  w.Put(at, v.self);
  w.Put(at + 8, v.result);
  w.Put(at + 16, v.command_count);
  Write(w, v.descriptor);
  w.WriteBytes(v.commands);
}

bool Read(MessageReader& r, NPUCommandEncoderFinish* out) {
  FixedPart f;
  if (!r.ReadFixed(24, 20, &f)) {
    return false;
  }
  if (!r.GetHandle(f, 0, false, &out->self)) {
    return false;
  }
  if (!r.GetHandle(f, 8, false, &out->result)) {
    return false;
  }
  out->command_count = f.U32(16);
  if (!Read(r, &out->descriptor)) {
    return false;
  }
  if (!r.ReadBytes(&out->commands)) {
    return false;
  }
  return true;
}

void Write(MessageWriter& w, const NPUCommandBufferRelease& v) {
  const size_t at = w.AppendFixed(8);
  w.Put(at, v.self);
}

bool Read(MessageReader& r, NPUCommandBufferRelease* out) {
  FixedPart f;
  if (!r.ReadFixed(8, 8, &f)) {
    return false;
  }
  if (!r.GetHandle(f, 0, false, &out->self)) {
    return false;
  }
  return true;
}

void Write(MessageWriter& w, const NPUCommandBufferLabel& v) {
  const size_t at = w.AppendFixed(8);
  w.Put(at, v.self);
  w.WriteString(v.value, 65536);
}

bool Read(MessageReader& r, NPUCommandBufferLabel* out) {
  FixedPart f;
  if (!r.ReadFixed(8, 8, &f)) {
    return false;
  }
  if (!r.GetHandle(f, 0, false, &out->self)) {
    return false;
  }
  if (!r.ReadString(65536, &out->value)) {
    return false;
  }
  return true;
}

void Write(MessageWriter& w, const NPUCommandEncoderDispatch& v) {
  const size_t at = w.AppendFixed(8);
  w.Put(at, v.graph);
  WriteRecord(w, v.inputs, 65536);
  WriteRecord(w, v.outputs, 65536);
}

bool Read(MessageReader& r, NPUCommandEncoderDispatch* out) {
  FixedPart f;
  if (!r.ReadFixed(8, 8, &f)) {
    return false;
  }
  if (!r.GetHandle(f, 0, false, &out->graph)) {
    return false;
  }
  if (!ReadRecord(r, 16, 65536, &out->inputs)) {
    return false;
  }
  if (!ReadRecord(r, 16, 65536, &out->outputs)) {
    return false;
  }
  return true;
}

void Write(MessageWriter& w, const NPUCommandEncoderCopyBufferToBuffer& v) {
  const size_t at = w.AppendFixed(40);
  w.Put(at, v.source_offset);
  w.Put(at + 8, v.destination_offset);
  w.Put(at + 16, v.size);
  w.Put(at + 24, v.source);
  w.Put(at + 32, v.destination);
}

bool Read(MessageReader& r, NPUCommandEncoderCopyBufferToBuffer* out) {
  FixedPart f;
  if (!r.ReadFixed(40, 40, &f)) {
    return false;
  }
  if (!r.GetInRange(f, 0, &out->source_offset)) {
    return false;
  }
  if (!r.GetInRange(f, 8, &out->destination_offset)) {
    return false;
  }
  if (!r.GetInRange(f, 16, &out->size)) {
    return false;
  }
  if (!r.GetHandle(f, 24, false, &out->source)) {
    return false;
  }
  if (!r.GetHandle(f, 32, false, &out->destination)) {
    return false;
  }
  return true;
}

void Write(MessageWriter& w, const NPURequestAdapterResolved& v) {
  uint32_t presence = 0;
  if (v.features) {
    presence |= 0x1u;
  }
  if (v.limits) {
    presence |= 0x2u;
  }
  if (v.info) {
    presence |= 0x4u;
  }
  const size_t at = w.AppendFixed(8);
  w.Put(at, presence);
  if (v.features) {
    Write(w, *v.features);
  }
  if (v.limits) {
    Write(w, *v.limits);
  }
  if (v.info) {
    Write(w, *v.info);
  }
}

bool Read(MessageReader& r, NPURequestAdapterResolved* out) {
  FixedPart f;
  if (!r.ReadFixed(8, 4, &f)) {
    return false;
  }
  const uint32_t presence = f.U32(0);
  if (!r.CheckPresence(presence, 3)) {
    return false;
  }
  if ((presence & 0x1u) == 0) {
    out->features.reset();
  } else if (!Read(r, &out->features.emplace())) {
    return false;
  }
  if ((presence & 0x2u) == 0) {
    out->limits.reset();
  } else if (!Read(r, &out->limits.emplace())) {
    return false;
  }
  if ((presence & 0x4u) == 0) {
    out->info.reset();
  } else if (!Read(r, &out->info.emplace())) {
    return false;
  }
  return true;
}

void Write(MessageWriter& w, const NPUAdapterRequestDeviceResolved& v) {
  Write(w, v.features);
  Write(w, v.limits);
}

bool Read(MessageReader& r, NPUAdapterRequestDeviceResolved* out) {
  if (!Read(r, &out->features)) {
    return false;
  }
  if (!Read(r, &out->limits)) {
    return false;
  }
  return true;
}

void Write(MessageWriter& w, const NPUDeviceLoadModelResolved& v) {
  WriteItems(w, v.inputs, 65536);
  WriteItems(w, v.outputs, 65536);
}

bool Read(MessageReader& r, NPUDeviceLoadModelResolved* out) {
  if (!ReadItems(r, 24, 65536, &out->inputs)) {
    return false;
  }
  if (!ReadItems(r, 24, 65536, &out->outputs)) {
    return false;
  }
  return true;
}

void Write(MessageWriter& w, const NPUDevicePopErrorScopeResolved& v) {
  uint32_t presence = 0;
  if (v.error) {
    presence |= 0x1u;
  }
  const size_t at = w.AppendFixed(8);
  w.Put(at, presence);
  if (v.error) {
    Write(w, *v.error);
  }
}

bool Read(MessageReader& r, NPUDevicePopErrorScopeResolved* out) {
  FixedPart f;
  if (!r.ReadFixed(8, 4, &f)) {
    return false;
  }
  const uint32_t presence = f.U32(0);
  if (!r.CheckPresence(presence, 1)) {
    return false;
  }
  if ((presence & 0x1u) == 0) {
    out->error.reset();
  } else if (!Read(r, &out->error.emplace())) {
    return false;
  }
  return true;
}

void Write(MessageWriter&, const NPUQueueOnSubmittedWorkDoneResolved&) {}

bool Read(MessageReader&, NPUQueueOnSubmittedWorkDoneResolved*) {
  return true;
}

void Write(MessageWriter& w, const NPUQueueReadBufferResolved& v) {
  w.WriteBytes(v.data);
}

bool Read(MessageReader& r, NPUQueueReadBufferResolved* out) {
  if (!r.ReadBytes(&out->data)) {
    return false;
  }
  return true;
}

void Write(MessageWriter& w, const NPUBufferMapAsyncResolved& v) {
  const size_t at = w.AppendFixed(16);
  w.Put(at, v.mapping);
}

bool Read(MessageReader& r, NPUBufferMapAsyncResolved* out) {
  FixedPart f;
  if (!r.ReadFixed(16, 16, &f)) {
    return false;
  }
  if (!r.GetSharedMemoryRef(f, 0, &out->mapping)) {
    return false;
  }
  return true;
}

void Write(MessageWriter& w, const NPUGraphBuilderBuildResolved& v) {
  WriteItems(w, v.inputs, 65536);
  WriteItems(w, v.outputs, 65536);
}

bool Read(MessageReader& r, NPUGraphBuilderBuildResolved* out) {
  if (!ReadItems(r, 24, 65536, &out->inputs)) {
    return false;
  }
  if (!ReadItems(r, 24, 65536, &out->outputs)) {
    return false;
  }
  return true;
}

void Write(MessageWriter& w, const NPUDeviceLostEvent& v) {
  const size_t at = w.AppendFixed(8);
  w.Put(at, v.self);
  Write(w, v.info);
}

bool Read(MessageReader& r, NPUDeviceLostEvent* out) {
  FixedPart f;
  if (!r.ReadFixed(8, 8, &f)) {
    return false;
  }
  if (!r.GetHandle(f, 0, false, &out->self)) {
    return false;
  }
  if (!Read(r, &out->info)) {
    return false;
  }
  return true;
}

void Write(MessageWriter& w, const NPUDeviceUncapturederrorEvent& v) {
  const size_t at = w.AppendFixed(8);
  w.Put(at, v.self);
  Write(w, v.error);
}

bool Read(MessageReader& r, NPUDeviceUncapturederrorEvent* out) {
  FixedPart f;
  if (!r.ReadFixed(8, 8, &f)) {
    return false;
  }
  if (!r.GetHandle(f, 0, false, &out->self)) {
    return false;
  }
  if (!Read(r, &out->error)) {
    return false;
  }
  return true;
}

void Write(MessageWriter& w, const NPURequestAdapterReply& v) {
  w.WriteUnionTag(static_cast<uint32_t>(v.result.index()));
  if (v.result.index() == kSettledResolved) {
    Write(w, std::get<kSettledResolved>(v.result));
  } else {
    Write(w, std::get<kSettledRejected>(v.result));
  }
}

bool Read(MessageReader& r, NPURequestAdapterReply* out) {
  uint32_t tag;
  if (!r.ReadUnionTag(&tag)) {
    return false;
  }
  if (tag == kSettledResolved) {
    return Read(r, &out->result.emplace<kSettledResolved>());
  }
  if (tag == kSettledRejected) {
    return Read(r, &out->result.emplace<kSettledRejected>());
  }
  return r.UnknownUnionTag(tag);
}

void Write(MessageWriter& w, const NPUAdapterRequestDeviceReply& v) {
  w.WriteUnionTag(static_cast<uint32_t>(v.result.index()));
  if (v.result.index() == kSettledResolved) {
    Write(w, std::get<kSettledResolved>(v.result));
  } else {
    Write(w, std::get<kSettledRejected>(v.result));
  }
}

bool Read(MessageReader& r, NPUAdapterRequestDeviceReply* out) {
  uint32_t tag;
  if (!r.ReadUnionTag(&tag)) {
    return false;
  }
  if (tag == kSettledResolved) {
    return Read(r, &out->result.emplace<kSettledResolved>());
  }
  if (tag == kSettledRejected) {
    return Read(r, &out->result.emplace<kSettledRejected>());
  }
  return r.UnknownUnionTag(tag);
}

void Write(MessageWriter& w, const NPUDeviceLoadModelReply& v) {
  w.WriteUnionTag(static_cast<uint32_t>(v.result.index()));
  if (v.result.index() == kSettledResolved) {
    Write(w, std::get<kSettledResolved>(v.result));
  } else {
    Write(w, std::get<kSettledRejected>(v.result));
  }
}

bool Read(MessageReader& r, NPUDeviceLoadModelReply* out) {
  uint32_t tag;
  if (!r.ReadUnionTag(&tag)) {
    return false;
  }
  if (tag == kSettledResolved) {
    return Read(r, &out->result.emplace<kSettledResolved>());
  }
  if (tag == kSettledRejected) {
    return Read(r, &out->result.emplace<kSettledRejected>());
  }
  return r.UnknownUnionTag(tag);
}

void Write(MessageWriter& w, const NPUDevicePopErrorScopeReply& v) {
  w.WriteUnionTag(static_cast<uint32_t>(v.result.index()));
  if (v.result.index() == kSettledResolved) {
    Write(w, std::get<kSettledResolved>(v.result));
  } else {
    Write(w, std::get<kSettledRejected>(v.result));
  }
}

bool Read(MessageReader& r, NPUDevicePopErrorScopeReply* out) {
  uint32_t tag;
  if (!r.ReadUnionTag(&tag)) {
    return false;
  }
  if (tag == kSettledResolved) {
    return Read(r, &out->result.emplace<kSettledResolved>());
  }
  if (tag == kSettledRejected) {
    return Read(r, &out->result.emplace<kSettledRejected>());
  }
  return r.UnknownUnionTag(tag);
}

void Write(MessageWriter& w, const NPUQueueOnSubmittedWorkDoneReply& v) {
  w.WriteUnionTag(static_cast<uint32_t>(v.result.index()));
  if (v.result.index() == kSettledResolved) {
    Write(w, std::get<kSettledResolved>(v.result));
  } else {
    Write(w, std::get<kSettledRejected>(v.result));
  }
}

bool Read(MessageReader& r, NPUQueueOnSubmittedWorkDoneReply* out) {
  uint32_t tag;
  if (!r.ReadUnionTag(&tag)) {
    return false;
  }
  if (tag == kSettledResolved) {
    return Read(r, &out->result.emplace<kSettledResolved>());
  }
  if (tag == kSettledRejected) {
    return Read(r, &out->result.emplace<kSettledRejected>());
  }
  return r.UnknownUnionTag(tag);
}

void Write(MessageWriter& w, const NPUQueueReadBufferReply& v) {
  w.WriteUnionTag(static_cast<uint32_t>(v.result.index()));
  if (v.result.index() == kSettledResolved) {
    Write(w, std::get<kSettledResolved>(v.result));
  } else {
    Write(w, std::get<kSettledRejected>(v.result));
  }
}

bool Read(MessageReader& r, NPUQueueReadBufferReply* out) {
  uint32_t tag;
  if (!r.ReadUnionTag(&tag)) {
    return false;
  }
  if (tag == kSettledResolved) {
    return Read(r, &out->result.emplace<kSettledResolved>());
  }
  if (tag == kSettledRejected) {
    return Read(r, &out->result.emplace<kSettledRejected>());
  }
  return r.UnknownUnionTag(tag);
}

void Write(MessageWriter& w, const NPUBufferMapAsyncReply& v) {
  w.WriteUnionTag(static_cast<uint32_t>(v.result.index()));
  if (v.result.index() == kSettledResolved) {
    Write(w, std::get<kSettledResolved>(v.result));
  } else {
    Write(w, std::get<kSettledRejected>(v.result));
  }
}

bool Read(MessageReader& r, NPUBufferMapAsyncReply* out) {
  uint32_t tag;
  if (!r.ReadUnionTag(&tag)) {
    return false;
  }
  if (tag == kSettledResolved) {
    return Read(r, &out->result.emplace<kSettledResolved>());
  }
  if (tag == kSettledRejected) {
    return Read(r, &out->result.emplace<kSettledRejected>());
  }
  return r.UnknownUnionTag(tag);
}

void Write(MessageWriter& w, const NPUGraphBuilderBuildReply& v) {
  w.WriteUnionTag(static_cast<uint32_t>(v.result.index()));
  if (v.result.index() == kSettledResolved) {
    Write(w, std::get<kSettledResolved>(v.result));
  } else {
    Write(w, std::get<kSettledRejected>(v.result));
  }
}

bool Read(MessageReader& r, NPUGraphBuilderBuildReply* out) {
  uint32_t tag;
  if (!r.ReadUnionTag(&tag)) {
    return false;
  }
  if (tag == kSettledResolved) {
    return Read(r, &out->result.emplace<kSettledResolved>());
  }
  if (tag == kSettledRejected) {
    return Read(r, &out->result.emplace<kSettledRejected>());
  }
  return r.UnknownUnionTag(tag);
}

bool ReadMessage(MessageReader& r, std::optional<DecodedMessage>* out) {
  out->reset();
  std::optional<MessageHeader> header;
  if (!r.NextMessage(&header) || !header) {
    return !r.failed();
  }
  // The flags must match the method's kind before its payload is read.
  auto decode = [&](auto message) {
    if (!r.CheckFlags(*header, decltype(message)::kFlags) ||
        !Read(r, &message) || !r.EndMessage()) {
      return false;
    }
    *out = DecodedMessage{*header, std::move(message)};
    return true;
  };
  switch (header->ordinal) {
    case NPURequestAdapter::kOrdinal:
      return decode(NPURequestAdapter());
    case NPUAdapterRelease::kOrdinal:
      return decode(NPUAdapterRelease());
    case NPUAdapterRequestDevice::kOrdinal:
      return decode(NPUAdapterRequestDevice());
    case NPUDeviceRelease::kOrdinal:
      return decode(NPUDeviceRelease());
    case NPUDeviceLabel::kOrdinal:
      return decode(NPUDeviceLabel());
    case NPUDeviceDestroy::kOrdinal:
      return decode(NPUDeviceDestroy());
    case NPUDeviceCreateBuffer::kOrdinal:
      return decode(NPUDeviceCreateBuffer());
    case NPUDeviceCreateGraphBuilder::kOrdinal:
      return decode(NPUDeviceCreateGraphBuilder());
    case NPUDeviceLoadModel::kOrdinal:
      return decode(NPUDeviceLoadModel());
    case NPUDeviceCreateCommandEncoder::kOrdinal:
      return decode(NPUDeviceCreateCommandEncoder());
    case NPUDevicePushErrorScope::kOrdinal:
      return decode(NPUDevicePushErrorScope());
    case NPUDevicePopErrorScope::kOrdinal:
      return decode(NPUDevicePopErrorScope());
    case NPUQueueRelease::kOrdinal:
      return decode(NPUQueueRelease());
    case NPUQueueLabel::kOrdinal:
      return decode(NPUQueueLabel());
    case NPUQueueSubmit::kOrdinal:
      return decode(NPUQueueSubmit());
    case NPUQueueOnSubmittedWorkDone::kOrdinal:
      return decode(NPUQueueOnSubmittedWorkDone());
    case NPUQueueWriteBuffer::kOrdinal:
      return decode(NPUQueueWriteBuffer());
    case NPUQueueReadBuffer::kOrdinal:
      return decode(NPUQueueReadBuffer());
    case NPUBufferRelease::kOrdinal:
      return decode(NPUBufferRelease());
    case NPUBufferLabel::kOrdinal:
      return decode(NPUBufferLabel());
    case NPUBufferMapAsync::kOrdinal:
      return decode(NPUBufferMapAsync());
    case NPUBufferUnmap::kOrdinal:
      return decode(NPUBufferUnmap());
    case NPUBufferDestroy::kOrdinal:
      return decode(NPUBufferDestroy());
    case NPUGraphBuilderRelease::kOrdinal:
      return decode(NPUGraphBuilderRelease());
    case NPUGraphBuilderLabel::kOrdinal:
      return decode(NPUGraphBuilderLabel());
    case NPUGraphBuilderBuild::kOrdinal:
      return decode(NPUGraphBuilderBuild());
    case NPUGraphRelease::kOrdinal:
      return decode(NPUGraphRelease());
    case NPUGraphLabel::kOrdinal:
      return decode(NPUGraphLabel());
    case NPUGraphDestroy::kOrdinal:
      return decode(NPUGraphDestroy());
    case NPUCommandEncoderRelease::kOrdinal:
      return decode(NPUCommandEncoderRelease());
    case NPUCommandEncoderLabel::kOrdinal:
      return decode(NPUCommandEncoderLabel());
    case NPUCommandEncoderFinish::kOrdinal:
      return decode(NPUCommandEncoderFinish());
    case NPUCommandBufferRelease::kOrdinal:
      return decode(NPUCommandBufferRelease());
    case NPUCommandBufferLabel::kOrdinal:
      return decode(NPUCommandBufferLabel());
    case ConnectionHello::kOrdinal:
      return r.UnknownMethod(header->ordinal, kAfterFirst);
    default:
      return r.UnknownMethod(header->ordinal, kTopLevel);
  }
}

bool ReadHello(MessageReader& r, ConnectionHello* out) {
  std::optional<MessageHeader> header;
  if (!r.NextMessage(&header)) {
    return false;
  }
  if (!header || header->ordinal != ConnectionHello::kOrdinal) {
    return r.UnknownMethod(header ? header->ordinal : 0, kConnectionStart);
  }
  return r.CheckFlags(*header, ConnectionHello::kFlags) && Read(r, out) &&
         r.EndMessage();
}

bool ReadCommand(MessageReader& r, std::optional<Command>* out) {
  out->reset();
  std::optional<CommandHeader> header;
  if (!r.NextCommand(&header) || !header) {
    return !r.failed();
  }
  auto decode = [&](auto command) {
    if (!Read(r, &command) || !r.EndCommand()) {
      return false;
    }
    *out = std::move(command);
    return true;
  };
  switch (header->ordinal) {
    case NPUCommandEncoderDispatch::kOrdinal:
      return decode(NPUCommandEncoderDispatch());
    case NPUCommandEncoderCopyBufferToBuffer::kOrdinal:
      return decode(NPUCommandEncoderCopyBufferToBuffer());
    default:
      return r.UnknownMethod(header->ordinal, kCommandStream);
  }
}

bool ReadServiceMessage(MessageReader& r,
                        const std::function<bool(uint32_t)>& is_pending,
                        std::optional<DecodedServiceMessage>* out) {
  out->reset();
  std::optional<MessageHeader> header;
  if (!r.NextMessage(&header) || !header) {
    return !r.failed();
  }
  auto decode = [&](auto message, uint32_t flags) {
    if (!r.CheckFlags(*header, flags)) {
      return false;
    }
    if (flags == kFlagIsReply && !is_pending(header->request_id)) {
      return r.Fail(
          BadMessageKind::VALIDATION_ERROR_MESSAGE_HEADER_MISSING_REQUEST_ID,
          "a reply to a request id that is not pending");
    }
    if (!Read(r, &message) || !r.EndMessage()) {
      return false;
    }
    *out = DecodedServiceMessage{*header, std::move(message)};
    return true;
  };
  // The service never expects a reply from the renderer.
  if ((header->flags & kFlagExpectsReply) != 0) {
    return r.CheckFlags(*header, kFlagIsReply);
  }
  if ((header->flags & kFlagIsReply) != 0) {
    switch (header->ordinal) {
      case NPURequestAdapterReply::kOrdinal:
        return decode(NPURequestAdapterReply(), kFlagIsReply);
      case NPUAdapterRequestDeviceReply::kOrdinal:
        return decode(NPUAdapterRequestDeviceReply(), kFlagIsReply);
      case NPUDeviceLoadModelReply::kOrdinal:
        return decode(NPUDeviceLoadModelReply(), kFlagIsReply);
      case NPUDevicePopErrorScopeReply::kOrdinal:
        return decode(NPUDevicePopErrorScopeReply(), kFlagIsReply);
      case NPUQueueOnSubmittedWorkDoneReply::kOrdinal:
        return decode(NPUQueueOnSubmittedWorkDoneReply(), kFlagIsReply);
      case NPUQueueReadBufferReply::kOrdinal:
        return decode(NPUQueueReadBufferReply(), kFlagIsReply);
      case NPUBufferMapAsyncReply::kOrdinal:
        return decode(NPUBufferMapAsyncReply(), kFlagIsReply);
      case NPUGraphBuilderBuildReply::kOrdinal:
        return decode(NPUGraphBuilderBuildReply(), kFlagIsReply);
      default:
        return r.UnknownMethod(header->ordinal, kReply);
    }
  }
  switch (header->ordinal) {
    case NPUDeviceLostEvent::kOrdinal:
      return decode(NPUDeviceLostEvent(), 0);
    case NPUDeviceUncapturederrorEvent::kOrdinal:
      return decode(NPUDeviceUncapturederrorEvent(), 0);
    default:
      return r.UnknownMethod(header->ordinal, kServiceMessage);
  }
}

}  // namespace webnpu::wire
