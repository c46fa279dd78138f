// The records on file (policy B.3.a): integrating systems keep them up to
// date; an institution may read only its own employees (D.5.a), and any
// other NIK is simply not found.
#include <fmt/format.h>

#include "api/identity_numbers.hpp"
#include "api/route_support.hpp"
#include "api/routes.hpp"

namespace dsr::api {
namespace {

boost::json::object record_view(const std::string& ref, const SubjectRecord& r) {
  boost::json::object categories;
  for (const auto& [k, v] : r.categories) categories[k] = v;
  return {{"subject_ref", ref},         {"name", r.name},   {"nik", r.nik},     {"nip", r.nip},
          {"organization", r.organization}, {"unit", r.unit}, {"position", r.position}, {"email", r.email},
          {"phone", r.phone},           {"face_photo_ref", r.face_photo_ref}, {"categories", std::move(categories)}};
}

void put_subject(const HttpRequest& http, ApiContext& context, const std::string& nik, Respond respond) {
  Locale l = locale_of(http);
  if (!plausible_nik(nik)) return respond(validation_problem(l, {{"nik", std::string(text::kNikShape.in(l))}}));
  auto parsed = parse_object_body(http, l);
  if (auto* answer = std::get_if<HttpResponse>(&parsed)) return respond(std::move(*answer));
  std::vector<FieldError> errors;
  SubjectRecord record;
  record.nik = nik;
  {
    BodyReader body(std::get<boost::json::object>(parsed), "", l, errors);
    record.name = body.string("name", true, 200).value_or("");
    record.email = body.string("email", false, 254).value_or("");
    if (!record.email.empty() && !plausible_email(record.email)) body.error("email", text::kEmailShape.in(l));
    record.phone = body.string("phone", false, 20).value_or("");
    if (!record.phone.empty() && !plausible_phone(record.phone)) body.error("phone", text::kPhoneShape.in(l));
    record.nip = body.string("nip", false, 18 + 10).value_or("");
    if (!record.nip.empty() && !plausible_nip(record.nip)) body.error("nip", text::kNipShape.in(l));
    record.organization = body.string("organization", false, 200).value_or("");
    record.unit = body.string("unit", false, 200).value_or("");
    record.position = body.string("position", false, 200).value_or("");
    record.face_photo_ref = body.string("face_photo_ref", false, 500).value_or("");
    if (const auto* categories = body.object("categories", false)) {
      for (const auto& [key, value] : *categories) {
        if (!value.is_string()) {
          errors.push_back({fmt::format("categories.{}", std::string_view(key)), std::string(text::kNotString.in(l))});
          continue;
        }
        record.categories.emplace(std::string(key), std::string(value.get_string()));
      }
    }
  }
  if (!errors.empty()) return respond(validation_problem(l, errors));
  auto found = context.vault.find_by_nik(nik);
  bool existed = found && found->has_value();
  context.vault.put(record, [l, existed, record, respond = std::move(respond)](Result<std::string> ref) {
    if (!ref) return respond(problem_for(ref.error(), l));
    respond(json_response(existed ? 200 : 201, record_view(*ref, record)));
  });
}

void get_subject(const HttpRequest& http, const Caller& caller, ApiContext& context, const std::string& nik,
                 Respond respond) {
  Locale l = locale_of(http);
  auto not_found = [&] { return problem(404, "not_found", text::kNotFound.in(l), "no subject with this NIK on file"); };
  if (!plausible_nik(nik)) return respond(validation_problem(l, {{"nik", std::string(text::kNikShape.in(l))}}));
  auto ref = context.vault.find_by_nik(nik);
  if (!ref) return respond(problem_for(ref.error(), l));
  if (!ref->has_value()) return respond(not_found());
  auto record = context.vault.get(**ref);
  if (!record) return respond(problem_for(record.error(), l));
  // An institution sees its own people only; others are "not found", not
  // "forbidden", so that NIKs cannot be probed.
  if (caller.principal.role == Role::institution && record->organization != caller.principal.organization)
    return respond(not_found());
  if (caller.principal.role != Role::institution) return respond(json_response(200, record_view(**ref, *record)));
  // An institution's read is a disclosure (D.4): recorded before the data leaves.
  std::string subject_ref = **ref;
  auto body = record_view(subject_ref, *record);
  context.disclosures.institution_recipient(
      caller.principal.organization,
      [&context, l, caller, subject_ref, body = std::move(body), respond = std::move(respond)](Result<std::string> recipient) mutable {
        if (!recipient) return respond(problem_for(recipient.error(), l));
        Disclosure d{subject_ref, *recipient,
                     {"name", "nik", "nip", "organization", "unit", "position", "email", "phone", "face_photo_ref"},
                     "read through the API by an institution for its own employee (policy D.5.a)",
                     context.clock.now(), caller.principal.name};
        context.disclosures.record(std::move(d), [l, body = std::move(body), respond = std::move(respond)](Result<std::string> id) mutable {
          if (!id) return respond(problem_for(id.error(), l));
          respond(json_response(200, body));
        });
      });
}

// PUT /v1/subjects/{nik}/legal-hold {"hold": true|false, "reason": "..."}:
// keeps the record from the retention sweep (docs/retention.md) or lets it go.
void put_legal_hold(const HttpRequest& http, const Caller& caller, ApiContext& context, const std::string& nik,
                    Respond respond) {
  Locale l = locale_of(http);
  if (!plausible_nik(nik)) return respond(validation_problem(l, {{"nik", std::string(text::kNikShape.in(l))}}));
  auto parsed = parse_object_body(http, l);
  if (auto* answer = std::get_if<HttpResponse>(&parsed)) return respond(std::move(*answer));
  std::vector<FieldError> errors;
  LegalHold hold;
  {
    BodyReader body(std::get<boost::json::object>(parsed), "", l, errors);
    hold.hold = body.boolean("hold", true).value_or(false);
    hold.reason = body.string("reason", true, 500).value_or("");
    if (hold.reason.empty() && errors.empty()) body.error("reason", text::kEmpty.in(l));
  }
  if (!errors.empty()) return respond(validation_problem(l, errors));
  auto ref = context.vault.find_by_nik(nik);
  if (!ref) return respond(problem_for(ref.error(), l));
  if (!ref->has_value()) return respond(problem(404, "not_found", text::kNotFound.in(l), "no subject with this NIK on file"));
  hold.by = caller.principal.name;
  hold.at = context.clock.now();
  std::string subject_ref = **ref;
  bool placed = hold.hold;
  context.vault.set_legal_hold(subject_ref, std::move(hold), [l, subject_ref, placed, respond = std::move(respond)](Status done) {
    if (!done) return respond(problem_for(done.error(), l));
    respond(json_response(200, boost::json::object{{"subject_ref", subject_ref}, {"legal_hold", placed}}));
  });
}

}  // namespace

void add_subject_routes(Router& router, ApiContext& context) {
  router.add({"PUT", "/v1/subjects/{nik}/legal-hold", "Place or lift a legal hold (kept from the retention sweep)",
              {false, false, {Role::supervisor, Role::admin}},
              [&context](const HttpRequest& http, const Caller& caller, const RouteParams& p, Respond respond) {
                put_legal_hold(http, caller, context, p.at("nik"), std::move(respond));
              }});
  router.add({"PUT", "/v1/subjects/{nik}", "Create or update the record on file", {false, false, {Role::system}},
              [&context](const HttpRequest& http, const Caller&, const RouteParams& p, Respond respond) {
                put_subject(http, context, p.at("nik"), std::move(respond));
              }});
  router.add({"GET", "/v1/subjects/{nik}", "Read a record on file (institutions: own organisation only)",
              {false, false, {Role::system, Role::institution}},
              [&context](const HttpRequest& http, const Caller& caller, const RouteParams& p, Respond respond) {
                get_subject(http, caller, context, p.at("nik"), std::move(respond));
              }});
}

}  // namespace dsr::api
