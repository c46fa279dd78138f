// Staff signed in by client certificates, through the router (no sockets:
// the certificate comes as the TLS layer would hand it over), and the names
// dsr keeps certificates under. The TLS layer itself is tested over real
// TLS in tests/client_certificate_test.sh.
#include <catch2/catch.hpp>

#include "api/client_certificates.hpp"
#include "api_support.hpp"

namespace dsr {
namespace {

std::string str(const boost::json::value& v, std::string_view key) { return std::string(v.at(key).as_string()); }

api::ClientCertificate presented(api::ClientCertificate::Verdict verdict, std::string fingerprint = std::string(64, 'a')) {
  api::ClientCertificate c;
  c.verdict = verdict;
  c.issuer = "CN=Staff CA,O=BSrE,C=ID";
  c.serial = "1000";
  c.fingerprint = std::move(fingerprint);
  c.subject = "CN=Sari Supervisor,O=BSrE";
  return c;
}

}  // namespace

TEST_CASE("a sound certificate mapped to staff signs in with no token, and a token, when sent, wins",
          "[api][certificates]") {
  test::ApiHarness h;
  StaffCertificate sari;
  sari.principal = {"Sari Supervisor", Role::supervisor, ""};
  sari.issuer = "CN=Staff CA,O=BSrE,C=ID";
  sari.serial = "1000";
  sari.fingerprint = std::string(64, 'a');
  sari.added_by = "test";
  REQUIRE(h.staff_certificates->add_sync(sari).ok());
  h.presenting = presented(api::ClientCertificate::Verdict::verified);
  auto me = h.call("GET", "/v1/whoami");
  REQUIRE(me.status == 200);
  CHECK(str(me.body, "name") == "Sari Supervisor");
  CHECK(str(me.body, "role") == "supervisor");
  CHECK(str(me.body, "signed_in_with") == "certificate");
  CHECK(h.call("GET", "/v1/requests").status == 200);
  auto admin_only = h.call("GET", "/v1/tokens");
  CHECK(admin_only.status == 403);
  CHECK(str(admin_only.body, "type") == "urn:dsr:problem:role_not_allowed");
  auto page = h.call("GET", "/console/");
  CHECK(page.status == 200);
  CHECK(page.raw.find(R"(<meta name="dsr-certificate" content="staff">)") != std::string::npos);

  auto rudi = h.token(Role::reviewer, "rudi");
  auto by_token = h.call("GET", "/v1/whoami", "", rudi);
  REQUIRE(by_token.status == 200);
  CHECK(str(by_token.body, "name") == "rudi");
  CHECK(str(by_token.body, "signed_in_with") == "token");
  // A wrong token is refused, not replaced by the certificate.
  CHECK(h.call("GET", "/v1/whoami", "", "dsr_guess").status == 401);
}

TEST_CASE("a refused certificate gets a problem naming why on staff routes, a page at the console, and the public "
          "routes as anyone", "[api][certificates]") {
  test::ApiHarness h;
  using V = api::ClientCertificate::Verdict;
  struct Case {
    V verdict;
    std::string kind;
    std::string certificate;
    std::string words;  // on the console's page, in English
  };
  for (const auto& c : std::vector<Case>{
           {V::expired, "certificate_expired", "expired", "This certificate has expired."},
           {V::not_yet_valid, "certificate_not_yet_valid", "not_yet_valid", "This certificate is not valid yet."},
           {V::revoked, "certificate_revoked", "revoked", "This certificate has been revoked by its issuer."},
           {V::untrusted, "certificate_untrusted", "untrusted", "not issued by an authority this server trusts"},
           {V::revocation_unknown, "certificate_unchecked", "revocation_unknown", "its revocation list needs renewing"},
       }) {
    CAPTURE(c.kind);
    h.presenting = presented(c.verdict);
    auto refused = h.call("GET", "/v1/requests");
    CHECK(refused.status == 401);
    CHECK(str(refused.body, "type") == "urn:dsr:problem:" + c.kind);
    CHECK(str(refused.body, "certificate") == c.certificate);
    CHECK(refused.header("WWW-Authenticate") == "Bearer");
    auto page = h.call("GET", "/console/", "", "", "en");
    CHECK(page.status == 401);
    CHECK(page.content_type == "text/html; charset=utf-8");
    CHECK(page.raw.find(c.words) != std::string::npos);
    CHECK(page.raw.find("<code>1000</code>") != std::string::npos);  // the serial, for the administrator
    CHECK(h.call("GET", "/console/index.html").status == 401);
    CHECK(h.call("GET", "/console/console.css").status == 200);  // the page's own style
    CHECK(h.call("GET", "/healthz").status == 200);
  }
  // Sound, but mapped to no one: 403, and how to map it.
  h.presenting = presented(V::verified);
  auto unknown = h.call("GET", "/v1/whoami");
  CHECK(unknown.status == 403);
  CHECK(str(unknown.body, "type") == "urn:dsr:problem:certificate_unknown");
  CHECK(str(unknown.body, "certificate") == "unknown");
  CHECK(str(unknown.body, "detail").find("dsr staff add") != std::string::npos);
  auto page = h.call("GET", "/console/");
  CHECK(page.status == 403);
  CHECK(page.raw.find("belum didaftarkan untuk anggota staf mana pun") != std::string::npos);
  CHECK(page.raw.find("CN=Staff CA,O=BSrE,C=ID") != std::string::npos);
  // None presented: the plain 401, saying none came; the console is told.
  h.presenting = presented(V::none, "");
  auto none = h.call("GET", "/v1/whoami");
  CHECK(none.status == 401);
  CHECK(str(none.body, "certificate") == "none");
  CHECK(h.call("GET", "/console/").raw.find(R"(<meta name="dsr-certificate" content="none">)") != std::string::npos);
  // A server that does not ask: nothing about certificates.
  h.presenting.reset();
  auto plain = h.call("GET", "/v1/whoami");
  CHECK(plain.status == 401);
  CHECK_FALSE(plain.body.as_object().contains("certificate"));
  CHECK(h.call("GET", "/console/").raw.find(R"(<meta name="dsr-certificate" content="off">)") != std::string::npos);
}

TEST_CASE("a certificate's issuer and serial as dsr keeps them, however they are spelt", "[api][certificates]") {
  const std::string ca = "CN=Staff CA,O=BSrE,C=ID";
  CHECK(api::canonical_dn(ca) == ca);
  CHECK(api::canonical_dn("C = ID, O = BSrE, CN = Staff CA") == ca);  // OpenSSL's one-line form
  CHECK(api::canonical_dn("/C=ID/O=BSrE/CN=Staff CA") == ca);          // the old slash form
  CHECK(api::canonical_dn("issuer=CN=Staff CA, O=BSrE ,C=ID") == ca);   // openssl x509 -issuer, spaces
  CHECK(api::canonical_dn("cn=Staff CA,o=BSrE,c=ID") == ca);
  CHECK(api::canonical_dn(R"(CN=Doe\, Jane,O=BSrE)") == R"(CN=Doe\, Jane,O=BSrE)");  // an escaped comma is a comma
  CHECK_FALSE(api::canonical_dn("Staff CA").has_value());
  CHECK_FALSE(api::canonical_dn("").has_value());
  CHECK_FALSE(api::canonical_dn("=Staff CA").has_value());
  CHECK(api::canonical_serial("0A:1B") == "a1b");
  CHECK(api::canonical_serial("0x00FF") == "ff");
  CHECK(api::canonical_serial("1000") == "1000");
  CHECK(api::canonical_serial("000") == "0");
  CHECK_FALSE(api::canonical_serial("xyz").has_value());
  CHECK_FALSE(api::canonical_serial("").has_value());
}


TEST_CASE("a change under a client certificate must come from the console's own origin, as JSON",
          "[api][certificates][csrf]") {
  // A browser presents its certificate to any page's request, as it would a
  // cookie: a hostile page's form or no-cors fetch must not act as staff.
  test::ApiHarness h;
  StaffCertificate admin;
  admin.principal = {"Ari Admin", Role::admin, ""};
  admin.issuer = "CN=Staff CA,O=BSrE,C=ID";
  admin.serial = "1000";
  admin.fingerprint = std::string(64, 'a');
  admin.added_by = "test";
  REQUIRE(h.staff_certificates->add_sync(admin).ok());
  h.presenting = presented(api::ClientCertificate::Verdict::verified);
  const std::string recipient = R"({"name": "Kantor Hukum", "kind": "legal_advisor"})";

  h.extra_headers = {{"Content-Type", "text/plain"}};  // what a cross-site form can send
  auto form = h.call("POST", "/v1/recipients", recipient);
  CHECK(form.status == 403);
  CHECK(str(form.body, "type") == "urn:dsr:problem:cross_site_request");
  CHECK_THAT(str(form.body, "detail"), Catch::Contains("application/json"));

  h.extra_headers = {{"Sec-Fetch-Site", "cross-site"}};
  auto cross = h.call("POST", "/v1/recipients", recipient);
  CHECK(cross.status == 403);
  CHECK_THAT(str(cross.body, "detail"), Catch::Contains("cross-site"));
  CHECK(h.call("GET", "/v1/whoami").status == 200);  // reads are not changes

  h.extra_headers = {{"Sec-Fetch-Site", "same-origin"}};  // the console
  CHECK(h.call("POST", "/v1/recipients", recipient).status == 201);

  // A bearer token is never sent unasked: no such rule for it.
  h.presenting.reset();
  h.extra_headers = {{"Content-Type", "text/plain"}};
  CHECK(h.call("POST", "/v1/recipients", recipient, h.token(Role::admin, "ops")).status == 201);
}

}  // namespace dsr
