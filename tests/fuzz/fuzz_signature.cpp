// Fuzz target: any bytes as a Dsr-Signature header ("t=...,v1=...") on a
// recipient's acknowledgement, checked against a fixed secret and body. It
// must never crash, and never call a signature it did not make valid.
#include <cstddef>
#include <cstdint>
#include <cctype>
#include <cstdlib>
#include <string>

#include "api/webhook_signature.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string header(reinterpret_cast<const char*>(data), size);
  const std::string secret = "whsec_fuzz", body = R"({"notification_id":"n-1"})";
  const std::int64_t now = 1790000000;
  auto verdict = dsr::api::check_signature(header, secret, body, now);
  if (verdict == dsr::api::SignatureCheck::valid) {
    // Only a header carrying the right MAC (hex, in either case) for a time
    // inside the window may pass.
    std::string lowered = header;
    for (auto& c : lowered) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    bool carries_mac = false;
    for (std::int64_t t = now - 300; t <= now + 300 && !carries_mac; ++t)
      carries_mac = lowered.find(dsr::api::webhook_mac(secret, t, body)) != std::string::npos;
    if (!carries_mac) std::abort();
  }
  (void)dsr::api::to_string(verdict);
  return 0;
}
