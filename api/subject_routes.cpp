// The records on file (policy B.3.a): integrating systems keep them up to
// date; an institution may read only its own employees (D.5.a), and any
// other NIK is simply not found. A record carries the restriction of
// processing in force on it (UU PDP Pasal 41). The consent ledger (C.3,
// H.2): systems record consents given and withdrawn, and read them; staff
// read a subject's consents while they work a request of that subject.
#include <fmt/format.h>

#include <charconv>

#include "api/access_record.hpp"
#include "api/identity_numbers.hpp"
#include "api/route_support.hpp"
#include "api/routes.hpp"
#include "api/subject_views.hpp"
#include "engine/portable_export.hpp"

namespace dsr::api {
namespace {

boost::json::object record_view(const std::string& ref, const SubjectRecord& r,
                                const std::optional<Restriction>& restriction) {
  boost::json::object view = record_json(r);
  view["subject_ref"] = ref;
  view["restricted"] = restriction_view(restriction);
  return view;
}

// PUT takes a record as GET gives it: the fields dsr keeps itself may come
// back, if they say what is on file. `nik` must be the path's (the path names
// the record; a NIK is corrected by a rectification request); `subject_ref`
// the record's own; `restricted` the restriction in force (placed and lifted
// by restriction requests only). Anything else is a field error, never
// silently ignored. An error only when the record cannot be read.
Status check_echoed_fields(ApiContext& context, BodyReader& body, const boost::json::object& object,
                           const std::string& nik, const std::optional<std::string>& on_file, Locale l) {
  bool en = l == Locale::en;
  if (auto given = body.string("nik", false, 16 + 10); given && *given != nik)
    body.error("nik", en ? "differs from the NIK in the path; a NIK on file is corrected by a rectification request"
                         : "berbeda dengan NIK pada alamat; NIK tersimpan dikoreksi melalui permintaan perbaikan");
  if (auto given = body.string("subject_ref", false, 100); given && (!on_file || *given != *on_file))
    body.error("subject_ref", en ? "is assigned by dsr: leave it out, or send the record's own"
                                 : "ditetapkan oleh dsr: kosongkan, atau kirim milik data ini");
  if (const auto* given = object.if_contains("restricted")) {
    body.object("restricted", false);  // null or an object, as GET gives it; anything else is an error here
    if (!given->is_object() && !given->is_null()) return ok_status();
    std::optional<Restriction> in_force;
    if (on_file) {
      auto restriction = context.vault.restriction(*on_file);
      if (!restriction) return fail(restriction.error());
      in_force = std::move(restriction).value();
    }
    if (*given != restriction_view(in_force))
      body.error("restricted", en ? "is not the restriction in force; a restriction is placed and lifted by a "
                                    "restriction request"
                                  : "bukan pembatasan yang berlaku; pembatasan ditetapkan dan dicabut melalui "
                                    "permintaan pembatasan");
  }
  return ok_status();
}

void put_subject(const HttpRequest& http, ApiContext& context, const std::string& nik, Respond respond) {
  Locale l = locale_of(http);
  if (!plausible_nik(nik)) return respond(validation_problem(l, {{"nik", std::string(text::kNikShape.in(l))}}));
  auto parsed = parse_object_body(http, l);
  if (auto* answer = std::get_if<HttpResponse>(&parsed)) return respond(std::move(*answer));
  auto found = context.vault.find_by_nik(nik);
  if (!found) return respond(problem_for(found.error(), l));
  const std::optional<std::string>& on_file = *found;
  std::vector<FieldError> errors;
  SubjectRecord record;
  record.nik = nik;
  {
    const auto& object = std::get<boost::json::object>(parsed);
    BodyReader body(object, "", l, errors);
    if (Status echoed = check_echoed_fields(context, body, object, nik, on_file, l); !echoed)
      return respond(problem_for(echoed.error(), l));
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
  bool existed = on_file.has_value();
  context.vault.put(record, [&context, l, existed, record, respond = std::move(respond)](Result<std::string> ref) {
    if (!ref) return respond(problem_for(ref.error(), l));
    auto restriction = context.vault.restriction(*ref);
    if (!restriction) return respond(problem_for(restriction.error(), l));
    respond(json_response(existed ? 200 : 201, record_view(*ref, record, *restriction)));
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
  auto restriction = context.vault.restriction(**ref);
  if (!restriction) return respond(problem_for(restriction.error(), l));
  std::vector<std::string> fields = record_fields(*record);
  if (*restriction) fields.emplace_back("restriction");
  std::vector<SubjectRead> reads{{**ref, "", fields}};
  // HEAD: the answer's headers only; no data leaves, so nothing is disclosed.
  if (caller.principal.role != Role::institution || http.method == "HEAD")
    return send_after_recording(context, caller, std::move(reads), json_response(200, record_view(**ref, *record, *restriction)),
                                std::move(respond));
  // An institution's read is a disclosure (D.4), and a read in the access
  // log: both recorded before the data leaves.
  std::string subject_ref = **ref;
  auto body = record_view(subject_ref, *record, *restriction);
  context.disclosures.institution_recipient(
      caller.principal.organization,
      [&context, l, caller, subject_ref, reads = std::move(reads), body = std::move(body),
       respond = std::move(respond)](Result<std::string> recipient) mutable {
        if (!recipient) return respond(problem_for(recipient.error(), l));
        Disclosure d{subject_ref, *recipient,
                     {"name", "nik", "nip", "organization", "unit", "position", "email", "phone", "face_photo_ref"},
                     "read through the API by an institution for its own employee (policy D.5.a)",
                     context.clock.now(), caller.principal.name};
        context.disclosures.record(std::move(d), [&context, l, caller, reads = std::move(reads), body = std::move(body),
                                                  respond = std::move(respond)](Result<std::string> id) mutable {
          if (!id) return respond(problem_for(id.error(), l));
          send_after_recording(context, caller, std::move(reads), json_response(200, body), std::move(respond));
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

// A consent names the version of the privacy policy it was given under
// (policy K, C.7): when the archive holds versions, one of them, and by
// default the one in force when the consent was given. Without an archive
// (no version published yet) the caller must name it.
Result<std::optional<FieldError>> check_policy_version(ApiContext& context, Consent& consent, Locale l) {
  using Found = std::optional<FieldError>;
  std::vector<PolicyVersion> versions;
  if (context.policy_archive != nullptr) {
    auto read = context.policy_archive->versions();
    if (!read) return fail(read.error());  // never "none published" for "cannot tell now"
    versions = std::move(read).value();
  }
  if (consent.policy_version.empty()) {
    if (auto in_force = policy_in_force(versions, consent.at, "")) {
      consent.policy_version = in_force->version;
      return Found{};
    }
    return Found{FieldError{"policy_version", l == Locale::en ? "required: no version of the policy was in force at that time"
                                                         : "wajib: tidak ada versi kebijakan yang berlaku pada waktu itu"}};
  }
  if (versions.empty()) return Found{};
  bool known = std::any_of(versions.begin(), versions.end(), [&](const PolicyVersion& v) { return v.version == consent.policy_version; });
  if (known) return Found{};
  return Found{FieldError{"policy_version", l == Locale::en ? "no such version of the policy: see GET /v1/policy/versions"
                                                             : "versi kebijakan tidak dikenal: lihat GET /v1/policy/versions"}};
}

// POST /v1/consents: one entry of the consent ledger, for a subject on file.
void record_consent(const HttpRequest& http, const Caller& caller, ApiContext& context, Respond respond) {
  Locale l = locale_of(http);
  if (context.consents == nullptr) return respond(problem(503, "unavailable", "Service Unavailable", "no consent ledger"));
  auto parsed = parse_object_body(http, l);
  if (auto* answer = std::get_if<HttpResponse>(&parsed)) return respond(std::move(*answer));
  std::vector<FieldError> errors;
  Consent consent;
  std::string nik;
  {
    BodyReader body(std::get<boost::json::object>(parsed), "", l, errors);
    nik = body.string("nik", true, 30).value_or("");
    if (!nik.empty() && !plausible_nik(nik)) body.error("nik", text::kNikShape.in(l));
    consent.purpose = body.string("purpose", true, 200).value_or("");
    consent.status = body.one_of("status", true, {"given", "withdrawn"}).value_or("");
    consent.policy_version = body.string("policy_version", false, 50).value_or("");
    if (auto t = body.instant("at", true)) {
      if (*t > context.clock.now() + std::chrono::minutes(5))
        body.error("at", l == Locale::en ? "in the future: a consent is recorded once given or withdrawn"
                                         : "di masa depan: persetujuan dicatat setelah diberikan atau ditarik");
      else consent.at = *t;
    }
    consent.channel = body.string("channel", true, 100).value_or("");
    consent.evidence_ref = body.string("evidence_ref", true, 500).value_or("");
  }
  if (errors.empty()) {
    auto ref = context.vault.find_by_nik(nik);
    if (!ref) return respond(problem_for(ref.error(), l));
    if (!ref->has_value())
      errors.push_back({"nik", l == Locale::en ? "no subject on file with this NIK: PUT /v1/subjects/{nik} first"
                                               : "tidak ada data subjek dengan NIK ini: PUT /v1/subjects/{nik} dulu"});
    else consent.subject_ref = **ref;
  }
  if (errors.empty()) {
    auto version_problem = check_policy_version(context, consent, l);
    if (!version_problem) return respond(problem_for(version_problem.error(), l));
    if (*version_problem) errors.push_back(std::move(**version_problem));
  }
  if (!errors.empty()) return respond(validation_problem(l, errors));
  consent.recorded_by = caller.principal.name;
  context.consents->record(consent, [l, consent, respond = std::move(respond)](Result<std::string> id) {
    if (!id) return respond(problem_for(id.error(), l));
    boost::json::object view = consent_view(ConsentEntry{*id, consent, {}});
    view.erase("recorded_at");  // not known here: the ledger stamps it
    respond(json_response(201, view));
  });
}

// Whether a member of staff works a request of this subject now: they name
// it (?request=), it is open, and it is that subject's. `subject_ref` is
// empty for a NIK not on file: answered like another subject's, so that
// staff cannot probe which NIKs are on file.
std::optional<HttpResponse> staff_may_read_consents(const HttpRequest& http, const Caller& caller, ApiContext& context,
                                                    const std::string& subject_ref) {
  Locale l = locale_of(http);
  if (caller.principal.role == Role::system) return std::nullopt;
  auto query = http.query();
  std::string request_id = query.contains("request") ? query.at("request") : "";
  if (request_id.empty())
    return validation_problem(l, {{"request", l == Locale::en ? "staff read a subject's consents while working a "
                                                               "request of that subject: name it with ?request=ID"
                                                             : "petugas membaca persetujuan subjek saat menangani "
                                                               "permintaannya: sebutkan dengan ?request=ID"}});
  auto request = context.store.load(request_id);
  const Workflow* workflow = request ? context.workflows.find(request->type) : nullptr;
  if (!request || workflow == nullptr || request->subject_ref != subject_ref || workflow->is_terminal(request->state))
    return problem(403, "not_working_the_subject", text::kForbidden.in(l),
                   "that is no open request of this subject: consents are read for the subject of a request being "
                   "worked");
  return std::nullopt;
}

void list_consents(const HttpRequest& http, const Caller& caller, ApiContext& context, const std::string& nik,
                   Respond respond) {
  Locale l = locale_of(http);
  if (context.consents == nullptr) return respond(problem(503, "unavailable", "Service Unavailable", "no consent ledger"));
  if (!plausible_nik(nik)) return respond(validation_problem(l, {{"nik", std::string(text::kNikShape.in(l))}}));
  auto ref = context.vault.find_by_nik(nik);
  if (!ref) return respond(problem_for(ref.error(), l));
  if (auto refused = staff_may_read_consents(http, caller, context, ref->value_or(""))) return respond(std::move(*refused));
  if (!ref->has_value()) return respond(problem(404, "not_found", text::kNotFound.in(l), "no subject with this NIK on file"));
  auto entries = context.consents->for_subject(**ref);
  if (!entries) return respond(problem_for(entries.error(), l));
  auto query = http.query();
  std::vector<SubjectRead> reads;
  // The request named, once checked as one of this subject's being worked;
  // a system's ?request= is not checked, so it is not recorded either.
  std::string request_id = caller.principal.role == Role::system || !query.contains("request") ? "" : query.at("request");
  if (!entries->empty()) reads.push_back({**ref, std::move(request_id), {"consents"}});
  send_after_recording(context, caller, std::move(reads),
                       json_response(200, {{"subject_ref", **ref}, {"consents", consents_view(*entries)}}), std::move(respond));
}

// GET /v1/subjects/{nik}/access-log?limit=&cursor=: the staff reads of the
// subject's data, newest first (docs/access-log.md). Reading it is itself
// an entry: it tells that the subject is on file, and which requests they made.
void list_access_log(const HttpRequest& http, const Caller& caller, ApiContext& context, const std::string& nik,
                     Respond respond) {
  Locale l = locale_of(http);
  if (context.access_log == nullptr)
    return respond(problem(503, "access_log_unavailable", text::kUnavailable.in(l), "this server keeps no access log"));
  if (!plausible_nik(nik)) return respond(validation_problem(l, {{"nik", std::string(text::kNikShape.in(l))}}));
  std::vector<FieldError> errors;
  int limit = 50;
  std::optional<std::string> cursor;
  for (const auto& [key, value] : http.query()) {
    if (key == "limit") {
      auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), limit);
      if (ec != std::errc{} || end != value.data() + value.size() || limit < 1 || limit > 200)
        errors.push_back({key, l == Locale::en ? "a whole number from 1 to 200" : "bilangan bulat 1 sampai 200"});
    } else if (key == "cursor") {
      cursor = value;
    } else if (key != "lang") {
      errors.push_back({key, std::string(text::kUnknownField.in(l))});
    }
  }
  if (!errors.empty()) return respond(validation_problem(l, errors));
  auto ref = context.vault.find_by_nik(nik);
  if (!ref) return respond(problem_for(ref.error(), l));
  if (!ref->has_value()) return respond(problem(404, "not_found", text::kNotFound.in(l), "no subject with this NIK on file"));
  auto page = context.access_log->for_subject(**ref, limit, cursor);
  if (!page && page.error().code == ErrorCode::invalid_argument)
    return respond(validation_problem(l, {{"cursor", l == Locale::en ? "not a cursor this list gave out; start again without one"
                                                                  : "bukan kursor dari daftar ini; mulai lagi tanpa kursor"}}));
  if (!page) return respond(problem_for(page.error(), l));
  boost::json::array items;
  for (const auto& e : page->items) items.push_back(access_entry_view(e, true));
  boost::json::object body{{"subject_ref", **ref},
                           {"items", std::move(items)},
                           {"next_cursor", page->next_cursor ? boost::json::value(*page->next_cursor) : nullptr}};
  send_after_recording(context, caller, {{**ref, "", {"access_log"}}}, json_response(200, body), std::move(respond));
}

}  // namespace

void add_subject_routes(Router& router, ApiContext& context) {
  router.add({"POST", "/v1/consents", "Record a consent given or withdrawn (system)", {false, false, {Role::system}},
              [&context](const HttpRequest& http, const Caller& caller, const RouteParams&, Respond respond) {
                record_consent(http, caller, context, std::move(respond));
              }});
  router.add({"GET", "/v1/subjects/{nik}/consents",
              "The subject's consents, oldest first (system; staff working a request of the subject, ?request=ID)",
              {false, false, {Role::system, Role::verifier, Role::reviewer, Role::supervisor}},
              [&context](const HttpRequest& http, const Caller& caller, const RouteParams& p, Respond respond) {
                list_consents(http, caller, context, p.at("nik"), std::move(respond));
              }});
  router.add({"GET", "/v1/subjects/{nik}/access-log",
              "Staff reads of the subject's data, newest first (auditor, admin; ?limit=&cursor=)",
              {false, false, {Role::auditor, Role::admin}},
              [&context](const HttpRequest& http, const Caller& caller, const RouteParams& p, Respond respond) {
                list_access_log(http, caller, context, p.at("nik"), std::move(respond));
              }});
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
