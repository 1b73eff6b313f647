#include "native/runtime/message_writer.h"

#include <cstring>

#include "native/runtime/utf8.h"

namespace webnpu::wire {

MessageWriter::MessageWriter() = default;
MessageWriter::~MessageWriter() = default;

size_t MessageWriter::BeginMessage(uint32_t ordinal,
                                   uint32_t flags,
                                   uint32_t request_id) {
  const size_t start = AppendFixed(kMessageHeaderSize);
  Put(start + 4, ordinal);
  Put(start + 8, flags);
  Put(start + 12, request_id);
  return start;
}

void MessageWriter::EndMessage(size_t start) {
  EndBlock(start);
}

size_t MessageWriter::BeginCommand(uint32_t ordinal) {
  const size_t start = AppendFixed(kCommandHeaderSize);
  Put(start + 4, ordinal);
  return start;
}

void MessageWriter::EndCommand(size_t start) {
  EndBlock(start);
}

void MessageWriter::EndBlock(size_t start) {
  // Every value pads itself to 8, so a block always ends aligned.
  const size_t size = buffer_.size() - start;
  if (size > UINT32_MAX) {
    Fail("message larger than 4 GiB");
    return;
  }
  Put(start, static_cast<uint32_t>(size));
}

size_t MessageWriter::AppendFixed(size_t size) {
  const size_t at = buffer_.size();
  buffer_.resize(at + size, 0);
  return at;
}

void MessageWriter::PutBytes(size_t at, const void* data, size_t size) {
  std::memcpy(buffer_.data() + at, data, size);
}

// Scalars are written byte by byte, least significant first, so the output
// is little-endian whatever the host's byte order.
void MessageWriter::Put(size_t at, uint64_t value) {
  for (size_t i = 0; i < 8; ++i) {
    buffer_[at + i] = static_cast<uint8_t>(value >> (8 * i));
  }
}

void MessageWriter::Put(size_t at, uint32_t value) {
  for (size_t i = 0; i < 4; ++i) {
    buffer_[at + i] = static_cast<uint8_t>(value >> (8 * i));
  }
}

void MessageWriter::Put(size_t at, uint16_t value) {
  buffer_[at] = static_cast<uint8_t>(value);
  buffer_[at + 1] = static_cast<uint8_t>(value >> 8);
}

void MessageWriter::Put(size_t at, uint8_t value) {
  buffer_[at] = value;
}

void MessageWriter::Put(size_t at, bool value) {
  buffer_[at] = value ? 1 : 0;
}

void MessageWriter::Put(size_t at, int8_t value) {
  Put(at, static_cast<uint8_t>(value));
}

void MessageWriter::Put(size_t at, int16_t value) {
  Put(at, static_cast<uint16_t>(value));
}

void MessageWriter::Put(size_t at, int32_t value) {
  Put(at, static_cast<uint32_t>(value));
}

void MessageWriter::Put(size_t at, int64_t value) {
  Put(at, static_cast<uint64_t>(value));
}

void MessageWriter::Put(size_t at, float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, sizeof(bits));
  Put(at, bits);
}

void MessageWriter::Put(size_t at, double value) {
  uint64_t bits;
  std::memcpy(&bits, &value, sizeof(bits));
  Put(at, bits);
}

void MessageWriter::Put(size_t at, const Handle& value) {
  Put(at, value.id);
  Put(at + 4, value.generation);
}

void MessageWriter::Put(size_t at, const BigInt& value) {
  Put(at, value.low);
  Put(at + 8, value.high);
}

void MessageWriter::Put(size_t at, const SharedMemoryRef& value) {
  Put(at, ClaimHandle(value.handle));
  Put(at + 4, uint32_t{0});  // reserved
  Put(at + 8, value.size);
}

void MessageWriter::Pad() {
  AppendFixed((8 - buffer_.size() % 8) % 8);
}

void MessageWriter::WriteString(const std::string& text, uint32_t cap) {
  if (text.size() > cap) {
    Fail("string longer than its cap");
  }
  const auto* data = reinterpret_cast<const uint8_t*>(text.data());
  if (!IsValidUtf8(data, text.size())) {
    Fail("string is not valid UTF-8");
  }
  Put(AppendFixed(4), static_cast<uint32_t>(text.size()));
  const size_t at = AppendFixed(text.size());
  if (!text.empty()) {
    PutBytes(at, data, text.size());
  }
  Pad();
}

void MessageWriter::WriteBytes(const Bytes& bytes) {
  if (const auto* data = std::get_if<std::vector<uint8_t>>(&bytes)) {
    if (data->size() > kMaxInlineBytes) {
      Fail("more than 64 KiB inline; use shared memory");
    }
    WriteUnionTag(kBytesInline);
    Put(AppendFixed(4), static_cast<uint32_t>(data->size()));
    const size_t at = AppendFixed(data->size());
    if (!data->empty()) {
      PutBytes(at, data->data(), data->size());
    }
    Pad();
    return;
  }
  const auto& shared = std::get<SharedMemoryRef>(bytes);
  if (shared.size <= kMaxInlineBytes) {
    Fail("64 KiB or less must travel inline (the canonical arm)");
  }
  WriteUnionTag(kBytesShared);
  Put(AppendFixed(16), shared);
}

void MessageWriter::WriteCount(size_t count, bool align8, uint32_t cap) {
  if (count > cap) {
    Fail("array longer than its cap");
  }
  Put(AppendFixed(align8 ? 8 : 4), static_cast<uint32_t>(count));
}

void MessageWriter::WriteUnionTag(uint32_t tag) {
  Put(AppendFixed(8), tag);
}

void MessageWriter::WriteHandleArray(const std::vector<Handle>& handles,
                                     uint32_t cap) {
  WriteCount(handles.size(), false, cap);
  for (const Handle& handle : handles) {
    Put(AppendFixed(8), handle);
  }
  Pad();
}

void MessageWriter::WriteStringArray(const std::vector<std::string>& texts,
                                     uint32_t cap,
                                     uint32_t string_cap) {
  WriteCount(texts.size(), true, cap);
  for (const std::string& text : texts) {
    WriteString(text, string_cap);
  }
}

uint32_t MessageWriter::ClaimHandle(PlatformHandle handle) {
  if (handles_.size() >= kMaxHandlesPerFrame) {
    Fail("more descriptors than one frame carries");
  }
  handles_.push_back(handle);
  return static_cast<uint32_t>(handles_.size() - 1);
}

void MessageWriter::Fail(const std::string& why) {
  if (error_.empty()) {
    error_ = why;
  }
}

}  // namespace webnpu::wire
