// The value types every generated struct is made of (docs/wire.md §2.2, §2.5,
// §3.1, §3.3): object handles, 128-bit integers, shared-memory references, the
// `Bytes` union and the message header.

#ifndef WEBNPU_NATIVE_RUNTIME_WIRE_TYPES_H_
#define WEBNPU_NATIVE_RUNTIME_WIRE_TYPES_H_

#include <cstddef>
#include <cstdint>
#include <variant>
#include <vector>

namespace webnpu::wire {

// Message header flags (§3.1).
inline constexpr uint32_t kFlagExpectsReply = 1;
inline constexpr uint32_t kFlagIsReply = 2;
inline constexpr size_t kMessageHeaderSize = 16;
inline constexpr size_t kCommandHeaderSize = 8;

// `SharedMemoryRef.handle_index` meaning "no descriptor" (§3.3).
inline constexpr uint32_t kNoHandleIndex = 0xFFFFFFFF;
// `Bytes` travels inline up to this size and in shared memory above it (§2.5).
inline constexpr uint32_t kMaxInlineBytes = 65536;
// The largest `[EnforceRange] unsigned long long` WebIDL lets through.
inline constexpr uint64_t kEnforceRangeMax = (uint64_t{1} << 53) - 1;
// Descriptors one frame may carry (the channel's limit).
inline constexpr size_t kMaxHandlesPerFrame = 64;

// `Bytes` arms and `Settled` arms (§2.3, §2.5).
inline constexpr uint32_t kBytesInline = 0;
inline constexpr uint32_t kBytesShared = 1;
inline constexpr uint32_t kSettledResolved = 0;
inline constexpr uint32_t kSettledRejected = 1;

// A client-allocated object id and its generation (§2.2). Id 0 is null.
struct Handle {
  uint32_t id = 0;
  uint32_t generation = 0;
};

// A WebIDL `bigint` on the wire: 128-bit two's complement, low word first.
struct BigInt {
  uint64_t low = 0;
  int64_t high = 0;
};

// A descriptor of the frame as the transport knows it: a file descriptor on
// POSIX. The codec only carries it; the embedder owns and maps it.
using PlatformHandle = int;

// `SharedMemoryRef` (§2.5): a descriptor attached to the frame and the size
// the sender announces. On the wire the descriptor is its index in the frame's
// list; the writer appends `handle` to that list and the reader hands back the
// list's entry, after checking that indices are claimed in increasing order.
struct SharedMemoryRef {
  PlatformHandle handle = -1;
  uint64_t size = 0;
};

// `Bytes` (§2.5): inline data (at most kMaxInlineBytes), or a sealed memfd
// holding more than that. The size picks the arm; anything else is not
// canonical and does not decode.
using Bytes = std::variant<std::vector<uint8_t>, SharedMemoryRef>;

// The 16-byte header of every top-level message (§3.1).
struct MessageHeader {
  uint32_t num_bytes = 0;
  uint32_t ordinal = 0;
  uint32_t flags = 0;
  uint32_t request_id = 0;
};

}  // namespace webnpu::wire

#endif  // WEBNPU_NATIVE_RUNTIME_WIRE_TYPES_H_
