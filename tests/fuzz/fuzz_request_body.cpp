// Fuzz target: any bytes as the body of a request to the API, through the
// body parser (depth limit, duplicate keys) and the field reader (types,
// lengths, control characters, unknown fields), as every route reads it.
#include <cstddef>
#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "api/identity_numbers.hpp"
#include "api/json_body.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  dsr::api::HttpRequest request;
  request.method = "POST";
  request.target = "/v1/requests";
  request.body.assign(reinterpret_cast<const char*>(data), size);
  auto parsed = dsr::api::parse_object_body(request, dsr::api::Locale::en);
  auto* object = std::get_if<boost::json::object>(&parsed);
  if (object == nullptr) return 0;
  // The fields of a filing, read as the portal route reads them.
  std::vector<dsr::api::FieldError> errors;
  {
    dsr::api::BodyReader body(*object, "", dsr::api::Locale::en, errors);
    (void)body.one_of("type", true, {"access", "rectification", "erasure", "automated_decision_objection"});
    (void)body.string("locale", false, 2);
    (void)body.string("policy", false, 64);
    (void)body.integer("version", false);
    (void)body.boolean("hold", false);
    if (const auto* subject = body.object("subject", true)) {
      dsr::api::BodyReader s(*subject, "subject", dsr::api::Locale::en, errors);
      if (auto nik = s.string("nik", true, 16)) (void)dsr::api::plausible_nik(*nik);
      if (auto nip = s.string("nip", false, 28)) (void)dsr::api::plausible_nip(*nip);
      if (auto email = s.string("email", false, 254)) (void)dsr::api::plausible_email(*email);
      if (auto phone = s.string("phone", false, 20)) (void)dsr::api::plausible_phone(*phone);
      (void)s.string("name", true, 200);
    }
    if (const auto* details = body.object("details", false)) {
      dsr::api::BodyReader d(*details, "details", dsr::api::Locale::en, errors);
      (void)d.array("corrections", false);
      (void)d.string("grounds", false, 4000);
    }
  }
  for (const auto& e : errors) (void)e.message.size();
  return 0;
}
