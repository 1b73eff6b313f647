// Decoding side of the wire runtime (docs/wire.md §3): a strict reader over
// one frame's payload (or one command stream) and the frame's descriptors.
//
// The format is sequential and pointer-free (§3.2), so the reader is one
// forward cursor with one bounds check per read. Every failure is a bad
// message of the kind §3.5 names, reported once: the first failure sticks,
// every later call returns false, and `error()` says which rule broke. The
// checks and their order are python_service/wire/runtime.py's, so both
// decoders name the same kind for the same bytes (tests/native/).
//
// The reader does not copy: the caller passes memory the peer can no longer
// write (a received frame, or a command stream already copied out of shared
// memory, §3.3).

#ifndef WEBNPU_NATIVE_RUNTIME_MESSAGE_READER_H_
#define WEBNPU_NATIVE_RUNTIME_MESSAGE_READER_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <type_traits>
#include <vector>

#include "native/runtime/bad_message.h"
#include "native/runtime/wire_types.h"

namespace webnpu::wire {

// A struct's fixed part, already bounds-checked: little-endian loads at
// offsets the generator computed (FixedLayout in codegen/model/wire.py).
class FixedPart {
 public:
  FixedPart() = default;
  explicit FixedPart(const uint8_t* data) : data_(data) {}

  uint8_t U8(size_t at) const { return data_[at]; }
  uint16_t U16(size_t at) const;
  uint32_t U32(size_t at) const;
  uint64_t U64(size_t at) const;
  double F64(size_t at) const;
  float F32(size_t at) const;
  BigInt I128(size_t at) const;
  bool IsZero(size_t at, size_t size) const;

 private:
  const uint8_t* data_ = nullptr;
};

struct CommandHeader {
  uint32_t num_bytes = 0;
  uint32_t ordinal = 0;
};

class MessageReader {
 public:
  MessageReader(const uint8_t* data,
                size_t size,
                std::vector<PlatformHandle> handles = {});
  ~MessageReader();

  MessageReader(const MessageReader&) = delete;
  MessageReader& operator=(const MessageReader&) = delete;

  // --- Framing. The Next* calls leave `header` empty at the end of the frame.
  bool NextMessage(std::optional<MessageHeader>* header);
  bool EndMessage();
  bool NextCommand(std::optional<CommandHeader>* header);
  bool EndCommand();
  // At the end of a frame: every descriptor claimed exactly once (§3.3).
  bool Finish();
  // The header's flags against what the method's kind requires (§3.1).
  bool CheckFlags(const MessageHeader& header, uint32_t want);
  bool UnknownMethod(uint32_t ordinal, const char* context);

  // --- Values.
  // A fixed part of `size` bytes whose fields end at `body`; the tail padding
  // must be zero.
  bool ReadFixed(size_t size, size_t body, FixedPart* out);
  bool Pad();
  bool ReadString(uint32_t cap, std::string* out);
  bool ReadBytes(Bytes* out);
  // An array's count, checked against its cap and against the bytes left
  // (count x the smallest element encoding, in 64 bits: no overflow, §3.4).
  bool ReadCount(uint64_t min_element_size,
                 bool align8,
                 uint32_t cap,
                 uint32_t* count);
  bool ReadUnionTag(uint32_t* tag);
  bool UnknownUnionTag(uint32_t tag);
  bool ReadHandleArray(uint32_t cap, std::vector<Handle>* out);
  bool ReadStringArray(uint32_t cap,
                       uint32_t string_cap,
                       std::vector<std::string>* out);
  bool ReadU32Array(uint32_t cap, std::vector<uint32_t>* out);
  bool ReadU64Array(uint32_t cap, std::vector<uint64_t>* out);

  // An `array<enum>`: u32 indices, each below the enum's size; the range
  // check follows the whole array, padding included, as in the Python reader.
  template <typename Enum>
  bool ReadEnumArray(uint32_t cap, std::vector<Enum>* out) {
    std::vector<uint32_t> indices;
    if (!ReadU32Array(cap, &indices)) {
      return false;
    }
    out->clear();
    for (uint32_t index : indices) {
      Enum value;
      if (!GetEnum(index, &value)) {
        return false;
      }
      out->push_back(value);
    }
    return true;
  }

  // --- Checked fields of a fixed part (the generated code calls these).
  bool CheckPresence(uint32_t word, uint32_t optional_count);
  bool CheckAbsentZero(const FixedPart& fixed, size_t at, size_t size);
  bool GetBool(const FixedPart& fixed, size_t at, bool* out);
  bool GetFinite(const FixedPart& fixed, size_t at, double* out);
  bool GetInRange(const FixedPart& fixed, size_t at, uint64_t* out);
  bool GetReserved(const FixedPart& fixed, size_t at, uint64_t* out);
  bool GetHandle(const FixedPart& fixed, size_t at, bool nullable, Handle* out);
  bool GetSharedMemoryRef(const FixedPart& fixed,
                          size_t at,
                          SharedMemoryRef* out);
  template <typename Enum>
  bool GetEnum(const FixedPart& fixed, size_t at, Enum* out) {
    return GetEnum(fixed.U32(at), out);
  }
  // An IDL enum crosses as its u32 declaration index (§2.1); generated enums
  // name their last value kMaxValue.
  template <typename Enum>
  bool GetEnum(uint32_t index, Enum* out) {
    if (index > static_cast<uint32_t>(Enum::kMaxValue)) {
      return Fail(BadMessageKind::VALIDATION_ERROR_UNKNOWN_ENUM_VALUE,
                  "enum index out of range");
    }
    *out = static_cast<Enum>(index);
    return true;
  }

  // Records the first failure; always returns false, so callers can
  // `return r.Fail(...)`.
  bool Fail(BadMessageKind kind, const std::string& detail);
  bool failed() const { return failed_; }
  BadMessageKind error() const { return error_; }
  const std::string& error_detail() const { return error_detail_; }

  size_t position() const { return pos_; }

 private:
  bool Need(size_t size, size_t* at);
  bool ReadU32(uint32_t* out);
  // `u32 value, u32 0`: a union tag, or a count before 8-aligned elements.
  bool ReadTagWord(uint32_t* out);
  bool OpenBlock(uint32_t num_bytes, size_t header_size, size_t left);
  bool CloseBlock();
  bool ClaimHandle(uint32_t index, PlatformHandle* out);

  const uint8_t* data_;
  size_t limit_;
  size_t pos_ = 0;
  size_t end_;  // end of the open message or command
  bool block_open_ = false;
  std::vector<PlatformHandle> handles_;
  size_t next_handle_ = 0;  // claims are strictly increasing, none skipped
  bool failed_ = false;
  BadMessageKind error_ = BadMessageKind::VALIDATION_ERROR_NONE;
  std::string error_detail_;
};

// Arrays of structs and unions: the count is checked against the smallest
// element encoding before anything is decoded (§3.4), then each element goes
// through the generated `Read` overload for its type.
template <typename T>
bool ReadItems(MessageReader& r,
               uint64_t min_size,
               uint32_t cap,
               std::vector<T>* out) {
  uint32_t count;
  if (!r.ReadCount(min_size, true, cap, &count)) {
    return false;
  }
  out->clear();
  out->resize(count);
  for (T& item : *out) {
    if (!Read(r, &item)) {
      return false;
    }
  }
  return true;
}

// `record<K, V>`: entries in order; a duplicate key is not canonical (§3.3),
// checked after every entry decoded, as in the Python reader.
template <typename Entry>
bool ReadRecord(MessageReader& r,
                uint64_t min_size,
                uint32_t cap,
                std::vector<Entry>* out) {
  if (!ReadItems(r, min_size, cap, out)) {
    return false;
  }
  std::set<decltype(Entry::key)> keys;
  for (const Entry& entry : *out) {
    keys.insert(entry.key);
  }
  if (keys.size() != out->size()) {
    return r.Fail(BadMessageKind::VALIDATION_ERROR_DESERIALIZATION_FAILED,
                  "duplicate record key");
  }
  return true;
}

}  // namespace webnpu::wire

#endif  // WEBNPU_NATIVE_RUNTIME_MESSAGE_READER_H_
