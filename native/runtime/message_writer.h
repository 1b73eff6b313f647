// Encoding side of the wire runtime (docs/wire.md §3): one frame's payload,
// messages back to back, plus the descriptors the frame carries.
//
// The generated code (native/generated/) knows the schema: field order, fixed
// layouts, presence bits, caps. This class knows the bytes: little-endian
// scalars, zero padding to 8, counted strings and arrays, union tags and
// descriptor claims. It writes exactly one encoding per value, the one the
// decoder accepts (canonical encoding, §0.3).
//
// Encoding a value the schema forbids (a string over its cap, a duplicate
// record key, inline bytes over 64 KiB) is a bug in the caller: the writer
// records the first such error and `ok()` turns false, rather than producing
// bytes the peer would reject as a bad message.

#ifndef WEBNPU_NATIVE_RUNTIME_MESSAGE_WRITER_H_
#define WEBNPU_NATIVE_RUNTIME_MESSAGE_WRITER_H_

#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <type_traits>
#include <vector>

#include "native/runtime/wire_types.h"

namespace webnpu::wire {

class MessageWriter {
 public:
  MessageWriter();
  ~MessageWriter();

  MessageWriter(const MessageWriter&) = delete;
  MessageWriter& operator=(const MessageWriter&) = delete;

  // Framing. Begin* returns the block's start, which End* needs to fill in
  // the block's size once its payload is written.
  size_t BeginMessage(uint32_t ordinal, uint32_t flags, uint32_t request_id);
  void EndMessage(size_t start);
  size_t BeginCommand(uint32_t ordinal);
  void EndCommand(size_t start);

  // A struct's fixed part: `size` zero bytes (absent optional fields and the
  // tail padding stay zero); returns its offset for the Put calls.
  size_t AppendFixed(size_t size);
  void Put(size_t at, bool value);
  void Put(size_t at, uint8_t value);
  void Put(size_t at, int8_t value);
  void Put(size_t at, uint16_t value);
  void Put(size_t at, int16_t value);
  void Put(size_t at, uint32_t value);
  void Put(size_t at, int32_t value);
  void Put(size_t at, uint64_t value);
  void Put(size_t at, int64_t value);
  void Put(size_t at, float value);
  void Put(size_t at, double value);
  void Put(size_t at, const Handle& value);
  void Put(size_t at, const BigInt& value);
  // Claims a descriptor of the frame for the reference.
  void Put(size_t at, const SharedMemoryRef& value);
  template <typename Enum,
            typename = std::enable_if_t<std::is_enum<Enum>::value>>
  void Put(size_t at, Enum value) {
    Put(at, static_cast<uint32_t>(value));
  }

  // The variable part: each value starts 8-aligned and ends zero-padded to 8.
  void WriteString(const std::string& text, uint32_t cap);
  void WriteBytes(const Bytes& bytes);
  // An array's count; `align8` when its elements start 8-aligned (§3.3).
  void WriteCount(size_t count, bool align8, uint32_t cap);
  void WriteUnionTag(uint32_t tag);
  void Pad();

  template <typename T>
  void WriteScalarArray(const std::vector<T>& values, uint32_t cap) {
    constexpr size_t kSize = std::is_enum<T>::value ? 4 : sizeof(T);
    WriteCount(values.size(), kSize == 8, cap);
    for (const T& value : values) {
      Put(AppendFixed(kSize), value);
    }
    Pad();
  }
  void WriteHandleArray(const std::vector<Handle>& handles, uint32_t cap);
  void WriteStringArray(const std::vector<std::string>& texts,
                        uint32_t cap,
                        uint32_t string_cap);

  // Attaches a descriptor to the frame; returns its index.
  uint32_t ClaimHandle(PlatformHandle handle);

  // Records the first encoding error (a bug in the caller, see above).
  void Fail(const std::string& why);
  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }

  const std::vector<uint8_t>& bytes() const { return buffer_; }
  const std::vector<PlatformHandle>& handles() const { return handles_; }

 private:
  void PutBytes(size_t at, const void* data, size_t size);
  void EndBlock(size_t start);

  std::vector<uint8_t> buffer_;
  std::vector<PlatformHandle> handles_;
  std::string error_;
};

// Arrays of structs and unions: count (elements 8-aligned), then each
// element through the generated `Write` overload for its type.
template <typename T>
void WriteItems(MessageWriter& w, const std::vector<T>& items, uint32_t cap) {
  w.WriteCount(items.size(), true, cap);
  for (const T& item : items) {
    Write(w, item);
  }
}

// `record<K, V>`: an array of generated entry structs {key, value}. Keys are
// unique on the wire (§3.3), so a duplicate is the caller's error.
template <typename Entry>
void WriteRecord(MessageWriter& w,
                 const std::vector<Entry>& entries,
                 uint32_t cap) {
  std::set<decltype(Entry::key)> keys;
  for (const Entry& entry : entries) {
    if (!keys.insert(entry.key).second) {
      w.Fail("duplicate record key");
    }
  }
  WriteItems(w, entries, cap);
}

// A whole top-level message (request, reply, event or `hello`): header, then
// the generated payload. `T::kFlags` says which flags its kind carries; the
// request id must be nonzero exactly when it carries one (§3.1).
template <typename T>
void EncodeMessage(MessageWriter& w, const T& message, uint32_t request_id) {
  if ((T::kFlags != 0) != (request_id != 0)) {
    w.Fail("a request id goes with a reply flag, and only with one");
  }
  const size_t start = w.BeginMessage(T::kOrdinal, T::kFlags, request_id);
  Write(w, message);
  w.EndMessage(start);
}

// A command of an encoder's command stream (§4): {num_bytes, ordinal}, then
// the payload.
template <typename T>
void EncodeCommand(MessageWriter& w, const T& command) {
  const size_t start = w.BeginCommand(T::kOrdinal);
  Write(w, command);
  w.EndCommand(start);
}

}  // namespace webnpu::wire

#endif  // WEBNPU_NATIVE_RUNTIME_MESSAGE_WRITER_H_
