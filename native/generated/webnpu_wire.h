// Generated from idl/webnpu.idl by `python -m codegen` (target `cpp`).
// Do not edit: regenerate with `python -m codegen idl/webnpu.idl`.
//
// The webnpu wire library (docs/wire.md): one struct per request message,
// command, reply and event, and per struct, union and enum they carry, with
// `Write` (encode the payload) and `Read` (decode and check it) for each.
// Whole messages go through EncodeMessage/EncodeCommand
// (native/runtime/message_writer.h) and ReadMessage/ReadCommand/
// ReadServiceMessage below. Every decode failure is a bad message of the kind
// the Python codec names for the same bytes.

#ifndef NATIVE_GENERATED_WEBNPU_WIRE_H_
#define NATIVE_GENERATED_WEBNPU_WIRE_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "native/runtime/message_reader.h"
#include "native/runtime/message_writer.h"
#include "native/runtime/wire_types.h"

namespace webnpu::wire {

// The first 8 bytes of SHA-256 over the wire model's canonical JSON (§2.4): a
// renderer and a service built from different IDL refuse each other at hello.
inline constexpr uint64_t kSchemaHash = 0xA17DF29529DBC2E1ull;

// Limits (§3.4), shared by both sides.
inline constexpr uint32_t kWireMaxMessageBytes = 4194304;
inline constexpr uint32_t kWireMaxHandles = 64;
inline constexpr uint32_t kWireMaxInlineBytes = 65536;
inline constexpr uint32_t kWireMaxStringBytes = 65536;
inline constexpr uint32_t kWireMaxCount = 65536;
inline constexpr uint32_t kWireMaxShapeCount = 8;
inline constexpr uint32_t kWireMaxCommands = 65536;
inline constexpr uint32_t kWireMaxCommandStreamBytes = 16777216;
inline constexpr uint32_t kWireMaxDepth = 8;

// IDL enums cross as their u32 declaration index (§2.1).
enum class NPUConv2dFilterOperandLayout : uint32_t {
  kOihw = 0,
  kHwio = 1,
  kOhwi = 2,
  kIhwo = 3,
  kMaxValue = kIhwo,
};

enum class NPUDataType : uint32_t {
  kFloat32 = 0,
  kFloat16 = 1,
  kInt32 = 2,
  kUint32 = 3,
  kInt64 = 4,
  kUint64 = 5,
  kInt8 = 6,
  kUint8 = 7,
  kMaxValue = kUint8,
};

enum class NPUDeviceLostReason : uint32_t {
  kUnknown = 0,
  kDestroyed = 1,
  kMaxValue = kDestroyed,
};

enum class NPUErrorFilter : uint32_t {
  kValidation = 0,
  kOutOfMemory = 1,
  kInternal = 2,
  kMaxValue = kInternal,
};

enum class NPUFeatureName : uint32_t {
  kTensorFloat16 = 0,
  kTensorInt64 = 1,
  kMaxValue = kTensorInt64,
};

enum class NPUInputOperandLayout : uint32_t {
  kNchw = 0,
  kNhwc = 1,
  kMaxValue = kNhwc,
};

enum class NPUPowerPreference : uint32_t {
  kLowPower = 0,
  kHighPerformance = 1,
  kMaxValue = kHighPerformance,
};

enum class NPURoundingType : uint32_t {
  kFloor = 0,
  kCeil = 1,
  kMaxValue = kCeil,
};

enum class RejectionException : uint32_t {
  kTypeError = 0,
  kRangeError = 1,
  kOperationError = 2,
  kAbortError = 3,
  kMaxValue = kAbortError,
};

// --- Structs and unions, each after the types it holds.

// `NPURequestAdapterOptions`
struct NPURequestAdapterOptions {
  std::optional<NPUPowerPreference> power_preference;
};

// `NPUSupportedFeatures`
struct NPUSupportedFeatures {
  std::vector<std::string> values;
};

// `NPUSupportedLimits`
struct NPUSupportedLimits {
  uint64_t max_buffer_size = 0;
  uint32_t max_tensor_rank = 0;
  uint64_t max_tensor_byte_length = 0;
  uint32_t max_graph_operands = 0;
  uint64_t max_model_byte_length = 0;
  uint32_t max_dispatch_inputs = 0;
  uint32_t max_dispatch_outputs = 0;
  uint32_t max_buffers_per_client = 0;
  uint32_t max_graphs_per_client = 0;
};

// `NPUAdapterInfo`
struct NPUAdapterInfo {
  std::string vendor;
  std::string architecture;
  std::string device;
  std::string description;
};

// `NPUQueueDescriptor`
struct NPUQueueDescriptor {
  std::string label;
};

// `record<string, u64>`
struct RecordStringU64Entry {
  std::string key;
  uint64_t value = 0;
};

// `NPUDeviceDescriptor`
struct NPUDeviceDescriptor {
  std::string label;
  NPUQueueDescriptor default_queue;
  std::vector<NPUFeatureName> required_features;
  std::optional<std::vector<RecordStringU64Entry>> required_limits;
};

// `NPUCommandBufferDescriptor`
struct NPUCommandBufferDescriptor {
  std::string label;
};

// `NPUTensorDescriptor`
struct NPUTensorDescriptor {
  NPUDataType data_type = NPUDataType::kFloat32;
  std::vector<uint32_t> shape;
};

// `NPUBufferDescriptor`
struct NPUBufferDescriptor {
  std::string label;
  uint64_t size = 0;
  std::optional<NPUTensorDescriptor> tensor;
  uint32_t usage = 0;
};

// `NPUTensorInfo`
struct NPUTensorInfo {
  NPUDataType data_type = NPUDataType::kFloat32;
  std::vector<uint32_t> shape;
  std::string name;
};

// `NPUCommandEncoderDescriptor`
struct NPUCommandEncoderDescriptor {
  std::string label;
};

// `NPUDeviceLostInfo`
struct NPUDeviceLostInfo {
  NPUDeviceLostReason reason = NPUDeviceLostReason::kUnknown;
  std::string message;
};

// `ErrorReport`
struct ErrorReport {
  NPUErrorFilter type = NPUErrorFilter::kValidation;
  std::string message;
};

// `Rejection`
struct Rejection {
  RejectionException exception = RejectionException::kTypeError;
  std::string message;
};

// `GraphOp.add`
struct GraphOpAdd {
  uint32_t output_id = 0;
  std::string label;
  uint32_t a = 0;
  uint32_t b = 0;
};

// `GraphOp.sub`
struct GraphOpSub {
  uint32_t output_id = 0;
  std::string label;
  uint32_t a = 0;
  uint32_t b = 0;
};

// `GraphOp.mul`
struct GraphOpMul {
  uint32_t output_id = 0;
  std::string label;
  uint32_t a = 0;
  uint32_t b = 0;
};

// `GraphOp.div`
struct GraphOpDiv {
  uint32_t output_id = 0;
  std::string label;
  uint32_t a = 0;
  uint32_t b = 0;
};

// `GraphOp.max`
struct GraphOpMax {
  uint32_t output_id = 0;
  std::string label;
  uint32_t a = 0;
  uint32_t b = 0;
};

// `GraphOp.min`
struct GraphOpMin {
  uint32_t output_id = 0;
  std::string label;
  uint32_t a = 0;
  uint32_t b = 0;
};

// `GraphOp.pow`
struct GraphOpPow {
  uint32_t output_id = 0;
  std::string label;
  uint32_t a = 0;
  uint32_t b = 0;
};

// `GraphOp.matmul`
struct GraphOpMatmul {
  uint32_t output_id = 0;
  std::string label;
  uint32_t a = 0;
  uint32_t b = 0;
};

// `GraphOp.gemm`
struct GraphOpGemm {
  uint32_t output_id = 0;
  std::string label;
  uint32_t a = 0;
  uint32_t b = 0;
  bool a_transpose = false;
  double alpha = 0.0;
  bool b_transpose = false;
  double beta = 0.0;
  uint32_t c = 0;
};

// `GraphOp.conv2d`
struct GraphOpConv2d {
  uint32_t output_id = 0;
  std::string label;
  uint32_t input = 0;
  uint32_t filter = 0;
  uint32_t bias = 0;
  std::optional<std::vector<uint32_t>> dilations;
  NPUConv2dFilterOperandLayout filter_layout =
      NPUConv2dFilterOperandLayout::kOihw;
  uint32_t groups = 0;
  NPUInputOperandLayout input_layout = NPUInputOperandLayout::kNchw;
  std::optional<std::vector<uint32_t>> padding;
  std::optional<std::vector<uint32_t>> strides;
};

// `GraphOp.averagePool2d`
struct GraphOpAveragePool2d {
  uint32_t output_id = 0;
  std::string label;
  uint32_t input = 0;
  std::optional<std::vector<uint32_t>> dilations;
  NPUInputOperandLayout layout = NPUInputOperandLayout::kNchw;
  std::optional<std::vector<uint32_t>> padding;
  NPURoundingType rounding_type = NPURoundingType::kFloor;
  std::optional<std::vector<uint32_t>> strides;
  std::optional<std::vector<uint32_t>> window_dimensions;
};

// `GraphOp.maxPool2d`
struct GraphOpMaxPool2d {
  uint32_t output_id = 0;
  std::string label;
  uint32_t input = 0;
  std::optional<std::vector<uint32_t>> dilations;
  NPUInputOperandLayout layout = NPUInputOperandLayout::kNchw;
  std::optional<std::vector<uint32_t>> padding;
  NPURoundingType rounding_type = NPURoundingType::kFloor;
  std::optional<std::vector<uint32_t>> strides;
  std::optional<std::vector<uint32_t>> window_dimensions;
};

// `GraphOp.relu`
struct GraphOpRelu {
  uint32_t output_id = 0;
  std::string label;
  uint32_t input = 0;
};

// `GraphOp.sigmoid`
struct GraphOpSigmoid {
  uint32_t output_id = 0;
  std::string label;
  uint32_t input = 0;
};

// `GraphOp.tanh`
struct GraphOpTanh {
  uint32_t output_id = 0;
  std::string label;
  uint32_t input = 0;
};

// `GraphOp.softmax`
struct GraphOpSoftmax {
  uint32_t output_id = 0;
  std::string label;
  uint32_t input = 0;
  uint32_t axis = 0;
};

// `GraphOp.gelu`
struct GraphOpGelu {
  uint32_t output_id = 0;
  std::string label;
  uint32_t input = 0;
};

// `union NPUNumber`: `u32 tag, u32 0`, then the arm (§3.3).
struct NPUNumber {
  using Value = std::variant<BigInt, double>;
  static constexpr uint32_t kTag0 = 0;
  static constexpr uint32_t kTag1 = 1;
  Value value;
};

// `GraphOp.clamp`
struct GraphOpClamp {
  uint32_t output_id = 0;
  std::string label;
  uint32_t input = 0;
  std::optional<NPUNumber> max_value;
  std::optional<NPUNumber> min_value;
};

// `GraphOp.reshape`
struct GraphOpReshape {
  uint32_t output_id = 0;
  std::string label;
  uint32_t input = 0;
  std::vector<uint32_t> new_shape;
};

// `GraphOp.transpose`
struct GraphOpTranspose {
  uint32_t output_id = 0;
  std::string label;
  uint32_t input = 0;
  std::optional<std::vector<uint32_t>> permutation;
};

// `GraphOp.concat`
struct GraphOpConcat {
  uint32_t output_id = 0;
  std::string label;
  std::vector<uint32_t> inputs;
  uint32_t axis = 0;
};

// `GraphOp.slice`
struct GraphOpSlice {
  uint32_t output_id = 0;
  std::string label;
  uint32_t input = 0;
  std::vector<uint32_t> starts;
  std::vector<uint32_t> sizes;
};

// `GraphOp.batchNormalization`
struct GraphOpBatchNormalization {
  uint32_t output_id = 0;
  std::string label;
  uint32_t input = 0;
  uint32_t mean = 0;
  uint32_t variance = 0;
  uint32_t axis = 0;
  uint32_t bias = 0;
  double epsilon = 0.0;
  uint32_t scale = 0;
};

// `GraphOp.layerNormalization`
struct GraphOpLayerNormalization {
  uint32_t output_id = 0;
  std::string label;
  uint32_t input = 0;
  std::optional<std::vector<uint32_t>> axes;
  uint32_t bias = 0;
  double epsilon = 0.0;
  uint32_t scale = 0;
};

// `GraphOp.cast`
struct GraphOpCast {
  uint32_t output_id = 0;
  std::string label;
  uint32_t input = 0;
  NPUDataType data_type = NPUDataType::kFloat32;
};

// `GraphInput`
struct GraphInput {
  uint32_t id = 0;
  std::string name;
  NPUTensorDescriptor descriptor;
};

// `GraphConstant`
struct GraphConstant {
  uint64_t offset = 0;
  uint64_t length = 0;
  uint32_t id = 0;
  NPUTensorDescriptor descriptor;
};

// `GraphOutput`
struct GraphOutput {
  uint32_t id = 0;
  std::string name;
};

// `union GraphOperation`: `u32 tag, u32 0`, then the arm (§3.3).
struct GraphOperation {
  using Value = std::variant<GraphOpAdd,
                             GraphOpSub,
                             GraphOpMul,
                             GraphOpDiv,
                             GraphOpMax,
                             GraphOpMin,
                             GraphOpPow,
                             GraphOpMatmul,
                             GraphOpGemm,
                             GraphOpConv2d,
                             GraphOpAveragePool2d,
                             GraphOpMaxPool2d,
                             GraphOpRelu,
                             GraphOpSigmoid,
                             GraphOpTanh,
                             GraphOpSoftmax,
                             GraphOpGelu,
                             GraphOpClamp,
                             GraphOpReshape,
                             GraphOpTranspose,
                             GraphOpConcat,
                             GraphOpSlice,
                             GraphOpBatchNormalization,
                             GraphOpLayerNormalization,
                             GraphOpCast>;
  static constexpr uint32_t kTag0 = 1;
  static constexpr uint32_t kTag1 = 2;
  static constexpr uint32_t kTag2 = 3;
  static constexpr uint32_t kTag3 = 4;
  static constexpr uint32_t kTag4 = 5;
  static constexpr uint32_t kTag5 = 6;
  static constexpr uint32_t kTag6 = 7;
  static constexpr uint32_t kTag7 = 8;
  static constexpr uint32_t kTag8 = 9;
  static constexpr uint32_t kTag9 = 10;
  static constexpr uint32_t kTag10 = 11;
  static constexpr uint32_t kTag11 = 12;
  static constexpr uint32_t kTag12 = 13;
  static constexpr uint32_t kTag13 = 14;
  static constexpr uint32_t kTag14 = 15;
  static constexpr uint32_t kTag15 = 16;
  static constexpr uint32_t kTag16 = 17;
  static constexpr uint32_t kTag17 = 18;
  static constexpr uint32_t kTag18 = 19;
  static constexpr uint32_t kTag19 = 20;
  static constexpr uint32_t kTag20 = 21;
  static constexpr uint32_t kTag21 = 22;
  static constexpr uint32_t kTag22 = 23;
  static constexpr uint32_t kTag23 = 24;
  static constexpr uint32_t kTag24 = 25;
  Value value;
};

// `GraphDescription`
struct GraphDescription {
  std::vector<GraphInput> inputs;
  std::vector<GraphConstant> constants;
  std::vector<GraphOperation> operations;
  std::vector<GraphOutput> outputs;
  Bytes constant_data;
};

// `record<string, Handle<NPUBuffer>>`
struct RecordStringHandleNPUBufferEntry {
  std::string key;
  Handle value;
};

// --- Connection control (interface 0, §2.4): only as the first message.

// `Connection.hello`: message 0x00000001 (hello).
struct ConnectionHello {
  static constexpr uint32_t kOrdinal = 0x00000001;
  static constexpr uint32_t kFlags = 0;

  uint64_t schema_hash = 0;
  uint64_t reserved = 0;
};

// --- Messages (renderer to service), by ordinal.

// `NPU.release`: message 0x00010000 (release).
struct NPURelease {
  static constexpr uint32_t kOrdinal = 0x00010000;
  static constexpr uint32_t kFlags = 0;

  Handle self;
};

// `NPU.requestAdapter`: message 0x00010001 (reply).
struct NPURequestAdapter {
  static constexpr uint32_t kOrdinal = 0x00010001;
  static constexpr uint32_t kFlags = kFlagExpectsReply;

  Handle self;
  Handle result;
  NPURequestAdapterOptions options;
};

// `NPUAdapter.release`: message 0x00020000 (release).
struct NPUAdapterRelease {
  static constexpr uint32_t kOrdinal = 0x00020000;
  static constexpr uint32_t kFlags = 0;

  Handle self;
};

// `NPUAdapter.requestDevice`: message 0x00020001 (reply).
struct NPUAdapterRequestDevice {
  static constexpr uint32_t kOrdinal = 0x00020001;
  static constexpr uint32_t kFlags = kFlagExpectsReply;

  Handle self;
  Handle result;
  Handle result_1;
  NPUDeviceDescriptor descriptor;
};

// `NPUDevice.release`: message 0x00030000 (release).
struct NPUDeviceRelease {
  static constexpr uint32_t kOrdinal = 0x00030000;
  static constexpr uint32_t kFlags = 0;

  Handle self;
};

// `NPUDevice.label`: message 0x00030001 (send).
struct NPUDeviceLabel {
  static constexpr uint32_t kOrdinal = 0x00030001;
  static constexpr uint32_t kFlags = 0;

  Handle self;
  std::string value;
};

// `NPUDevice.destroy`: message 0x00030002 (send).
struct NPUDeviceDestroy {
  static constexpr uint32_t kOrdinal = 0x00030002;
  static constexpr uint32_t kFlags = 0;

  Handle self;
};

// `NPUDevice.createBuffer`: message 0x00030003 (send).
struct NPUDeviceCreateBuffer {
  static constexpr uint32_t kOrdinal = 0x00030003;
  static constexpr uint32_t kFlags = 0;

  Handle self;
  Handle result;
  NPUBufferDescriptor descriptor;
};

// `NPUDevice.createGraphBuilder`: message 0x00030004 (send).
struct NPUDeviceCreateGraphBuilder {
  static constexpr uint32_t kOrdinal = 0x00030004;
  static constexpr uint32_t kFlags = 0;

  Handle self;
  Handle result;
};

// `NPUDevice.loadModel`: message 0x00030005 (reply).
struct NPUDeviceLoadModel {
  static constexpr uint32_t kOrdinal = 0x00030005;
  static constexpr uint32_t kFlags = kFlagExpectsReply;

  Handle self;
  Handle result;
  Bytes onnx_bytes;
};

// `NPUDevice.createCommandEncoder`: message 0x00030006 (send).
struct NPUDeviceCreateCommandEncoder {
  static constexpr uint32_t kOrdinal = 0x00030006;
  static constexpr uint32_t kFlags = 0;

  Handle self;
  Handle result;
  NPUCommandEncoderDescriptor descriptor;
};

// `NPUDevice.pushErrorScope`: message 0x00030007 (send).
struct NPUDevicePushErrorScope {
  static constexpr uint32_t kOrdinal = 0x00030007;
  static constexpr uint32_t kFlags = 0;

  Handle self;
  NPUErrorFilter filter = NPUErrorFilter::kValidation;
};

// `NPUDevice.popErrorScope`: message 0x00030008 (reply).
struct NPUDevicePopErrorScope {
  static constexpr uint32_t kOrdinal = 0x00030008;
  static constexpr uint32_t kFlags = kFlagExpectsReply;

  Handle self;
};

// `NPUQueue.release`: message 0x00040000 (release).
struct NPUQueueRelease {
  static constexpr uint32_t kOrdinal = 0x00040000;
  static constexpr uint32_t kFlags = 0;

  Handle self;
};

// `NPUQueue.label`: message 0x00040001 (send).
struct NPUQueueLabel {
  static constexpr uint32_t kOrdinal = 0x00040001;
  static constexpr uint32_t kFlags = 0;

  Handle self;
  std::string value;
};

// `NPUQueue.submit`: message 0x00040002 (send).
struct NPUQueueSubmit {
  static constexpr uint32_t kOrdinal = 0x00040002;
  static constexpr uint32_t kFlags = 0;

  Handle self;
  std::vector<Handle> command_buffers;
};

// `NPUQueue.onSubmittedWorkDone`: message 0x00040003 (reply).
struct NPUQueueOnSubmittedWorkDone {
  static constexpr uint32_t kOrdinal = 0x00040003;
  static constexpr uint32_t kFlags = kFlagExpectsReply;

  Handle self;
};

// `NPUQueue.writeBuffer`: message 0x00040004 (send).
struct NPUQueueWriteBuffer {
  static constexpr uint32_t kOrdinal = 0x00040004;
  static constexpr uint32_t kFlags = 0;

  Handle self;
  Handle buffer;
  uint64_t buffer_offset = 0;
  Bytes data;
  uint64_t data_offset = 0;
  std::optional<uint64_t> size;
};

// `NPUQueue.readBuffer`: message 0x00040005 (reply).
struct NPUQueueReadBuffer {
  static constexpr uint32_t kOrdinal = 0x00040005;
  static constexpr uint32_t kFlags = kFlagExpectsReply;

  Handle self;
  Handle buffer;
  uint64_t offset = 0;
  std::optional<uint64_t> size;
};

// `NPUBuffer.release`: message 0x00050000 (release).
struct NPUBufferRelease {
  static constexpr uint32_t kOrdinal = 0x00050000;
  static constexpr uint32_t kFlags = 0;

  Handle self;
};

// `NPUBuffer.label`: message 0x00050001 (send).
struct NPUBufferLabel {
  static constexpr uint32_t kOrdinal = 0x00050001;
  static constexpr uint32_t kFlags = 0;

  Handle self;
  std::string value;
};

// `NPUBuffer.mapAsync`: message 0x00050002 (reply).
struct NPUBufferMapAsync {
  static constexpr uint32_t kOrdinal = 0x00050002;
  static constexpr uint32_t kFlags = kFlagExpectsReply;

  Handle self;
  uint32_t mode = 0;
  uint64_t offset = 0;
  std::optional<uint64_t> size;
};

// `NPUBuffer.unmap`: message 0x00050003 (send).
struct NPUBufferUnmap {
  static constexpr uint32_t kOrdinal = 0x00050003;
  static constexpr uint32_t kFlags = 0;

  Handle self;
};

// `NPUBuffer.destroy`: message 0x00050004 (send).
struct NPUBufferDestroy {
  static constexpr uint32_t kOrdinal = 0x00050004;
  static constexpr uint32_t kFlags = 0;

  Handle self;
};

// `NPUGraphBuilder.release`: message 0x00060000 (release).
struct NPUGraphBuilderRelease {
  static constexpr uint32_t kOrdinal = 0x00060000;
  static constexpr uint32_t kFlags = 0;

  Handle self;
};

// `NPUGraphBuilder.label`: message 0x00060001 (send).
struct NPUGraphBuilderLabel {
  static constexpr uint32_t kOrdinal = 0x00060001;
  static constexpr uint32_t kFlags = 0;

  Handle self;
  std::string value;
};

// `NPUGraphBuilder.build`: message 0x00060002 (build).
struct NPUGraphBuilderBuild {
  static constexpr uint32_t kOrdinal = 0x00060002;
  static constexpr uint32_t kFlags = kFlagExpectsReply;

  Handle self;
  Handle result;
  GraphDescription graph;
};

// `NPUGraph.release`: message 0x00070000 (release).
struct NPUGraphRelease {
  static constexpr uint32_t kOrdinal = 0x00070000;
  static constexpr uint32_t kFlags = 0;

  Handle self;
};

// `NPUGraph.label`: message 0x00070001 (send).
struct NPUGraphLabel {
  static constexpr uint32_t kOrdinal = 0x00070001;
  static constexpr uint32_t kFlags = 0;

  Handle self;
  std::string value;
};

// `NPUGraph.destroy`: message 0x00070002 (send).
struct NPUGraphDestroy {
  static constexpr uint32_t kOrdinal = 0x00070002;
  static constexpr uint32_t kFlags = 0;

  Handle self;
};

// `NPUCommandEncoder.release`: message 0x00080000 (release).
struct NPUCommandEncoderRelease {
  static constexpr uint32_t kOrdinal = 0x00080000;
  static constexpr uint32_t kFlags = 0;

  Handle self;
};

// `NPUCommandEncoder.label`: message 0x00080001 (send).
struct NPUCommandEncoderLabel {
  static constexpr uint32_t kOrdinal = 0x00080001;
  static constexpr uint32_t kFlags = 0;

  Handle self;
  std::string value;
};

// `NPUCommandEncoder.finish`: message 0x00080004 (finish).
struct NPUCommandEncoderFinish {
  static constexpr uint32_t kOrdinal = 0x00080004;
  static constexpr uint32_t kFlags = 0;

  Handle self;
  Handle result;
  NPUCommandBufferDescriptor descriptor;
  uint32_t command_count = 0;
  Bytes commands;
};

// `NPUCommandBuffer.release`: message 0x00090000 (release).
struct NPUCommandBufferRelease {
  static constexpr uint32_t kOrdinal = 0x00090000;
  static constexpr uint32_t kFlags = 0;

  Handle self;
};

// `NPUCommandBuffer.label`: message 0x00090001 (send).
struct NPUCommandBufferLabel {
  static constexpr uint32_t kOrdinal = 0x00090001;
  static constexpr uint32_t kFlags = 0;

  Handle self;
  std::string value;
};

// --- Commands (inside a `finish` command stream, §4), by ordinal.

// `NPUCommandEncoder.dispatch`: command 0x00080002 (command).
struct NPUCommandEncoderDispatch {
  static constexpr uint32_t kOrdinal = 0x00080002;

  Handle graph;
  std::vector<RecordStringHandleNPUBufferEntry> inputs;
  std::vector<RecordStringHandleNPUBufferEntry> outputs;
};

// `NPUCommandEncoder.copyBufferToBuffer`: command 0x00080003 (command).
struct NPUCommandEncoderCopyBufferToBuffer {
  static constexpr uint32_t kOrdinal = 0x00080003;

  Handle source;
  uint64_t source_offset = 0;
  Handle destination;
  uint64_t destination_offset = 0;
  uint64_t size = 0;
};

// --- Replies (service to renderer, §2.3): Settled {resolved, rejected}.

// The resolved value of `NPU.requestAdapter`.
struct NPURequestAdapterResolved {
  std::optional<NPUSupportedFeatures> features;
  std::optional<NPUSupportedLimits> limits;
  std::optional<NPUAdapterInfo> info;
};
struct NPURequestAdapterReply {
  static constexpr uint32_t kOrdinal = 0x00010001;
  static constexpr uint32_t kFlags = kFlagIsReply;

  std::variant<NPURequestAdapterResolved, Rejection> result;
};

// The resolved value of `NPUAdapter.requestDevice`.
struct NPUAdapterRequestDeviceResolved {
  NPUSupportedFeatures features;
  NPUSupportedLimits limits;
};
struct NPUAdapterRequestDeviceReply {
  static constexpr uint32_t kOrdinal = 0x00020001;
  static constexpr uint32_t kFlags = kFlagIsReply;

  std::variant<NPUAdapterRequestDeviceResolved, Rejection> result;
};

// The resolved value of `NPUDevice.loadModel`.
struct NPUDeviceLoadModelResolved {
  std::vector<NPUTensorInfo> inputs;
  std::vector<NPUTensorInfo> outputs;
};
struct NPUDeviceLoadModelReply {
  static constexpr uint32_t kOrdinal = 0x00030005;
  static constexpr uint32_t kFlags = kFlagIsReply;

  std::variant<NPUDeviceLoadModelResolved, Rejection> result;
};

// The resolved value of `NPUDevice.popErrorScope`.
struct NPUDevicePopErrorScopeResolved {
  std::optional<ErrorReport> error;
};
struct NPUDevicePopErrorScopeReply {
  static constexpr uint32_t kOrdinal = 0x00030008;
  static constexpr uint32_t kFlags = kFlagIsReply;

  std::variant<NPUDevicePopErrorScopeResolved, Rejection> result;
};

// The resolved value of `NPUQueue.onSubmittedWorkDone`.
struct NPUQueueOnSubmittedWorkDoneResolved {};
struct NPUQueueOnSubmittedWorkDoneReply {
  static constexpr uint32_t kOrdinal = 0x00040003;
  static constexpr uint32_t kFlags = kFlagIsReply;

  std::variant<NPUQueueOnSubmittedWorkDoneResolved, Rejection> result;
};

// The resolved value of `NPUQueue.readBuffer`.
struct NPUQueueReadBufferResolved {
  Bytes data;
};
struct NPUQueueReadBufferReply {
  static constexpr uint32_t kOrdinal = 0x00040005;
  static constexpr uint32_t kFlags = kFlagIsReply;

  std::variant<NPUQueueReadBufferResolved, Rejection> result;
};

// The resolved value of `NPUBuffer.mapAsync`.
struct NPUBufferMapAsyncResolved {
  SharedMemoryRef mapping;
};
struct NPUBufferMapAsyncReply {
  static constexpr uint32_t kOrdinal = 0x00050002;
  static constexpr uint32_t kFlags = kFlagIsReply;

  std::variant<NPUBufferMapAsyncResolved, Rejection> result;
};

// The resolved value of `NPUGraphBuilder.build`.
struct NPUGraphBuilderBuildResolved {
  std::vector<NPUTensorInfo> inputs;
  std::vector<NPUTensorInfo> outputs;
};
struct NPUGraphBuilderBuildReply {
  static constexpr uint32_t kOrdinal = 0x00060002;
  static constexpr uint32_t kFlags = kFlagIsReply;

  std::variant<NPUGraphBuilderBuildResolved, Rejection> result;
};

// --- Events (service to renderer, §2.1): no flags, request id 0.

// `NPUDevice.lost`: event 0x00038001 (NPUDeviceLostInfo).
struct NPUDeviceLostEvent {
  static constexpr uint32_t kOrdinal = 0x00038001;
  static constexpr uint32_t kFlags = 0;

  Handle self;
  NPUDeviceLostInfo info;
};

// `NPUDevice.onuncapturederror`: event 0x00038002 (ErrorReport).
struct NPUDeviceUncapturederrorEvent {
  static constexpr uint32_t kOrdinal = 0x00038002;
  static constexpr uint32_t kFlags = 0;

  Handle self;
  ErrorReport error;
};

// --- Encoding and decoding of each payload.

void Write(MessageWriter& w, const NPURequestAdapterOptions& v);
bool Read(MessageReader& r, NPURequestAdapterOptions* out);

void Write(MessageWriter& w, const NPUSupportedFeatures& v);
bool Read(MessageReader& r, NPUSupportedFeatures* out);

void Write(MessageWriter& w, const NPUSupportedLimits& v);
bool Read(MessageReader& r, NPUSupportedLimits* out);

void Write(MessageWriter& w, const NPUAdapterInfo& v);
bool Read(MessageReader& r, NPUAdapterInfo* out);

void Write(MessageWriter& w, const NPUQueueDescriptor& v);
bool Read(MessageReader& r, NPUQueueDescriptor* out);

void Write(MessageWriter& w, const RecordStringU64Entry& v);
bool Read(MessageReader& r, RecordStringU64Entry* out);

void Write(MessageWriter& w, const NPUDeviceDescriptor& v);
bool Read(MessageReader& r, NPUDeviceDescriptor* out);

void Write(MessageWriter& w, const NPUCommandBufferDescriptor& v);
bool Read(MessageReader& r, NPUCommandBufferDescriptor* out);

void Write(MessageWriter& w, const NPUTensorDescriptor& v);
bool Read(MessageReader& r, NPUTensorDescriptor* out);

void Write(MessageWriter& w, const NPUBufferDescriptor& v);
bool Read(MessageReader& r, NPUBufferDescriptor* out);

void Write(MessageWriter& w, const NPUTensorInfo& v);
bool Read(MessageReader& r, NPUTensorInfo* out);

void Write(MessageWriter& w, const NPUCommandEncoderDescriptor& v);
bool Read(MessageReader& r, NPUCommandEncoderDescriptor* out);

void Write(MessageWriter& w, const NPUDeviceLostInfo& v);
bool Read(MessageReader& r, NPUDeviceLostInfo* out);

void Write(MessageWriter& w, const ErrorReport& v);
bool Read(MessageReader& r, ErrorReport* out);

void Write(MessageWriter& w, const Rejection& v);
bool Read(MessageReader& r, Rejection* out);

void Write(MessageWriter& w, const GraphOpAdd& v);
bool Read(MessageReader& r, GraphOpAdd* out);

void Write(MessageWriter& w, const GraphOpSub& v);
bool Read(MessageReader& r, GraphOpSub* out);

void Write(MessageWriter& w, const GraphOpMul& v);
bool Read(MessageReader& r, GraphOpMul* out);

void Write(MessageWriter& w, const GraphOpDiv& v);
bool Read(MessageReader& r, GraphOpDiv* out);

void Write(MessageWriter& w, const GraphOpMax& v);
bool Read(MessageReader& r, GraphOpMax* out);

void Write(MessageWriter& w, const GraphOpMin& v);
bool Read(MessageReader& r, GraphOpMin* out);

void Write(MessageWriter& w, const GraphOpPow& v);
bool Read(MessageReader& r, GraphOpPow* out);

void Write(MessageWriter& w, const GraphOpMatmul& v);
bool Read(MessageReader& r, GraphOpMatmul* out);

void Write(MessageWriter& w, const GraphOpGemm& v);
bool Read(MessageReader& r, GraphOpGemm* out);

void Write(MessageWriter& w, const GraphOpConv2d& v);
bool Read(MessageReader& r, GraphOpConv2d* out);

void Write(MessageWriter& w, const GraphOpAveragePool2d& v);
bool Read(MessageReader& r, GraphOpAveragePool2d* out);

void Write(MessageWriter& w, const GraphOpMaxPool2d& v);
bool Read(MessageReader& r, GraphOpMaxPool2d* out);

void Write(MessageWriter& w, const GraphOpRelu& v);
bool Read(MessageReader& r, GraphOpRelu* out);

void Write(MessageWriter& w, const GraphOpSigmoid& v);
bool Read(MessageReader& r, GraphOpSigmoid* out);

void Write(MessageWriter& w, const GraphOpTanh& v);
bool Read(MessageReader& r, GraphOpTanh* out);

void Write(MessageWriter& w, const GraphOpSoftmax& v);
bool Read(MessageReader& r, GraphOpSoftmax* out);

void Write(MessageWriter& w, const GraphOpGelu& v);
bool Read(MessageReader& r, GraphOpGelu* out);

void Write(MessageWriter& w, const NPUNumber& v);
bool Read(MessageReader& r, NPUNumber* out);

void Write(MessageWriter& w, const GraphOpClamp& v);
bool Read(MessageReader& r, GraphOpClamp* out);

void Write(MessageWriter& w, const GraphOpReshape& v);
bool Read(MessageReader& r, GraphOpReshape* out);

void Write(MessageWriter& w, const GraphOpTranspose& v);
bool Read(MessageReader& r, GraphOpTranspose* out);

void Write(MessageWriter& w, const GraphOpConcat& v);
bool Read(MessageReader& r, GraphOpConcat* out);

void Write(MessageWriter& w, const GraphOpSlice& v);
bool Read(MessageReader& r, GraphOpSlice* out);

void Write(MessageWriter& w, const GraphOpBatchNormalization& v);
bool Read(MessageReader& r, GraphOpBatchNormalization* out);

void Write(MessageWriter& w, const GraphOpLayerNormalization& v);
bool Read(MessageReader& r, GraphOpLayerNormalization* out);

void Write(MessageWriter& w, const GraphOpCast& v);
bool Read(MessageReader& r, GraphOpCast* out);

void Write(MessageWriter& w, const GraphInput& v);
bool Read(MessageReader& r, GraphInput* out);

void Write(MessageWriter& w, const GraphConstant& v);
bool Read(MessageReader& r, GraphConstant* out);

void Write(MessageWriter& w, const GraphOutput& v);
bool Read(MessageReader& r, GraphOutput* out);

void Write(MessageWriter& w, const GraphOperation& v);
bool Read(MessageReader& r, GraphOperation* out);

void Write(MessageWriter& w, const GraphDescription& v);
bool Read(MessageReader& r, GraphDescription* out);

void Write(MessageWriter& w, const RecordStringHandleNPUBufferEntry& v);
bool Read(MessageReader& r, RecordStringHandleNPUBufferEntry* out);

void Write(MessageWriter& w, const ConnectionHello& v);
bool Read(MessageReader& r, ConnectionHello* out);

void Write(MessageWriter& w, const NPURelease& v);
bool Read(MessageReader& r, NPURelease* out);

void Write(MessageWriter& w, const NPURequestAdapter& v);
bool Read(MessageReader& r, NPURequestAdapter* out);

void Write(MessageWriter& w, const NPUAdapterRelease& v);
bool Read(MessageReader& r, NPUAdapterRelease* out);

void Write(MessageWriter& w, const NPUAdapterRequestDevice& v);
bool Read(MessageReader& r, NPUAdapterRequestDevice* out);

void Write(MessageWriter& w, const NPUDeviceRelease& v);
bool Read(MessageReader& r, NPUDeviceRelease* out);

void Write(MessageWriter& w, const NPUDeviceLabel& v);
bool Read(MessageReader& r, NPUDeviceLabel* out);

void Write(MessageWriter& w, const NPUDeviceDestroy& v);
bool Read(MessageReader& r, NPUDeviceDestroy* out);

void Write(MessageWriter& w, const NPUDeviceCreateBuffer& v);
bool Read(MessageReader& r, NPUDeviceCreateBuffer* out);

void Write(MessageWriter& w, const NPUDeviceCreateGraphBuilder& v);
bool Read(MessageReader& r, NPUDeviceCreateGraphBuilder* out);

void Write(MessageWriter& w, const NPUDeviceLoadModel& v);
bool Read(MessageReader& r, NPUDeviceLoadModel* out);

void Write(MessageWriter& w, const NPUDeviceCreateCommandEncoder& v);
bool Read(MessageReader& r, NPUDeviceCreateCommandEncoder* out);

void Write(MessageWriter& w, const NPUDevicePushErrorScope& v);
bool Read(MessageReader& r, NPUDevicePushErrorScope* out);

void Write(MessageWriter& w, const NPUDevicePopErrorScope& v);
bool Read(MessageReader& r, NPUDevicePopErrorScope* out);

void Write(MessageWriter& w, const NPUQueueRelease& v);
bool Read(MessageReader& r, NPUQueueRelease* out);

void Write(MessageWriter& w, const NPUQueueLabel& v);
bool Read(MessageReader& r, NPUQueueLabel* out);

void Write(MessageWriter& w, const NPUQueueSubmit& v);
bool Read(MessageReader& r, NPUQueueSubmit* out);

void Write(MessageWriter& w, const NPUQueueOnSubmittedWorkDone& v);
bool Read(MessageReader& r, NPUQueueOnSubmittedWorkDone* out);

void Write(MessageWriter& w, const NPUQueueWriteBuffer& v);
bool Read(MessageReader& r, NPUQueueWriteBuffer* out);

void Write(MessageWriter& w, const NPUQueueReadBuffer& v);
bool Read(MessageReader& r, NPUQueueReadBuffer* out);

void Write(MessageWriter& w, const NPUBufferRelease& v);
bool Read(MessageReader& r, NPUBufferRelease* out);

void Write(MessageWriter& w, const NPUBufferLabel& v);
bool Read(MessageReader& r, NPUBufferLabel* out);

void Write(MessageWriter& w, const NPUBufferMapAsync& v);
bool Read(MessageReader& r, NPUBufferMapAsync* out);

void Write(MessageWriter& w, const NPUBufferUnmap& v);
bool Read(MessageReader& r, NPUBufferUnmap* out);

void Write(MessageWriter& w, const NPUBufferDestroy& v);
bool Read(MessageReader& r, NPUBufferDestroy* out);

void Write(MessageWriter& w, const NPUGraphBuilderRelease& v);
bool Read(MessageReader& r, NPUGraphBuilderRelease* out);

void Write(MessageWriter& w, const NPUGraphBuilderLabel& v);
bool Read(MessageReader& r, NPUGraphBuilderLabel* out);

void Write(MessageWriter& w, const NPUGraphBuilderBuild& v);
bool Read(MessageReader& r, NPUGraphBuilderBuild* out);

void Write(MessageWriter& w, const NPUGraphRelease& v);
bool Read(MessageReader& r, NPUGraphRelease* out);

void Write(MessageWriter& w, const NPUGraphLabel& v);
bool Read(MessageReader& r, NPUGraphLabel* out);

void Write(MessageWriter& w, const NPUGraphDestroy& v);
bool Read(MessageReader& r, NPUGraphDestroy* out);

void Write(MessageWriter& w, const NPUCommandEncoderRelease& v);
bool Read(MessageReader& r, NPUCommandEncoderRelease* out);

void Write(MessageWriter& w, const NPUCommandEncoderLabel& v);
bool Read(MessageReader& r, NPUCommandEncoderLabel* out);

void Write(MessageWriter& w, const NPUCommandEncoderFinish& v);
bool Read(MessageReader& r, NPUCommandEncoderFinish* out);

void Write(MessageWriter& w, const NPUCommandBufferRelease& v);
bool Read(MessageReader& r, NPUCommandBufferRelease* out);

void Write(MessageWriter& w, const NPUCommandBufferLabel& v);
bool Read(MessageReader& r, NPUCommandBufferLabel* out);

void Write(MessageWriter& w, const NPUCommandEncoderDispatch& v);
bool Read(MessageReader& r, NPUCommandEncoderDispatch* out);

void Write(MessageWriter& w, const NPUCommandEncoderCopyBufferToBuffer& v);
bool Read(MessageReader& r, NPUCommandEncoderCopyBufferToBuffer* out);

void Write(MessageWriter& w, const NPURequestAdapterResolved& v);
bool Read(MessageReader& r, NPURequestAdapterResolved* out);

void Write(MessageWriter& w, const NPUAdapterRequestDeviceResolved& v);
bool Read(MessageReader& r, NPUAdapterRequestDeviceResolved* out);

void Write(MessageWriter& w, const NPUDeviceLoadModelResolved& v);
bool Read(MessageReader& r, NPUDeviceLoadModelResolved* out);

void Write(MessageWriter& w, const NPUDevicePopErrorScopeResolved& v);
bool Read(MessageReader& r, NPUDevicePopErrorScopeResolved* out);

void Write(MessageWriter& w, const NPUQueueOnSubmittedWorkDoneResolved& v);
bool Read(MessageReader& r, NPUQueueOnSubmittedWorkDoneResolved* out);

void Write(MessageWriter& w, const NPUQueueReadBufferResolved& v);
bool Read(MessageReader& r, NPUQueueReadBufferResolved* out);

void Write(MessageWriter& w, const NPUBufferMapAsyncResolved& v);
bool Read(MessageReader& r, NPUBufferMapAsyncResolved* out);

void Write(MessageWriter& w, const NPUGraphBuilderBuildResolved& v);
bool Read(MessageReader& r, NPUGraphBuilderBuildResolved* out);

void Write(MessageWriter& w, const NPURequestAdapterReply& v);
bool Read(MessageReader& r, NPURequestAdapterReply* out);

void Write(MessageWriter& w, const NPUAdapterRequestDeviceReply& v);
bool Read(MessageReader& r, NPUAdapterRequestDeviceReply* out);

void Write(MessageWriter& w, const NPUDeviceLoadModelReply& v);
bool Read(MessageReader& r, NPUDeviceLoadModelReply* out);

void Write(MessageWriter& w, const NPUDevicePopErrorScopeReply& v);
bool Read(MessageReader& r, NPUDevicePopErrorScopeReply* out);

void Write(MessageWriter& w, const NPUQueueOnSubmittedWorkDoneReply& v);
bool Read(MessageReader& r, NPUQueueOnSubmittedWorkDoneReply* out);

void Write(MessageWriter& w, const NPUQueueReadBufferReply& v);
bool Read(MessageReader& r, NPUQueueReadBufferReply* out);

void Write(MessageWriter& w, const NPUBufferMapAsyncReply& v);
bool Read(MessageReader& r, NPUBufferMapAsyncReply* out);

void Write(MessageWriter& w, const NPUGraphBuilderBuildReply& v);
bool Read(MessageReader& r, NPUGraphBuilderBuildReply* out);

void Write(MessageWriter& w, const NPUDeviceLostEvent& v);
bool Read(MessageReader& r, NPUDeviceLostEvent* out);

void Write(MessageWriter& w, const NPUDeviceUncapturederrorEvent& v);
bool Read(MessageReader& r, NPUDeviceUncapturederrorEvent* out);

// --- Whole messages.

using Message = std::variant<NPURequestAdapter,
                             NPUAdapterRelease,
                             NPUAdapterRequestDevice,
                             NPUDeviceRelease,
                             NPUDeviceLabel,
                             NPUDeviceDestroy,
                             NPUDeviceCreateBuffer,
                             NPUDeviceCreateGraphBuilder,
                             NPUDeviceLoadModel,
                             NPUDeviceCreateCommandEncoder,
                             NPUDevicePushErrorScope,
                             NPUDevicePopErrorScope,
                             NPUQueueRelease,
                             NPUQueueLabel,
                             NPUQueueSubmit,
                             NPUQueueOnSubmittedWorkDone,
                             NPUQueueWriteBuffer,
                             NPUQueueReadBuffer,
                             NPUBufferRelease,
                             NPUBufferLabel,
                             NPUBufferMapAsync,
                             NPUBufferUnmap,
                             NPUBufferDestroy,
                             NPUGraphBuilderRelease,
                             NPUGraphBuilderLabel,
                             NPUGraphBuilderBuild,
                             NPUGraphRelease,
                             NPUGraphLabel,
                             NPUGraphDestroy,
                             NPUCommandEncoderRelease,
                             NPUCommandEncoderLabel,
                             NPUCommandEncoderFinish,
                             NPUCommandBufferRelease,
                             NPUCommandBufferLabel>;
struct DecodedMessage {
  MessageHeader header;
  Message message;
};

// The next request of a frame; `out` stays empty at the end of the frame.
// `hello` is not among them: it is valid only first (ReadHello).
bool ReadMessage(MessageReader& r, std::optional<DecodedMessage>* out);

// The first message of a connection, which must be `hello` (§2.4). Comparing
// its schema hash with kSchemaHash is the caller's.
bool ReadHello(MessageReader& r, ConnectionHello* out);

using Command = std::variant<NPUCommandEncoderDispatch,
                             NPUCommandEncoderCopyBufferToBuffer>;

// The next command of a command stream; `out` stays empty at its end.
bool ReadCommand(MessageReader& r, std::optional<Command>* out);

using ServiceMessage = std::variant<NPURequestAdapterReply,
                                    NPUAdapterRequestDeviceReply,
                                    NPUDeviceLoadModelReply,
                                    NPUDevicePopErrorScopeReply,
                                    NPUQueueOnSubmittedWorkDoneReply,
                                    NPUQueueReadBufferReply,
                                    NPUBufferMapAsyncReply,
                                    NPUGraphBuilderBuildReply,
                                    NPUDeviceLostEvent,
                                    NPUDeviceUncapturederrorEvent>;
struct DecodedServiceMessage {
  MessageHeader header;
  ServiceMessage message;
};

// The next reply or event of a frame from the service. A reply must answer a
// request id for which `is_pending` is true (MISSING_REQUEST_ID otherwise).
bool ReadServiceMessage(MessageReader& r,
                        const std::function<bool(uint32_t)>& is_pending,
                        std::optional<DecodedServiceMessage>* out);

}  // namespace webnpu::wire

#endif  // NATIVE_GENERATED_WEBNPU_WIRE_H_
