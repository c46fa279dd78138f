#include "api/webhook_signature.hpp"

#include <sodium.h>

#include <array>
#include <charconv>
#include <cstdlib>
#include <string>

namespace dsr::api {
namespace {

constexpr std::size_t kMacHexLength = 2 * crypto_auth_hmacsha256_BYTES;

std::string_view field(std::string_view header, std::string_view name) {
  // "t=...,v1=..." in any order; spaces after commas are tolerated.
  while (!header.empty()) {
    auto comma = header.find(',');
    std::string_view part = header.substr(0, comma);
    while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
    if (part.size() > name.size() && part.starts_with(name) && part[name.size()] == '=')
      return part.substr(name.size() + 1);
    if (comma == std::string_view::npos) break;
    header.remove_prefix(comma + 1);
  }
  return {};
}

}  // namespace

std::string webhook_mac(std::string_view secret, std::int64_t unix_seconds, std::string_view body) {
  crypto_auth_hmacsha256_state state;
  crypto_auth_hmacsha256_init(&state, reinterpret_cast<const unsigned char*>(secret.data()), secret.size());
  std::string prefix = std::to_string(unix_seconds) + ".";
  crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char*>(prefix.data()), prefix.size());
  crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char*>(body.data()), body.size());
  std::array<unsigned char, crypto_auth_hmacsha256_BYTES> mac{};
  crypto_auth_hmacsha256_final(&state, mac.data());
  std::string hex(kMacHexLength + 1, '\0');
  sodium_bin2hex(hex.data(), hex.size(), mac.data(), mac.size());
  hex.pop_back();
  return hex;
}

std::string signature_header(std::string_view secret, std::int64_t unix_seconds, std::string_view body) {
  return "t=" + std::to_string(unix_seconds) + ",v1=" + webhook_mac(secret, unix_seconds, body);
}

std::string_view to_string(SignatureCheck check) {
  switch (check) {
    case SignatureCheck::valid: return "valid";
    case SignatureCheck::malformed: return "malformed";
    case SignatureCheck::stale: return "stale";
    case SignatureCheck::mismatch: return "mismatch";
  }
  return "unknown";
}

SignatureCheck check_signature(std::string_view header, std::string_view secret, std::string_view body,
                               std::int64_t now_unix_seconds, std::chrono::seconds window) {
  std::string_view t = field(header, "t"), given = field(header, "v1");
  std::int64_t at = 0;
  auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), at);
  if (t.empty() || ec != std::errc{} || end != t.data() + t.size() || given.size() != kMacHexLength)
    return SignatureCheck::malformed;
  if (std::llabs(now_unix_seconds - at) > window.count()) return SignatureCheck::stale;
  std::string expected = webhook_mac(secret, at, body);
  std::string lowered(given);
  for (char& c : lowered)
    if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
  return sodium_memcmp(expected.data(), lowered.data(), kMacHexLength) == 0 ? SignatureCheck::valid
                                                                            : SignatureCheck::mismatch;
}

}  // namespace dsr::api
