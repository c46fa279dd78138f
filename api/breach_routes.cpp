// Breach notices (policy G.2; UU PDP Pasal 46): a supervisor files one on
// POST /v1/requests (type breach_notice); a second supervisor approves it,
// and every affected subject on file is sent the written notice
// (workflows/breach_notice.json, engine/breach_notices.hpp). Staff follow
// each delivery (GET /v1/requests/{id}/notices) and fetch the letter to
// the supervisory agency (GET /v1/requests/{id}/result?format=json|html).
#include <boost/json/serialize.hpp>
#include <fmt/format.h>

#include "api/breach_filing.hpp"
#include "api/canonical_json.hpp"
#include "api/html_text.hpp"
#include "api/route_support.hpp"
#include "api/routes.hpp"
#include "api/staff_filing.hpp"
#include "engine/json_fields.hpp"
#include "engine/sla_clock.hpp"

namespace dsr::api {

void file_breach_notice(const HttpRequest& http, const Caller& caller, ApiContext& context,
                        const boost::json::object& body_object, Respond respond) {
  Locale l = locale_of(http);
  if (auto refused = staff_filing_refusal(caller, {Role::supervisor}, "a breach notice", l))
    return respond(std::move(*refused));
  std::vector<FieldError> errors;
  boost::json::object details;
  std::string policy;
  std::optional<TimePoint> discovered;
  TimePoint now = context.clock.now();
  {
    BodyReader body(body_object, "", l, errors);
    body.one_of("type", true, {"breach_notice"});
    policy = body.string("policy", false, 50).value_or(context.default_policy);
    if (context.policies.policy(policy) == nullptr) body.error("policy", text::kOneOf.in(l));
    if (const auto* given = body.object("details", true)) {
      const boost::json::object& given_object = *given;
      BodyReader d(given_object, "details", l, errors);
      if (auto v = d.string("description", true, 5000)) details["description"] = *v;
      auto occurred = d.instant("occurred_at", true);
      discovered = d.instant("discovered_at", true);
      if (occurred && discovered && *discovered < *occurred)
        d.error("discovered_at", l == Locale::en ? "before the breach occurred" : "sebelum kejadian");
      if (discovered && *discovered > now)
        d.error("discovered_at", l == Locale::en ? "in the future" : "di masa depan");
      if (occurred) details["occurred_at"] = format_rfc3339(*occurred);
      if (discovered) details["discovered_at"] = format_rfc3339(*discovered);
      // Any category the breach touched, the record's or not.
      details["categories"] = read_categories(d, "categories", false);
      if (auto v = d.string("measures", true, 5000)) details["measures"] = *v;
      const auto* niks = given_object.if_contains("niks");
      bool named = niks != nullptr && !niks->is_null();
      auto organization = d.string("organization", false, 200);
      if (named == organization.has_value())
        d.error("niks", l == Locale::en ? "name the affected subjects by niks or by organization, one of the two"
                                        : "sebutkan subjek terdampak dengan niks atau organization, salah satu");
      if (named) details["niks"] = read_niks(d, "niks", "file a larger breach by organization");
      if (organization) details["organization"] = *organization;
    }
  }
  if (!errors.empty()) return respond(validation_problem(l, errors));

  std::string id = context.new_request_id();
  Filing filing;  // no tracking token: nobody outside the back office follows it
  filing.details_json = boost::json::serialize(details);
  Submission submission{"breach_notice", policy, "b-" + id, caller.actor(), std::move(filing), {}, id, now};
  submission.clock_from = discovered;
  file_staff_request(context, std::move(submission), l, std::move(respond));
}

namespace {

void list_notices(const HttpRequest& http, ApiContext& context, const std::string& id, Respond respond) {
  Locale l = locale_of(http);
  if (context.subject_notices == nullptr)
    return respond(problem(503, "unavailable", "Service Unavailable", "the outbox cannot be read on this server"));
  auto request = context.store.load(id);
  if (!request) return respond(problem_for(request.error(), l));
  auto notices = context.subject_notices->notices_of(id);
  if (!notices) return respond(problem_for(notices.error(), l));
  boost::json::object counts{{"pending", 0}, {"delivered", 0}, {"failed", 0}};
  boost::json::array items;
  for (const auto& n : *notices) {
    if (auto* count = counts.if_contains(n.status)) *count = count->as_int64() + 1;
    items.push_back({{"id", n.id},
                     {"subject_ref", n.subject_ref},
                     {"status", n.status},
                     {"attempts", n.attempts},
                     {"last_error", n.last_error.empty() ? boost::json::value(nullptr) : boost::json::value(n.last_error)},
                     {"created_at", format_rfc3339(n.created_at)},
                     {"delivered_at", n.delivered_at ? boost::json::value(format_rfc3339(*n.delivered_at)) : nullptr},
                     // In the future with no attempt made: held back (an authority's prohibition, D.7).
                     {"next_attempt_at", n.next_attempt_at ? boost::json::value(format_rfc3339(*n.next_attempt_at)) : nullptr}});
  }
  respond(json_response(200, {{"request_id", id}, {"summary", std::move(counts)}, {"items", std::move(items)}}));
}

}  // namespace

void breach_letter(const HttpRequest& http, ApiContext& context, const Request& request, Respond respond) {
  Locale l = locale_of(http);
  if (request.state != "completed")
    return respond(problem(409, "not_ready", text::kConflict.in(l),
                           fmt::format("the breach notice is {}; its letter is ready once a second supervisor has "
                                       "approved it",
                                       request.state)));
  auto query = http.query();
  std::string format = query.contains("format") ? query.at("format") : "json";
  if (format != "json" && format != "html")
    return respond(validation_problem(l, {{"format", std::string(text::kOneOf.in(l)) + " json, html"}}));
  auto stored = context.store.details(request.id);
  if (!stored) return respond(problem_for(stored.error(), l));
  boost::json::object details = object_of(*stored);
  const Event& approved = request.events.back();
  auto count = [&](const char* key) { return recorded_count(approved, key); };
  auto due = context.requests.deadline(request);
  boost::json::object letter{{"letter", "dsr-breach-letter/v1"},
                             {"from", "BSrE, Balai Besar Sertifikasi Elektronik, BSSN"},
                             {"request_id", request.id},
                             {"legal_basis", "UU 27/2022 Pasal 46"},
                             {"description", text_of(details, "description")},
                             {"occurred_at", text_of(details, "occurred_at")},
                             {"discovered_at", text_of(details, "discovered_at")},
                             {"categories", details.contains("categories") ? details.at("categories") : boost::json::array{}},
                             {"measures", text_of(details, "measures")},
                             {"affected", details.contains("organization")
                                              ? boost::json::value({{"organization", text_of(details, "organization")}})
                                              : boost::json::value({{"niks_named", details.contains("niks") ? details.at("niks").as_array().size() : 0}})},
                             {"subjects_notified", count("subjects_notified")},
                             {"niks_not_on_file", count("niks_not_on_file")},
                             {"subjects_without_address", count("subjects_without_address")},
                             {"notified_at", format_rfc3339(approved.at)},
                             {"due_at", due ? boost::json::value(format_rfc3339(due->due_at)) : nullptr},
                             {"on_time", due && approved.at <= due->due_at},
                             {"generated_at", format_rfc3339(context.clock.now())}};
  sign_document(context.signer, letter);
  if (format == "json") return respond(json_response(200, letter));
  std::string categories;
  for (const auto& c : letter.at("categories").as_array()) categories += (categories.empty() ? "" : ", ") + std::string(c.as_string());
  auto row = [](std::string_view label, const std::string& value) {
    return fmt::format("<tr><th scope=\"row\">{}</th><td>{}</td></tr>\n", escape(label), escape(value));
  };
  HttpResponse r;
  r.status = 200;
  r.content_type = "text/html; charset=utf-8";
  r.body = fmt::format(
      "<!doctype html>\n<html lang=\"id\"><head><meta charset=\"utf-8\"><title>Pemberitahuan kegagalan pelindungan data "
      "pribadi {id}</title></head>\n<body>\n<h1>Pemberitahuan kegagalan pelindungan data pribadi</h1>\n"
      "<p>Kepada lembaga penyelenggara pelindungan data pribadi, sesuai UU 27/2022 Pasal 46.</p>\n<table>\n{rows}</table>\n"
      "<p>Dokumen ini ditandatangani secara elektronik (Ed25519; versi JSON: ?format=json).</p>\n</body></html>\n",
      fmt::arg("id", escape(request.id)),
      fmt::arg("rows", row("Nomor", request.id) + row("Yang terjadi", text_of(details, "description")) +
                           row("Waktu kejadian", text_of(details, "occurred_at")) +
                           row("Diketahui", text_of(details, "discovered_at")) + row("Data terkait", categories) +
                           row("Penanganan dan pemulihan", text_of(details, "measures")) +
                           row("Subjek diberi tahu", std::to_string(count("subjects_notified"))) +
                           row("NIK tidak tercatat", std::to_string(count("niks_not_on_file"))) +
                           row("Tanpa alamat", std::to_string(count("subjects_without_address"))) +
                           row("Diberitahukan pada", format_rfc3339(approved.at)) +
                           row("Tenggat", due ? format_rfc3339(due->due_at) : "")));
  respond(std::move(r));
}

void add_breach_routes(Router& router, ApiContext& context) {
  router.add({"GET", "/v1/requests/{id}/notices",
              "Each subject's notice of a breach notice or an authority request, with its delivery state (staff)",
              {false, false, {Role::supervisor, Role::auditor, Role::admin}},
              [&context](const HttpRequest& http, const Caller&, const RouteParams& p, Respond respond) {
                list_notices(http, context, p.at("id"), std::move(respond));
              }});
}

}  // namespace dsr::api
