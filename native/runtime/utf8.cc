#include "native/runtime/utf8.h"

namespace webnpu::wire {

bool IsValidUtf8(const uint8_t* data, size_t size) {
  size_t i = 0;
  while (i < size) {
    const uint8_t lead = data[i];
    if (lead < 0x80) {
      ++i;
      continue;
    }
    // The lead byte fixes the sequence length and the range of the second
    // byte; the remaining bytes are plain continuation bytes.
    size_t length = 0;
    uint8_t low = 0x80;
    uint8_t high = 0xBF;
    if (lead >= 0xC2 && lead <= 0xDF) {
      length = 2;
    } else if (lead == 0xE0) {
      length = 3;
      low = 0xA0;
    } else if (lead == 0xED) {
      length = 3;
      high = 0x9F;  // U+D800..U+DFFF are surrogates, not characters
    } else if (lead >= 0xE1 && lead <= 0xEF) {
      length = 3;
    } else if (lead == 0xF0) {
      length = 4;
      low = 0x90;
    } else if (lead == 0xF4) {
      length = 4;
      high = 0x8F;  // nothing above U+10FFFF
    } else if (lead >= 0xF1 && lead <= 0xF3) {
      length = 4;
    } else {
      return false;
    }
    if (size - i < length) {
      return false;
    }
    if (data[i + 1] < low || data[i + 1] > high) {
      return false;
    }
    for (size_t k = 2; k < length; ++k) {
      if (data[i + k] < 0x80 || data[i + k] > 0xBF) {
        return false;
      }
    }
    i += length;
  }
  return true;
}

}  // namespace webnpu::wire
