// The citizen portal's routes: filing a request, proving identity with the
// one-time code, withdrawing. Filing needs no credentials; the answer
// carries the tracking token that opens this one request afterwards.
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <fmt/format.h>

#include <fmt/ranges.h>

#include <algorithm>
#include <cctype>
#include <set>

#include "api/authority_request.hpp"
#include "api/breach_filing.hpp"
#include "api/identity_numbers.hpp"
#include "api/route_support.hpp"
#include "api/routes.hpp"
#include "engine/sla_clock.hpp"

namespace dsr::api {
namespace {

// The record fields a subject may ask to correct (policy B.3.a).
const std::vector<std::string> kCorrectableFields{"name",     "nik",   "nip",   "organization", "unit",
                                                  "position", "email", "phone", "face_photo"};

// A request a verifier files for a subject who called, came in or wrote
// (policy F; the identity check is theirs, recorded as verify_manually).
struct OnBehalf {
  std::string channel;         // phone, counter, letter
  std::string identity_check;  // how the verifier checked who the subject is
  std::optional<boost::json::object> representative;  // {"name", "authority"}
};

struct FilingForm {
  std::string type;
  std::string policy;
  std::string locale;
  std::string name, nik, email, phone, nip, organization;
  boost::json::object details;  // validated details, kept sealed with the request
  std::optional<OnBehalf> on_behalf;
};

// What a restriction may name: the record's fields, or a further category
// it holds ("categories.<name>").
bool restrictable_category(std::string_view c) {
  if (std::find(kCorrectableFields.begin(), kCorrectableFields.end(), c) != kCorrectableFields.end()) return true;
  return c.starts_with("categories.") && c.size() > 11 && c.size() <= 100;
}

std::string lowercase_trimmed(std::string_view s) {
  std::string out;
  for (char c : s)
    if (!std::isspace(static_cast<unsigned char>(c))) out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::vector<std::string> request_types(const ApiContext& context) { return context.workflows.types(); }

void read_details(BodyReader& body, FilingForm& form, std::vector<FieldError>& errors) {
  static const std::set<std::string, std::less<>> kNeedDetails{
      "rectification", "automated_decision_objection", "inquiry", "consent_withdrawal", "restriction", "portability"};
  const boost::json::object* details = body.object("details", kNeedDetails.contains(form.type));
  if (details == nullptr) return;
  BodyReader d(*details, "details", body.locale(), errors);
  const boost::json::array* corrections = d.array("corrections", form.type == "rectification");
  if (corrections != nullptr) {
    if (corrections->empty()) d.error("corrections", text::kEmpty.in(body.locale()));
    boost::json::array kept;
    for (std::size_t i = 0; i < corrections->size(); ++i) {
      std::string prefix = fmt::format("details.corrections[{}]", i);
      if (!(*corrections)[i].is_object()) {
        errors.push_back({prefix, std::string(text::kNotObject.in(body.locale()))});
        continue;
      }
      BodyReader c((*corrections)[i].get_object(), prefix, body.locale(), errors);
      auto field = c.one_of("field", true, kCorrectableFields);
      auto requested = c.string("requested", true, 300);
      if (field && requested) kept.push_back({{"field", *field}, {"requested", *requested}});
    }
    form.details["corrections"] = std::move(kept);
  }
  bool objection = form.type == "automated_decision_objection";
  if (auto ref = d.string("decision_reference", objection, 200)) form.details["decision_reference"] = *ref;
  if (auto grounds = d.string("grounds", objection || form.type == "restriction", 5000)) form.details["grounds"] = *grounds;
  if (auto question = d.string("question", form.type == "inquiry", 5000)) form.details["question"] = *question;
  if (auto purpose = d.string("purpose", form.type == "consent_withdrawal", 200)) form.details["purpose"] = *purpose;
  if (const auto* categories = d.array("categories", false)) {
    boost::json::array kept;
    for (std::size_t i = 0; i < categories->size(); ++i) {
      const auto& c = (*categories)[i];
      std::string field = fmt::format("details.categories[{}]", i);
      if (!c.is_string() || !restrictable_category(c.get_string())) {
        errors.push_back({field, fmt::format("{} {}, {}", text::kOneOf.in(body.locale()), fmt::join(kCorrectableFields, ", "),
                                             "categories.<name>")});
      } else if (std::find(kept.begin(), kept.end(), c) == kept.end()) {
        kept.push_back(c);
      }
    }
    if (categories->empty()) d.error("categories", text::kEmpty.in(body.locale()));
    form.details["categories"] = std::move(kept);
  }
  if (auto format = d.one_of("format", form.type == "portability", {"json", "csv"})) form.details["format"] = *format;
  if (auto to = d.string("transfer_to", false, 100)) form.details["transfer_to"] = *to;
}

std::optional<OnBehalf> read_on_behalf(BodyReader& body, std::vector<FieldError>& errors) {
  const boost::json::object* given = body.object("on_behalf", false);
  if (given == nullptr) return std::nullopt;
  BodyReader o(*given, "on_behalf", body.locale(), errors);
  OnBehalf out;
  out.channel = o.one_of("channel", true, {"phone", "counter", "letter"}).value_or("");
  out.identity_check = o.string("identity_check", true, 1000).value_or("");
  if (const auto* representative = o.object("representative", false)) {
    BodyReader r(*representative, "on_behalf.representative", body.locale(), errors);
    auto name = r.string("name", true, 200);
    auto authority = r.string("authority", true, 500);
    if (name && authority) out.representative = boost::json::object{{"name", *name}, {"authority", *authority}};
  }
  return out;
}

std::variant<FilingForm, HttpResponse> read_filing(const boost::json::object& object, const ApiContext& context, Locale l) {
  std::vector<FieldError> errors;
  FilingForm form;
  {
    BodyReader body(object, "", l, errors);
    form.type = body.one_of("type", true, request_types(context)).value_or("");
    form.locale = body.one_of("locale", false, {"id", "en"}).value_or(std::string(to_string(l)));
    form.policy = body.string("policy", false, 50).value_or(context.default_policy);
    if (context.policies.policy(form.policy) == nullptr) {
      std::vector<std::string> ids = context.policies.policy_ids();
      std::string list;
      for (const auto& id : ids) list += (list.empty() ? "" : ", ") + id;
      body.error("policy", fmt::format("{} {}", text::kOneOf.in(l), list));
    }
    if (const auto* subject = body.object("subject", true)) {
      BodyReader s(*subject, "subject", l, errors);
      form.name = s.string("name", true, 200).value_or("");
      form.nik = s.string("nik", true, 16 + 10).value_or("");
      if (!form.nik.empty() && !plausible_nik(form.nik)) s.error("nik", text::kNikShape.in(l));
      form.email = s.string("email", true, 254).value_or("");
      if (!form.email.empty() && !plausible_email(form.email)) s.error("email", text::kEmailShape.in(l));
      form.phone = s.string("phone", false, 20).value_or("");
      if (!form.phone.empty() && !plausible_phone(form.phone)) s.error("phone", text::kPhoneShape.in(l));
      form.nip = s.string("nip", false, 18 + 10).value_or("");
      if (!form.nip.empty() && !plausible_nip(form.nip)) s.error("nip", text::kNipShape.in(l));
      form.organization = s.string("organization", false, 200).value_or("");
    }
    if (!form.type.empty()) read_details(body, form, errors);
    else body.object("details", false);
    form.on_behalf = read_on_behalf(body, errors);
  }
  if (const auto* to = form.details.if_contains("transfer_to"); to != nullptr && errors.empty()) {
    auto recipient = context.disclosures.recipient(to->get_string());
    if (!recipient && recipient.error().code != ErrorCode::not_found) return problem_for(recipient.error(), l);
    if (!recipient)
      errors.push_back({"details.transfer_to", l == Locale::en ? "no recipient with this id: the controller must be "
                                                                 "registered by an administrator first"
                                                               : "tidak ada penerima dengan id ini: pengendali harus "
                                                                 "didaftarkan administrator lebih dulu"});
  }
  if (!errors.empty()) return validation_problem(l, errors);
  return form;
}

// The one-time code, in the subject's language, from the message catalogue.
OutgoingMessage code_message(const ApiContext& context, std::string to, std::string channel, const std::string& locale,
                             const std::string& request_id, const std::string& code) {
  auto minutes = std::chrono::duration_cast<std::chrono::minutes>(context.verification.code_lifetime).count();
  MessageCatalog::Variables variables{{"code", code}, {"minutes", std::to_string(minutes)}, {"request_id", request_id}};
  RenderedMessage rendered = context.notices.catalog().render(locale, "verification_code", variables);
  return OutgoingMessage{std::move(to), std::move(channel), "verification_code", locale, request_id,
                         std::move(rendered.text), {{"code", code}}, std::move(rendered.subject), ""};
}

// The state a filing is in when answered: the start's, or, filed on a
// subject's behalf, the one its manual verification leads to.
std::string state_after_filing(const Workflow& workflow, bool on_behalf) {
  std::string state = workflow.start.to.value_or("verifying");
  if (!on_behalf) return state;
  const Transition* verified = workflow.find(state, "verify_manually");
  return verified && verified->to ? *verified->to : state;
}

// The 201 answer, the same bytes whether fresh or replayed for an
// Idempotency-Key; built before the commit so that it can be stored with it.
// It does not say how the identity will be checked: whether a code went to
// a contact on record would tell anyone whether a NIK and an address are on
// file (no enumeration; docs/api.md). Only a verifier filing on a
// subject's behalf is told ("on_behalf": they checked it). Filed on a
// subject's behalf, it holds no tracking token: that goes to the subject's
// contact, never to the officer.
std::string filing_answer(ApiContext& context, const FilingForm& form, const std::string& id,
                          const std::string& tracking_token, TimePoint received_at) {
  const Workflow* workflow = context.workflows.find(form.type);
  auto due = SlaClock(context.policies).deadline(form.policy, form.type, received_at, {}, false, received_at);
  bool on_behalf = form.on_behalf.has_value();
  boost::json::object body{{"id", id},
                           {"type", form.type},
                           {"status", workflow ? state_after_filing(*workflow, on_behalf) : "verifying"},
                           {"received_at", format_rfc3339(received_at)},
                           {"due_at", due ? boost::json::value(format_rfc3339(due->due_at)) : nullptr},
                           {"policy", form.policy}};
  if (on_behalf) {
    body["verification"] = "on_behalf";
    body["tracking_token_sent_to"] = "subject";
  } else {
    body["tracking_token"] = tracking_token;
  }
  return boost::json::serialize(body);
}

// A request that a verifier checks by hand still carries a code, one that
// no one receives and no one can enter (the verify route takes six digits
// only): hashed and stored like a real one, with the same attempts, it
// makes the filing do the same work, and a guess at it fail as a wrong code
// does, attempts counting down, so that the filer cannot tell the two apart.
std::string unusable_code(ApiContext& context) { return "-" + context.new_code(); }

// Who may file on a subject's behalf: a verifier, with their own token.
std::optional<HttpResponse> on_behalf_refusal(const Caller& caller, Locale l) {
  if (!caller.is_staff())
    return problem(401, "unauthorized", text::kUnauthorized.in(l),
                   "a filing on a subject's behalf (on_behalf) needs a verifier's bearer token");
  if (caller.principal.role != Role::verifier)
    return problem(403, "role_not_allowed", text::kForbidden.in(l),
                   fmt::format("the role {} may not file on a subject's behalf; a verifier checks the identity and files",
                               to_string(caller.principal.role)));
  return std::nullopt;
}

// The subject's tracking token, in their language, to the contact on record
// (or, when dsr holds no record of them, the one they gave the officer),
// queued with the filing; nullopt when the record has no address.
Result<std::optional<OutgoingMessage>> tracking_token_message(ApiContext& context, const FilingForm& form,
                                                              const std::string& id, const std::string& subject_ref,
                                                              const std::string& tracking_token, TimePoint now,
                                                              const std::string& details_json) {
  Request request;
  request.id = id;
  request.type = form.type;
  request.policy = form.policy;
  request.subject_ref = subject_ref;
  request.received_at = now;
  auto due = SlaClock(context.policies).deadline(form.policy, form.type, now, {}, false, now);
  if (!due) return fail(due.error());
  return context.notices.compose(request, "filed_on_behalf", {{"tracking_token", tracking_token}}, due->due_at,
                                 details_json);
}

HttpResponse created(const std::string& id, std::string body, bool replayed) {
  HttpResponse r;
  r.status = 201;
  r.body = std::move(body);
  r.headers.emplace_back("Location", "/v1/requests/" + id);
  if (replayed) r.headers.emplace_back("Idempotent-Replayed", "true");
  return r;
}

// An earlier answer for this key: the same again, or 409 for another body.
std::optional<HttpResponse> replay(ApiContext& context, const std::string& key, const std::string& digest, Locale l) {
  auto earlier = context.store.idempotent_reply(key);
  if (!earlier) return problem_for(earlier.error(), l);
  if (!earlier->has_value()) return std::nullopt;
  if ((*earlier)->request_digest != digest)
    return problem(409, "idempotency_key_reused", text::kConflict.in(l),
                   "this Idempotency-Key was used with another body; use a new key for a new request");
  auto id = boost::json::parse((*earlier)->response).at("id").as_string();
  return created(std::string(id), (*earlier)->response, true);
}

void file_request(const HttpRequest& http, const Caller& caller, ApiContext& context, Respond respond) {
  Locale l = locale_of(http);
  std::string key = http.header("Idempotency-Key");
  if (http.headers.contains("Idempotency-Key") && (key.empty() || key.size() > 200))
    return respond(validation_problem(l, {{"Idempotency-Key", l == Locale::en ? "1 to 200 characters" : "1 sampai 200 karakter"}}));
  std::string digest = key.empty() ? "" : context.digest(http.body);
  if (!key.empty())
    if (auto earlier = replay(context, key, digest, l)) return respond(std::move(*earlier));

  auto parsed = parse_object_body(http, l);
  if (auto* answer = std::get_if<HttpResponse>(&parsed)) return respond(std::move(*answer));
  const auto& object = std::get<boost::json::object>(parsed);
  // A breach notice and an authority's demand are staff's, about many
  // subjects: each its own form.
  if (const auto* type = object.if_contains("type"); type != nullptr && *type == "breach_notice")
    return file_breach_notice(http, caller, context, object, std::move(respond));
  if (const auto* type = object.if_contains("type"); type != nullptr && *type == "authority_request")
    return file_authority_request(http, caller, context, object, std::move(respond));
  auto read = read_filing(object, context, l);
  if (auto* answer = std::get_if<HttpResponse>(&read)) return respond(std::move(*answer));
  FilingForm form = std::move(std::get<FilingForm>(read));
  if (form.on_behalf)
    if (auto refused = on_behalf_refusal(caller, l)) return respond(std::move(*refused));

  // The code goes to the contact on record, never to what the form says;
  // without a record, or when the form's contact is not the one on record,
  // a verifier checks the identity by hand. The filer is not told which:
  // the answer, its status and its time are the same (docs/api.md, "No
  // enumeration"), so both paths read, hash and write alike.
  auto ref = context.vault.find_by_nik(form.nik);
  if (!ref) return respond(problem_for(ref.error(), l));
  TimePoint now = context.clock.now();
  std::string id = context.new_request_id();
  std::optional<SubjectRecord> record;
  {
    // Without a record, a read that finds nothing, as long as one that finds it.
    auto r = context.vault.get(ref->has_value() ? **ref : "u-" + id);
    if (r) record = std::move(r).value();
    else if (r.error().code != ErrorCode::not_found || ref->has_value()) return respond(problem_for(r.error(), l));
  }
  std::string send_to, channel;
  if (record && !record->email.empty() && lowercase_trimmed(record->email) == lowercase_trimmed(form.email)) {
    send_to = record->email;
    channel = "email";
  } else if (record && !record->phone.empty() && !form.phone.empty() && record->phone == form.phone) {
    send_to = record->phone;
    channel = "sms";
  }
  // A verifier filing on the subject's behalf has checked the identity.
  bool by_code = !send_to.empty() && !form.on_behalf;

  Filing filing;
  // "trk_<id>.<secret>": the store finds the request by its id and checks the
  // secret's keyed hash.
  filing.tracking_token = "trk_" + id + "." + context.new_tracking_token();
  boost::json::object details = form.details;
  // What the form claimed, sealed with the filing: a verifier checking the
  // identity by hand compares it with the record on file, NIK included.
  details["contact_given"] = {{"name", form.name}, {"nik", form.nik},     {"email", form.email},
                              {"phone", form.phone}, {"nip", form.nip}, {"organization", form.organization}};
  details["verification"] = form.on_behalf ? "on_behalf"
                            : by_code       ? "code"
                            : record        ? "manual_contact_mismatch"
                                            : "manual_no_record";
  if (form.on_behalf) {
    boost::json::object on_behalf{{"channel", form.on_behalf->channel},
                                  {"identity_check", form.on_behalf->identity_check},
                                  {"filed_by", caller.principal.name}};
    if (form.on_behalf->representative) on_behalf["representative"] = *form.on_behalf->representative;
    details["on_behalf"] = std::move(on_behalf);
  }
  details["locale"] = form.locale;
  filing.details_json = boost::json::serialize(details);
  std::vector<OutgoingMessage> messages;
  if (!form.on_behalf) {
    // A real code to the contact on record, or an unusable one that goes
    // nowhere (its message is written, as long, and dropped).
    filing.code = by_code ? context.new_code() : unusable_code(context);
    filing.code_expires_at = now + context.verification.code_lifetime;
    filing.code_attempts = context.verification.attempts;
    OutgoingMessage code = code_message(context, send_to, channel, form.locale, id, filing.code);
    if (by_code) messages.push_back(std::move(code));
  }
  std::string answer = filing_answer(context, form, id, filing.tracking_token, now);
  filing.idempotency_key = key;
  filing.request_digest = digest;
  filing.response = key.empty() ? "" : answer;
  // Without a record, the request is its own pseudonymous subject.
  std::string subject_ref = ref->has_value() ? **ref : "u-" + id;
  Actor filer{"subject", Role::subject};
  std::optional<Command> verified_by;
  if (form.on_behalf) {
    auto token_message = tracking_token_message(context, form, id, subject_ref, filing.tracking_token, now,
                                                filing.details_json);
    if (!token_message) return respond(problem_for(token_message.error(), l));
    // Without an address the subject could never follow the request: say
    // so now, before anything is stored.
    if (!*token_message)
      return respond(validation_problem(l, {{"on_behalf", l == Locale::en
                                                              ? "the record on file has no e-mail or phone to send the "
                                                                "subject's tracking token to: update the record first"
                                                              : "data tersimpan tidak memiliki surel atau telepon untuk "
                                                                "mengirim token pelacakan subjek: perbarui data dulu"}}));
    messages.push_back(std::move(**token_message));
    filer = caller.actor();
    // The channel only: the journal's data is not sealed and outlives an
    // erasure, so a representative's name stays in the sealed details.
    verified_by = Command{"verify_manually", filer, form.on_behalf->identity_check, 0, now,
                          {{"channel", form.on_behalf->channel}}};
  }
  Submission submission{form.type, form.policy, subject_ref, filer, std::move(filing), std::move(messages), id, now,
                        std::move(verified_by)};
  context.requests.submit(submission, [&context, l, id, key, digest, answer = std::move(answer),
                                       respond = std::move(respond)](Result<Request> r) mutable {
    if (!r) {
      // Two filings with one key at once: the other won; answer as it did.
      if (!key.empty() && r.error().code == ErrorCode::conflict)
        if (auto earlier = replay(context, key, digest, l)) return respond(std::move(*earlier));
      return respond(problem_for(r.error(), l));
    }
    respond(created(id, std::move(answer), false));
  });
}

void verify_request(const HttpRequest& http, const Caller& caller, ApiContext& context, const std::string& id,
                    Respond respond) {
  Locale l = locale_of(http);
  auto parsed = parse_object_body(http, l);
  if (auto* answer = std::get_if<HttpResponse>(&parsed)) return respond(std::move(*answer));
  std::vector<FieldError> errors;
  std::string code;
  {
    BodyReader body(std::get<boost::json::object>(parsed), "", l, errors);
    code = body.string("code", true, 20).value_or("");
    if (!code.empty() && (code.size() != 6 || !std::all_of(code.begin(), code.end(), ::isdigit)))
      body.error("code", text::kCodeShape.in(l));
  }
  if (!errors.empty()) return respond(validation_problem(l, errors));
  auto request = context.store.load(id);
  if (!request) return respond(problem_for(request.error(), l));
  if (request->state != "verifying")
    return respond(problem(409, "not_allowed_in_state", text::kConflict.in(l),
                           fmt::format("the request is {}, not waiting for a code", request->state)));
  std::int64_t version = request->version;
  context.codes.check(id, code, context.clock.now(),
                      [&context, caller, l, id, version, respond = std::move(respond)](Result<CodeVerdict> v) mutable {
    if (!v) return respond(problem_for(v.error(), l));
    switch (v->result) {
      case CodeCheck::accepted: {
        // The code is spent now: fire on the latest version, so that a
        // reminder the scheduler recorded meanwhile cannot waste it.
        auto latest = context.store.load(id);
        std::int64_t current = latest ? latest->version : version;
        return context.requests.fire(id, Command{"verify", caller.actor(), "", current, {}, {}},
                                     answer_with_request(context, caller, l, std::move(respond)));
      }
      case CodeCheck::wrong:
        return respond(problem(422, "wrong_code", text::kInvalid.in(l), std::string(text::kWrongCode.in(l)),
                               {{"code", std::string(text::kWrongCode.in(l))}}, {{"attempts_left", v->attempts_left}}));
      case CodeCheck::locked: {
        // The last attempt is spent: the request ends, with a public reason.
        auto reject = [l, respond = std::move(respond)](Result<Request>) {
          respond(problem(422, "verification_failed", text::kInvalid.in(l),
                          "too many wrong codes: the request is rejected (verification_failed); file a new one",
                          {{"code", std::string(text::kWrongCode.in(l))}}, {{"attempts_left", 0}}));
        };
        return context.requests.fire(id, Command{"reject", {"dsr", Role::system}, "verification_failed", version, {}, {}},
                                     std::move(reject));
      }
      case CodeCheck::expired:
        return respond(problem(422, "code_expired", text::kInvalid.in(l),
                               "the code has expired; a verifier will check your identity instead",
                               {{"code", "expired"}}, {{"attempts_left", v->attempts_left}}));
      case CodeCheck::none:
        return respond(problem(409, "no_code", text::kConflict.in(l),
                               "this request is verified by a verifier, not by a code"));
    }
  });
}

// A new code, to the contact on record again, within the send limit.
void resend_code(const HttpRequest& http, ApiContext& context, const std::string& id, Respond respond) {
  Locale l = locale_of(http);
  if (!http.body.empty() && http.body.find_first_not_of(" \t\r\n{}") != std::string::npos)
    return respond(validation_problem(l, {{"", std::string(text::kUnknownField.in(l))}}));
  auto request = context.store.load(id);
  if (!request) return respond(problem_for(request.error(), l));
  if (request->state != "verifying")
    return respond(problem(409, "not_allowed_in_state", text::kConflict.in(l),
                           fmt::format("the request is {}, not waiting for a code", request->state)));
  auto details = context.store.details(id);
  if (!details) return respond(problem_for(details.error(), l));
  boost::system::error_code ec;
  auto form = boost::json::parse(*details, ec);
  if (ec || !form.is_object() || form.as_object().if_contains("verification") == nullptr ||
      form.at("verification") == "on_behalf")
    return respond(problem(409, "no_code", text::kConflict.in(l), "this request is verified by a verifier, not by a code"));
  // A request a verifier checks by hand gets a new unusable code, counted
  // against the same limit, and no message: the answer is the same as for
  // a real one (no enumeration), and so is the work.
  bool by_code = form.at("verification") == "code";
  auto record = context.vault.get(request->subject_ref);  // none for "u-<id>", a filing without a record
  if (!record && (by_code || record.error().code != ErrorCode::not_found))
    return respond(problem_for(record.error(), l));
  std::string given_email(form.at("contact_given").at("email").as_string());
  std::string locale = form.as_object().contains("locale") ? std::string(form.at("locale").as_string()) : "id";
  bool by_email = record && lowercase_trimmed(record->email) == lowercase_trimmed(given_email);
  std::string code = by_code ? context.new_code() : unusable_code(context);
  TimePoint expires = context.clock.now() + context.verification.code_lifetime;
  OutgoingMessage message = code_message(context, !record ? "" : by_email ? record->email : record->phone,
                                         by_email ? "email" : "sms", locale, id, code);
  std::optional<OutgoingMessage> sent;
  if (by_code) sent = std::move(message);
  context.codes.resend(id, request->subject_ref, code, expires, context.verification.attempts,
                       context.verification.max_sends, std::move(sent),
                       [l, respond = std::move(respond)](Result<int> left) {
                         if (!left) return respond(problem_for(left.error(), l));
                         respond(json_response(202, {{"sends_left", *left}}));
                       });
}

}  // namespace

void add_portal_routes(Router& router, ApiContext& context) {
  router.add({"POST", "/v1/requests",
              "File a request (citizen portal, no credentials; a verifier's token with on_behalf for a subject who "
              "called, came in or wrote)",
              {true, false, {}},
              [&context](const HttpRequest& http, const Caller& caller, const RouteParams&, Respond respond) {
                file_request(http, caller, context, std::move(respond));
              }});
  router.add({"POST", "/v1/requests/{id}/verify", "Prove identity with the one-time code", {false, true, {}},
              [&context](const HttpRequest& http, const Caller& caller, const RouteParams& p, Respond respond) {
                verify_request(http, caller, context, p.at("id"), std::move(respond));
              }});
  router.add({"POST", "/v1/requests/{id}/code", "Send a new code to the contact on record (limited)", {false, true, {}},
              [&context](const HttpRequest& http, const Caller&, const RouteParams& p, Respond respond) {
                resend_code(http, context, p.at("id"), std::move(respond));
              }});
  router.add({"POST", "/v1/requests/{id}/withdraw", "Withdraw one's own request", {false, true, {}},
              [&context](const HttpRequest& http, const Caller& caller, const RouteParams& p, Respond respond) {
                Locale l = locale_of(http);
                auto request = context.store.load(p.at("id"));
                if (!request) return respond(problem_for(request.error(), l));
                context.requests.fire(request->id, Command{"withdraw", caller.actor(), "", request->version, {}, {}},
                                      answer_with_request(context, caller, l, std::move(respond)));
              }});
}

}  // namespace dsr::api
