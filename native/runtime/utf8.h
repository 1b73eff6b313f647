// Strict UTF-8 validation, as Python's `bytes.decode("utf-8")` applies it:
// no overlong forms, no surrogates, nothing above U+10FFFF (Unicode table 3-7).

#ifndef WEBNPU_NATIVE_RUNTIME_UTF8_H_
#define WEBNPU_NATIVE_RUNTIME_UTF8_H_

#include <cstddef>
#include <cstdint>

namespace webnpu::wire {

bool IsValidUtf8(const uint8_t* data, size_t size);

}  // namespace webnpu::wire

#endif  // WEBNPU_NATIVE_RUNTIME_UTF8_H_
