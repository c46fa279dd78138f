// Authority requests (policy D.1, D.5, D.7; UU PDP Pasal 50): the system
// that receives an authority's demand, or a supervisor, files it on
// POST /v1/requests (type authority_request); a reviewer checks the legal
// basis; a supervisor other than the reviewer approves, and each named
// subject's data is released to the authority (workflows/authority_request.json,
// engine/authority_release.hpp).
#include <boost/json/serialize.hpp>
#include <fmt/format.h>

#include <algorithm>

#include "api/authority_request.hpp"
#include "api/canonical_json.hpp"
#include "api/route_support.hpp"
#include "api/staff_filing.hpp"
#include "engine/json_fields.hpp"

namespace dsr::api {
namespace {

// Who may demand data under policy D.5.b-e: law enforcement, government
// and their legal advisers; never a processor or another institution.
const std::vector<std::string> kAuthorityKinds{"law_enforcement", "government", "legal_advisor"};

}  // namespace

void file_authority_request(const HttpRequest& http, const Caller& caller, ApiContext& context,
                            const boost::json::object& body_object, Respond respond) {
  Locale l = locale_of(http);
  if (auto refused = staff_filing_refusal(caller, {Role::system, Role::supervisor}, "an authority request", l))
    return respond(std::move(*refused));
  std::vector<FieldError> errors;
  boost::json::object details;
  std::string policy;
  std::optional<std::string> recipient_id;
  {
    BodyReader body(body_object, "", l, errors);
    body.one_of("type", true, {"authority_request"});
    policy = body.string("policy", false, 50).value_or(context.default_policy);
    if (context.policies.policy(policy) == nullptr) body.error("policy", text::kOneOf.in(l));
    if (const auto* given = body.object("details", true)) {
      BodyReader d(*given, "details", l, errors);
      recipient_id = d.string("recipient_id", true, 100);
      if (auto v = d.string("legal_basis", true, 2000)) details["legal_basis"] = *v;
      if (auto v = d.string("document_ref", true, 500)) details["document_ref"] = *v;
      details["niks"] = read_niks(d, "niks", "split the demand into several requests");
      details["categories"] = read_categories(d, "categories", true);
    }
  }
  if (recipient_id) {
    // The authority must be registered, as every recipient of data is
    // (D.4), and be one that may demand data.
    auto authority = context.disclosures.recipient(*recipient_id);
    if (!authority && authority.error().code != ErrorCode::not_found) return respond(problem_for(authority.error(), l));
    if (!authority) {
      errors.push_back({"details.recipient_id", "no recipient with this id; an admin registers the authority first "
                                                "(POST /v1/recipients)"});
    } else if (std::find(kAuthorityKinds.begin(), kAuthorityKinds.end(), authority->kind) == kAuthorityKinds.end()) {
      errors.push_back({"details.recipient_id",
                        fmt::format("the recipient is of kind {}; an authority request names one of kind "
                                    "law_enforcement, government or legal_advisor", authority->kind)});
    } else {
      details["recipient_id"] = authority->id;
      details["recipient_name"] = authority->name;
      details["recipient_kind"] = authority->kind;
    }
  }
  if (!errors.empty()) return respond(validation_problem(l, errors));

  std::string id = context.new_request_id();
  Filing filing;  // no tracking token: nobody outside the back office follows it
  filing.details_json = boost::json::serialize(details);
  Submission submission{"authority_request", policy, "a-" + id, caller.actor(), std::move(filing), {}, id,
                        context.clock.now()};
  file_staff_request(context, std::move(submission), l, std::move(respond));
}

void authority_release_document(const HttpRequest& http, const Caller& caller, ApiContext& context,
                                const Request& request, Respond respond) {
  Locale l = locale_of(http);
  if (caller.principal.role != Role::supervisor)
    return respond(problem(403, "role_not_allowed", text::kForbidden.in(l),
                           "the release holds the subjects' data: a supervisor fetches it to hand it over"));
  auto approved = std::find_if(request.events.rbegin(), request.events.rend(),
                               [](const Event& e) { return e.name == "approve"; });
  if (approved == request.events.rend())
    return respond(problem(409, "not_ready", text::kConflict.in(l),
                           fmt::format("the authority request is {}; nothing is released until a supervisor approves it",
                                       request.state)));
  auto stored = context.store.details(request.id);
  if (!stored) return respond(problem_for(stored.error(), l));
  boost::json::object details = object_of(*stored);
  auto contents = context.notifications.contents(request.id);
  if (!contents) return respond(problem_for(contents.error(), l));
  boost::json::array subjects;
  std::vector<SubjectRead> reads;  // each subject released: a read by this supervisor
  for (const auto& c : *contents) {
    boost::json::object fields = object_of(c.fields_json);
    const auto* r = fields.if_contains("release");
    if (r == nullptr || !r->is_object()) continue;
    const boost::json::object* release = &r->as_object();
    auto ref = context.vault.find_by_nik(c.nik);
    if (!ref) return respond(problem_for(ref.error(), l));
    if (ref->has_value()) {
      std::vector<std::string> categories{"nik"};
      if (const auto* listed = release->if_contains("categories"); listed != nullptr && listed->is_array())
        for (const auto& category : listed->as_array())
          if (category.is_string() && category.as_string() != "nik") categories.emplace_back(category.as_string());
      reads.push_back({**ref, request.id, std::move(categories)});
    }
    subjects.push_back({{"nik", c.nik},
                        {"categories", release->contains("categories") ? release->at("categories") : boost::json::array{}},
                        {"data", release->contains("subject") ? release->at("subject") : boost::json::object{}}});
  }
  boost::json::object document{
      {"release", "dsr-authority-release/v1"},
      {"from", "BSrE, Balai Besar Sertifikasi Elektronik, BSSN"},
      {"request_id", request.id},
      {"authority", {{"id", text_of(details, "recipient_id")},
                     {"name", text_of(details, "recipient_name")},
                     {"kind", text_of(details, "recipient_kind")}}},
      {"legal_basis", text_of(details, "legal_basis")},
      {"document_ref", text_of(details, "document_ref")},
      {"categories", details.contains("categories") ? details.at("categories") : boost::json::array{}},
      {"released_at", format_rfc3339(approved->at)},
      {"niks_named", details.contains("niks") ? details.at("niks").as_array().size() : 0},
      {"niks_not_on_file", recorded_count(*approved, "niks_not_on_file")},
      {"subjects", std::move(subjects)},
      {"generated_at", format_rfc3339(context.clock.now())}};
  sign_document(context.signer, document);
  HttpResponse r = json_response(200, document);
  r.headers.emplace_back("Content-Disposition", fmt::format("attachment; filename=\"{}-release.json\"", request.id));
  send_after_recording(context, caller, std::move(reads), std::move(r), std::move(respond));
}

}  // namespace dsr::api
