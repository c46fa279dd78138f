// The Dsr-Signature scheme that recipients and gateways rely on
// (docs/webhooks.md): the expected value below was computed with the
// documented shell snippet, `openssl dgst -sha256 -hmac "$secret"`, so the
// page and the code cannot drift apart.
#include <catch2/catch.hpp>

#include "api/webhook_signature.hpp"

using namespace dsr::api;

namespace {
const std::string kSecret = "whsec_example";
const std::string kBody = R"({"notification_id":"n-1","request_id":"r-1","type":"erasure","subject":{"nik":"3171012303850007"}})";
constexpr std::int64_t kTime = 1795939200;
const std::string kByOpenssl = "2a5b41c95669dfd09150a9d431196663a1f9fb9bae8943a30ab8549c76374ca4";
}  // namespace

TEST_CASE("dsr signs as the documented openssl snippet computes", "[signature]") {
  CHECK(webhook_mac(kSecret, kTime, kBody) == kByOpenssl);
  CHECK(signature_header(kSecret, kTime, kBody) == "t=1795939200,v1=" + kByOpenssl);
}

TEST_CASE("a signature is checked for shape, freshness and match", "[signature]") {
  std::string header = signature_header(kSecret, kTime, kBody);
  CHECK(check_signature(header, kSecret, kBody, kTime + 299) == SignatureCheck::valid);
  CHECK(check_signature(header, kSecret, kBody, kTime - 299) == SignatureCheck::valid);
  CHECK(check_signature("v1=" + kByOpenssl + ", t=1795939200", kSecret, kBody, kTime) == SignatureCheck::valid);
  SECTION("five minutes either way is the replay window") {
    CHECK(check_signature(header, kSecret, kBody, kTime + 301) == SignatureCheck::stale);
    CHECK(check_signature(header, kSecret, kBody, kTime - 301) == SignatureCheck::stale);
  }
  SECTION("another secret, another body or another time does not match") {
    CHECK(check_signature(header, "whsec_other", kBody, kTime) == SignatureCheck::mismatch);
    CHECK(check_signature(header, kSecret, kBody + " ", kTime) == SignatureCheck::mismatch);
    std::string moved = "t=1795939201,v1=" + kByOpenssl;
    CHECK(check_signature(moved, kSecret, kBody, kTime) == SignatureCheck::mismatch);
  }
  SECTION("malformed headers are refused before any comparison") {
    for (std::string bad : std::vector<std::string>{"", "t=,v1=" + kByOpenssl, "t=17959x9200,v1=" + kByOpenssl, "t=1795939200",
                            "t=1795939200,v1=abc", "v1=" + kByOpenssl})
      CHECK(check_signature(bad, kSecret, kBody, kTime) == SignatureCheck::malformed);
  }
}
