// Dsr-Signature: how dsr signs what it sends to recipients and to a message
// gateway, and how it checks what recipients send back (API.md):
//   Dsr-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, t + "." + body)>
// The secret is used as the HMAC key byte for byte, so a recipient can check
// a signature with `openssl dgst -sha256 -hmac "$secret"` (docs/webhooks.md).
// Pure functions; thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace dsr::api {

inline constexpr std::chrono::seconds kSignatureWindow{5 * 60};

// The hex HMAC-SHA256 of `t + "." + body`.
std::string webhook_mac(std::string_view secret, std::int64_t unix_seconds, std::string_view body);

// The header value for `body` signed at `unix_seconds`.
std::string signature_header(std::string_view secret, std::int64_t unix_seconds, std::string_view body);

enum class SignatureCheck { valid, malformed, stale, mismatch };
std::string_view to_string(SignatureCheck check);

// Checks `header` against `body` in constant time; a timestamp further than
// `window` from `now_unix_seconds` (either way) is stale, so that a captured
// request cannot be replayed later.
SignatureCheck check_signature(std::string_view header, std::string_view secret, std::string_view body,
                               std::int64_t now_unix_seconds, std::chrono::seconds window = kSignatureWindow);

}  // namespace dsr::api
