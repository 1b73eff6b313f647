// The C++ side of tests/native/: answers requests on stdin, one per line.
//
//   E <index>
//       Encode test vector <index> (vectors.inc, written by vectors.py).
//   D <context> <descriptors> <pending request id> <hex>
//       Decode a frame as a receiver in <context> does ("hello", "message",
//       "command" or "service"), then encode again everything it decoded.
//
// Answers: "ok <hex> <descriptor indices or ->" for bytes, "bad <KIND>" for a
// frame the decoder rejects, "fail <why>" for a value the writer refuses.

#include <cstdint>
#include <cstdio>
#include <iostream>
#include <limits>
#include <numeric>
#include <optional>
#include <sstream>
#include <string>
#include <variant>
#include <vector>

#include "native/generated/webnpu_wire.h"

namespace webnpu::wire {
namespace {

std::vector<uint8_t> Unhex(const std::string& hex) {
  std::vector<uint8_t> bytes;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    bytes.push_back(
        static_cast<uint8_t>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  }
  return bytes;
}

std::string Hex(const std::vector<uint8_t>& bytes) {
  static const char kDigits[] = "0123456789abcdef";
  std::string text;
  for (uint8_t b : bytes) {
    text += kDigits[b >> 4];
    text += kDigits[b & 15];
  }
  return text.empty() ? "-" : text;
}

using Encoder = void (*)(MessageWriter&);

#include "vectors.inc"

std::string Written(const MessageWriter& w) {
  if (!w.ok()) {
    return "fail " + w.error();
  }
  std::string handles;
  for (PlatformHandle handle : w.handles()) {
    handles += (handles.empty() ? "" : ",") + std::to_string(handle);
  }
  return "ok " + Hex(w.bytes()) + " " + (handles.empty() ? "-" : handles);
}

std::string Decode(const std::string& context,
                   size_t descriptors,
                   uint32_t pending,
                   const std::vector<uint8_t>& frame) {
  // The frame's descriptors are numbered 0, 1, ...: a decoded reference then
  // names its index, and encoding it again claims the same one.
  std::vector<PlatformHandle> handles(descriptors);
  std::iota(handles.begin(), handles.end(), 0);
  MessageReader r(frame.data(), frame.size(), handles);
  MessageWriter w;
  bool ok = true;
  if (context == "hello") {
    ConnectionHello hello;
    ok = ReadHello(r, &hello);
    if (ok) {
      EncodeMessage(w, hello, 0);
    }
  }
  if (context == "hello" || context == "message") {
    std::optional<DecodedMessage> decoded;
    while (ok && (ok = ReadMessage(r, &decoded)) && decoded) {
      std::visit(
          [&](const auto& message) {
            EncodeMessage(w, message, decoded->header.request_id);
          },
          decoded->message);
    }
  } else if (context == "command") {
    std::optional<Command> decoded;
    while (ok && (ok = ReadCommand(r, &decoded)) && decoded) {
      std::visit([&](const auto& command) { EncodeCommand(w, command); },
                 *decoded);
    }
  } else if (context == "service") {
    auto is_pending = [pending](uint32_t id) {
      return pending != 0 && id == pending;
    };
    std::optional<DecodedServiceMessage> decoded;
    while (ok && (ok = ReadServiceMessage(r, is_pending, &decoded)) &&
           decoded) {
      std::visit(
          [&](const auto& message) {
            EncodeMessage(w, message, decoded->header.request_id);
          },
          decoded->message);
    }
  } else {
    return "fail unknown context " + context;
  }
  if (ok) {
    ok = r.Finish();
  }
  if (!ok) {
    return std::string("bad ") + BadMessageKindToString(r.error());
  }
  return Written(w);
}

std::string Answer(const std::string& line) {
  std::istringstream in(line);
  std::string verb;
  in >> verb;
  if (verb == "E") {
    size_t index;
    in >> index;
    if (index >= sizeof(kEncoders) / sizeof(kEncoders[0])) {
      return "fail no such vector";
    }
    MessageWriter w;
    kEncoders[index](w);
    return Written(w);
  }
  if (verb == "D") {
    std::string context;
    std::string hex;
    size_t descriptors;
    uint32_t pending;
    in >> context >> descriptors >> pending >> hex;
    return Decode(context, descriptors, pending, Unhex(hex == "-" ? "" : hex));
  }
  return "fail unknown request " + verb;
}

}  // namespace
}  // namespace webnpu::wire

int main() {
  std::ios::sync_with_stdio(false);
  std::string line;
  while (std::getline(std::cin, line)) {
    std::cout << webnpu::wire::Answer(line) << '\n';
  }
  return 0;
}
