#include "native/runtime/message_reader.h"

#include <cmath>
#include <cstring>
#include <utility>

#include "native/runtime/utf8.h"

namespace webnpu::wire {

namespace {

constexpr uint32_t kKnownFlags = kFlagExpectsReply | kFlagIsReply;

}  // namespace

uint16_t FixedPart::U16(size_t at) const {
  return static_cast<uint16_t>(data_[at] | (data_[at + 1] << 8));
}

uint32_t FixedPart::U32(size_t at) const {
  uint32_t value = 0;
  for (size_t i = 0; i < 4; ++i) {
    value |= static_cast<uint32_t>(data_[at + i]) << (8 * i);
  }
  return value;
}

uint64_t FixedPart::U64(size_t at) const {
  uint64_t value = 0;
  for (size_t i = 0; i < 8; ++i) {
    value |= static_cast<uint64_t>(data_[at + i]) << (8 * i);
  }
  return value;
}

double FixedPart::F64(size_t at) const {
  const uint64_t bits = U64(at);
  double value;
  std::memcpy(&value, &bits, sizeof(value));
  return value;
}

float FixedPart::F32(size_t at) const {
  const uint32_t bits = U32(at);
  float value;
  std::memcpy(&value, &bits, sizeof(value));
  return value;
}

BigInt FixedPart::I128(size_t at) const {
  BigInt value;
  value.low = U64(at);
  value.high = static_cast<int64_t>(U64(at + 8));
  return value;
}

bool FixedPart::IsZero(size_t at, size_t size) const {
  for (size_t i = 0; i < size; ++i) {
    if (data_[at + i] != 0) {
      return false;
    }
  }
  return true;
}

MessageReader::MessageReader(const uint8_t* data,
                             size_t size,
                             std::vector<PlatformHandle> handles)
    : data_(data), limit_(size), end_(size), handles_(std::move(handles)) {}

MessageReader::~MessageReader() = default;

bool MessageReader::Fail(BadMessageKind kind, const std::string& detail) {
  if (!failed_) {
    failed_ = true;
    error_ = kind;
    error_detail_ = detail + " (at offset " + std::to_string(pos_) + ")";
  }
  return false;
}

// --- Framing ----------------------------------------------------------------

bool MessageReader::NextMessage(std::optional<MessageHeader>* header) {
  header->reset();
  if (failed_) {
    return false;
  }
  const size_t left = limit_ - pos_;
  if (left == 0) {
    if (pos_ == 0) {
      return Fail(BadMessageKind::VALIDATION_ERROR_UNEXPECTED_STRUCT_HEADER,
                  "empty frame");
    }
    return true;
  }
  if (left < kMessageHeaderSize) {
    return Fail(BadMessageKind::VALIDATION_ERROR_ILLEGAL_MEMORY_RANGE,
                "too few bytes left for a message header");
  }
  const FixedPart fixed(data_ + pos_);
  MessageHeader read;
  read.num_bytes = fixed.U32(0);
  read.ordinal = fixed.U32(4);
  read.flags = fixed.U32(8);
  read.request_id = fixed.U32(12);
  if (!OpenBlock(read.num_bytes, kMessageHeaderSize, left)) {
    return false;
  }
  if ((read.flags & ~kKnownFlags) != 0 || read.flags == kKnownFlags) {
    return Fail(BadMessageKind::VALIDATION_ERROR_MESSAGE_HEADER_INVALID_FLAGS,
                "unknown or contradictory flags");
  }
  if (read.flags != 0 && read.request_id == 0) {
    return Fail(
        BadMessageKind::VALIDATION_ERROR_MESSAGE_HEADER_MISSING_REQUEST_ID,
        "a reply flag with request id 0");
  }
  if (read.flags == 0 && read.request_id != 0) {
    return Fail(BadMessageKind::VALIDATION_ERROR_MESSAGE_HEADER_INVALID_FLAGS,
                "a request id without a reply flag");
  }
  *header = read;
  return true;
}

bool MessageReader::EndMessage() {
  return CloseBlock();
}

bool MessageReader::NextCommand(std::optional<CommandHeader>* header) {
  header->reset();
  if (failed_) {
    return false;
  }
  const size_t left = limit_ - pos_;
  if (left == 0) {
    return true;
  }
  if (left < kCommandHeaderSize) {
    return Fail(BadMessageKind::VALIDATION_ERROR_ILLEGAL_MEMORY_RANGE,
                "too few bytes left for a command header");
  }
  const FixedPart fixed(data_ + pos_);
  CommandHeader read;
  read.num_bytes = fixed.U32(0);
  read.ordinal = fixed.U32(4);
  if (!OpenBlock(read.num_bytes, kCommandHeaderSize, left)) {
    return false;
  }
  *header = read;
  return true;
}

bool MessageReader::EndCommand() {
  return CloseBlock();
}

bool MessageReader::OpenBlock(uint32_t num_bytes,
                              size_t header_size,
                              size_t left) {
  // Mojo's order (validation_util.cc): alignment, range, then header size.
  if (num_bytes % 8 != 0) {
    return Fail(BadMessageKind::VALIDATION_ERROR_MISALIGNED_OBJECT,
                "num_bytes is not a multiple of 8");
  }
  if (num_bytes > left) {
    return Fail(BadMessageKind::VALIDATION_ERROR_ILLEGAL_MEMORY_RANGE,
                "num_bytes runs past the frame");
  }
  if (num_bytes < header_size) {
    return Fail(BadMessageKind::VALIDATION_ERROR_UNEXPECTED_STRUCT_HEADER,
                "num_bytes smaller than the header");
  }
  end_ = pos_ + num_bytes;
  pos_ += header_size;
  block_open_ = true;
  return true;
}

bool MessageReader::CloseBlock() {
  if (failed_) {
    return false;
  }
  if (pos_ != end_) {
    return Fail(BadMessageKind::VALIDATION_ERROR_UNEXPECTED_STRUCT_HEADER,
                "bytes left over after the payload");
  }
  block_open_ = false;
  end_ = limit_;
  return true;
}

bool MessageReader::Finish() {
  if (failed_) {
    return false;
  }
  if (pos_ != limit_ || block_open_) {
    return Fail(BadMessageKind::VALIDATION_ERROR_UNEXPECTED_STRUCT_HEADER,
                "frame not read to its end");
  }
  if (next_handle_ != handles_.size()) {
    return Fail(BadMessageKind::VALIDATION_ERROR_ILLEGAL_HANDLE,
                "descriptors left unclaimed");
  }
  return true;
}

bool MessageReader::CheckFlags(const MessageHeader& header, uint32_t want) {
  if (header.flags != want) {
    return Fail(BadMessageKind::VALIDATION_ERROR_MESSAGE_HEADER_INVALID_FLAGS,
                "flags do not match the method's kind");
  }
  return true;
}

bool MessageReader::UnknownMethod(uint32_t ordinal, const char* context) {
  return Fail(BadMessageKind::VALIDATION_ERROR_MESSAGE_HEADER_UNKNOWN_METHOD,
              "unknown ordinal " + std::to_string(ordinal) + " at " + context);
}

// --- Values -----------------------------------------------------------------

bool MessageReader::Need(size_t size, size_t* at) {
  if (failed_) {
    return false;
  }
  if (size > end_ - pos_) {
    return Fail(BadMessageKind::VALIDATION_ERROR_ILLEGAL_MEMORY_RANGE,
                "read past the end of the message");
  }
  *at = pos_;
  return true;
}

bool MessageReader::ReadFixed(size_t size, size_t body, FixedPart* out) {
  size_t at;
  if (!Need(size, &at)) {
    return false;
  }
  pos_ = at + size;
  *out = FixedPart(data_ + at);
  if (!out->IsZero(body, size - body)) {
    return Fail(BadMessageKind::VALIDATION_ERROR_DESERIALIZATION_FAILED,
                "non-zero padding after a fixed part");
  }
  return true;
}

bool MessageReader::Pad() {
  if (failed_) {
    return false;
  }
  const size_t size = (8 - pos_ % 8) % 8;
  if (size == 0) {
    return true;
  }
  size_t at;
  if (!Need(size, &at)) {
    return false;
  }
  if (!FixedPart(data_ + at).IsZero(0, size)) {
    return Fail(BadMessageKind::VALIDATION_ERROR_DESERIALIZATION_FAILED,
                "non-zero padding");
  }
  pos_ = at + size;
  return true;
}

bool MessageReader::ReadU32(uint32_t* out) {
  size_t at;
  if (!Need(4, &at)) {
    return false;
  }
  *out = FixedPart(data_ + at).U32(0);
  pos_ = at + 4;
  return true;
}

bool MessageReader::ReadTagWord(uint32_t* out) {
  size_t at;
  if (!Need(8, &at)) {
    return false;
  }
  const FixedPart fixed(data_ + at);
  if (fixed.U32(4) != 0) {
    return Fail(BadMessageKind::VALIDATION_ERROR_DESERIALIZATION_FAILED,
                "non-zero padding after a tag or count");
  }
  *out = fixed.U32(0);
  pos_ = at + 8;
  return true;
}

bool MessageReader::ReadString(uint32_t cap, std::string* out) {
  uint32_t size;
  if (!ReadU32(&size)) {
    return false;
  }
  // A string is a byte array, so an overlong one is an array header error.
  if (size > cap) {
    return Fail(BadMessageKind::VALIDATION_ERROR_UNEXPECTED_ARRAY_HEADER,
                "string longer than its cap");
  }
  size_t at;
  if (!Need(size, &at)) {
    return false;
  }
  pos_ = at + size;
  if (!Pad()) {
    return false;
  }
  if (!IsValidUtf8(data_ + at, size)) {
    return Fail(BadMessageKind::VALIDATION_ERROR_DESERIALIZATION_FAILED,
                "invalid UTF-8");
  }
  out->assign(reinterpret_cast<const char*>(data_ + at), size);
  return true;
}

bool MessageReader::ReadCount(uint64_t min_element_size,
                              bool align8,
                              uint32_t cap,
                              uint32_t* count) {
  uint32_t value;
  if (!(align8 ? ReadTagWord(&value) : ReadU32(&value))) {
    return false;
  }
  if (value > cap) {
    return Fail(BadMessageKind::VALIDATION_ERROR_UNEXPECTED_ARRAY_HEADER,
                "count over its cap");
  }
  // A uint32_t count times a small size cannot overflow 64 bits.
  if (value * min_element_size > end_ - pos_) {
    return Fail(BadMessageKind::VALIDATION_ERROR_UNEXPECTED_ARRAY_HEADER,
                "count larger than the bytes left");
  }
  *count = value;
  return true;
}

bool MessageReader::ReadUnionTag(uint32_t* tag) {
  return ReadTagWord(tag);
}

bool MessageReader::UnknownUnionTag(uint32_t tag) {
  return Fail(BadMessageKind::VALIDATION_ERROR_UNKNOWN_UNION_TAG,
              "union tag " + std::to_string(tag));
}

bool MessageReader::ReadU32Array(uint32_t cap, std::vector<uint32_t>* out) {
  uint32_t count;
  if (!ReadCount(4, false, cap, &count)) {
    return false;
  }
  const FixedPart fixed(data_ + pos_);
  out->resize(count);
  for (uint32_t i = 0; i < count; ++i) {
    (*out)[i] = fixed.U32(4 * i);
  }
  pos_ += 4 * size_t{count};
  return Pad();
}

bool MessageReader::ReadU64Array(uint32_t cap, std::vector<uint64_t>* out) {
  uint32_t count;
  if (!ReadCount(8, true, cap, &count)) {
    return false;
  }
  const FixedPart fixed(data_ + pos_);
  out->resize(count);
  for (uint32_t i = 0; i < count; ++i) {
    (*out)[i] = fixed.U64(8 * i);
  }
  pos_ += 8 * size_t{count};
  return Pad();
}

bool MessageReader::ReadHandleArray(uint32_t cap, std::vector<Handle>* out) {
  uint32_t count;
  if (!ReadCount(8, false, cap, &count)) {
    return false;
  }
  out->resize(count);
  for (Handle& handle : *out) {
    FixedPart fixed;
    if (!ReadFixed(8, 8, &fixed) || !GetHandle(fixed, 0, false, &handle)) {
      return false;
    }
  }
  return Pad();
}

bool MessageReader::ReadStringArray(uint32_t cap,
                                    uint32_t string_cap,
                                    std::vector<std::string>* out) {
  uint32_t count;
  if (!ReadCount(8, true, cap, &count)) {
    return false;
  }
  out->resize(count);
  for (std::string& text : *out) {
    if (!ReadString(string_cap, &text)) {
      return false;
    }
  }
  return true;
}

bool MessageReader::ReadBytes(Bytes* out) {
  uint32_t tag;
  if (!ReadUnionTag(&tag)) {
    return false;
  }
  if (tag == kBytesInline) {
    uint32_t size;
    if (!ReadCount(1, false, kMaxInlineBytes, &size)) {
      return false;
    }
    const uint8_t* start = data_ + pos_;
    pos_ += size;
    if (!Pad()) {
      return false;
    }
    *out = std::vector<uint8_t>(start, start + size);
    return true;
  }
  if (tag != kBytesShared) {
    return UnknownUnionTag(tag);
  }
  FixedPart fixed;
  SharedMemoryRef shared;
  if (!ReadFixed(16, 16, &fixed) || !GetSharedMemoryRef(fixed, 0, &shared)) {
    return false;
  }
  if (shared.size <= kMaxInlineBytes) {
    return Fail(BadMessageKind::VALIDATION_ERROR_DESERIALIZATION_FAILED,
                "64 KiB or less in shared memory must travel inline");
  }
  *out = shared;
  return true;
}

// --- Checked fields of a fixed part
// -------------------------------------------

bool MessageReader::CheckPresence(uint32_t word, uint32_t optional_count) {
  if (optional_count < 32 && (word >> optional_count) != 0) {
    return Fail(BadMessageKind::VALIDATION_ERROR_DESERIALIZATION_FAILED,
                "presence bits beyond the optional members");
  }
  return true;
}

bool MessageReader::CheckAbsentZero(const FixedPart& fixed,
                                    size_t at,
                                    size_t size) {
  // An absent fixed field is zeros (§3.3); comparing bytes also refuses -0.0.
  if (!fixed.IsZero(at, size)) {
    return Fail(BadMessageKind::VALIDATION_ERROR_DESERIALIZATION_FAILED,
                "absent optional field is not zero");
  }
  return true;
}

bool MessageReader::GetBool(const FixedPart& fixed, size_t at, bool* out) {
  const uint8_t value = fixed.U8(at);
  if (value > 1) {
    return Fail(BadMessageKind::VALIDATION_ERROR_DESERIALIZATION_FAILED,
                "boolean byte not 0 or 1");
  }
  *out = value == 1;
  return true;
}

bool MessageReader::GetFinite(const FixedPart& fixed, size_t at, double* out) {
  const double value = fixed.F64(at);
  if (!std::isfinite(value)) {
    return Fail(BadMessageKind::VALIDATION_ERROR_DESERIALIZATION_FAILED,
                "restricted double is not finite");
  }
  *out = value;
  return true;
}

bool MessageReader::GetInRange(const FixedPart& fixed,
                               size_t at,
                               uint64_t* out) {
  const uint64_t value = fixed.U64(at);
  if (value > kEnforceRangeMax) {
    return Fail(BadMessageKind::VALIDATION_ERROR_DESERIALIZATION_FAILED,
                "[EnforceRange] value above 2^53 - 1");
  }
  *out = value;
  return true;
}

bool MessageReader::GetReserved(const FixedPart& fixed,
                                size_t at,
                                uint64_t* out) {
  const uint64_t value = fixed.U64(at);
  if (value != 0) {
    return Fail(BadMessageKind::VALIDATION_ERROR_DESERIALIZATION_FAILED,
                "reserved field is not zero");
  }
  *out = value;
  return true;
}

bool MessageReader::GetHandle(const FixedPart& fixed,
                              size_t at,
                              bool nullable,
                              Handle* out) {
  Handle handle;
  handle.id = fixed.U32(at);
  handle.generation = fixed.U32(at + 4);
  if (handle.id == 0) {
    if (!nullable) {
      return Fail(BadMessageKind::VALIDATION_ERROR_UNEXPECTED_NULL_POINTER,
                  "null handle");
    }
    if (handle.generation != 0) {
      return Fail(BadMessageKind::VALIDATION_ERROR_DESERIALIZATION_FAILED,
                  "null handle with a generation");
    }
  }
  *out = handle;
  return true;
}

bool MessageReader::GetSharedMemoryRef(const FixedPart& fixed,
                                       size_t at,
                                       SharedMemoryRef* out) {
  if (fixed.U32(at + 4) != 0) {
    return Fail(BadMessageKind::VALIDATION_ERROR_DESERIALIZATION_FAILED,
                "SharedMemoryRef.reserved is not zero");
  }
  PlatformHandle handle;
  if (!ClaimHandle(fixed.U32(at), &handle)) {
    return false;
  }
  out->handle = handle;
  out->size = fixed.U64(at + 8);
  return true;
}

bool MessageReader::ClaimHandle(uint32_t index, PlatformHandle* out) {
  // Mojo's ClaimHandle: indices strictly increasing across the frame; since
  // every descriptor must be claimed, none may be skipped either.
  if (index == kNoHandleIndex) {
    return Fail(BadMessageKind::VALIDATION_ERROR_UNEXPECTED_INVALID_HANDLE,
                "descriptor required, index is 0xFFFFFFFF");
  }
  if (index >= handles_.size()) {
    return Fail(BadMessageKind::VALIDATION_ERROR_ILLEGAL_HANDLE,
                "descriptor index beyond the frame's descriptors");
  }
  if (index != next_handle_) {
    return Fail(BadMessageKind::VALIDATION_ERROR_ILLEGAL_HANDLE,
                "descriptor index out of order");
  }
  next_handle_ = index + 1;
  *out = handles_[index];
  return true;
}

}  // namespace webnpu::wire
