// The access package (policy F.3, D.4), the key that proves it, the
// recipients and disclosures it lists, and the audit check.
#include <boost/json/parse.hpp>
#include <fmt/format.h>

#include <map>

#include "api/canonical_json.hpp"
#include "engine/merkle.hpp"
#include "api/identity_numbers.hpp"
#include "api/authority_request.hpp"
#include "api/breach_filing.hpp"
#include "api/route_support.hpp"
#include "api/subject_views.hpp"
#include "engine/portable_export.hpp"
#include "api/routes.hpp"
#include "api/webhook_url.hpp"

namespace dsr::api {
namespace {

// The purposes of processing the policy names (C.1, C.2).
boost::json::array purposes() {
  return {
      {{"id", "Penyelenggaraan sertifikat elektronik: pendaftaran, verifikasi identitas, penerbitan, pembaruan dan "
              "pencabutan sertifikat"},
       {"en", "Providing electronic certificates: registration, identity verification, issuance, renewal and "
              "revocation"}},
      {{"id", "Pemeriksaan keabsahan tanda tangan elektronik dan sertifikat"},
       {"en", "Validation of electronic signatures and certificates"}},
      {{"id", "Pemenuhan kewajiban hukum dan permintaan yang sah dari instansi berwenang"},
       {"en", "Meeting legal obligations and lawful requests from authorities"}},
  };
}

// The portability export (UU PDP Pasal 13), in the format the subject
// chose (details.format) or asks for now (?format=json|csv), signed with
// the key that signs access packages: JSON carries its signature like a
// package; CSV's is over the exact bytes, in a header.
void portable_result(const HttpRequest& http, ApiContext& context, const Request& request, Respond respond) {
  Locale l = locale_of(http);
  if (request.state != "notifying_recipients" && request.state != "completed")
    return respond(problem(409, "not_ready", text::kConflict.in(l),
                           fmt::format("the request is {}; the export is ready once a reviewer has fulfilled it",
                                       request.state)));
  auto query = http.query();
  std::string format = query.contains("format") ? query.at("format") : "";
  if (format.empty()) {
    auto details = context.store.details(request.id);
    if (!details) return respond(problem_for(details.error(), l));
    boost::system::error_code ec;
    auto form = boost::json::parse(*details, ec);
    const auto* chosen = (!ec && form.is_object()) ? form.as_object().if_contains("format") : nullptr;
    format = chosen && chosen->is_string() ? std::string(chosen->get_string()) : "json";
  }
  if (format != "json" && format != "csv")
    return respond(validation_problem(l, {{"format", std::string(text::kOneOf.in(l)) + " json, csv"}}));
  auto record = context.vault.get(request.subject_ref);
  if (!record && record.error().code == ErrorCode::not_found)
    return respond(problem(409, "no_record", text::kConflict.in(l),
                           "dsr holds no record of this subject (none was on file, or it was erased since): there "
                           "is nothing to export"));
  if (!record) return respond(problem_for(record.error(), l));
  if (format == "csv") {
    HttpResponse r;
    r.status = 200;
    r.content_type = "text/csv; charset=utf-8";
    r.body = portable_csv(*record);
    r.headers.emplace_back("Content-Disposition", fmt::format("attachment; filename=\"{}.csv\"", request.id));
    auto key = context.signer.in_force();
    r.headers.emplace_back("Dsr-Export-Signature", "ed25519=" + key.sign(r.body));
    r.headers.emplace_back("Dsr-Signing-Key-Id", key.key_id);
    return respond(std::move(r));
  }
  boost::json::object document = portable_export(*record, request.id, context.clock.now());
  sign_document(context.signer, document);
  respond(json_response(200, document));
}

void result(const HttpRequest& http, const Caller& caller, ApiContext& context, const std::string& id, Respond respond) {
  Locale l = locale_of(http);
  auto request = context.store.load(id);
  if (!request) return respond(problem_for(request.error(), l));
  // Staff fetch the letter of a breach notice and the release to an
  // authority; a subject's result is the subject's alone.
  bool staffs = request->type == "breach_notice" || request->type == "authority_request";
  if (caller.is_staff() != staffs)
    return respond(problem(caller.is_staff() ? 403 : 404, caller.is_staff() ? "subjects_result" : "not_found",
                           caller.is_staff() ? text::kForbidden.in(l) : text::kNotFound.in(l),
                           caller.is_staff() ? "the result of a subject's request opens with the subject's tracking token only"
                                             : fmt::format("no request {}", id)));
  if (request->type == "breach_notice") return breach_letter(http, context, *request, std::move(respond));
  if (request->type == "authority_request")
    return authority_release_document(http, caller, context, *request, std::move(respond));
  if (request->type == "portability") return portable_result(http, context, *request, std::move(respond));
  if (request->type != "access")
    return respond(problem(409, "no_result", text::kConflict.in(l),
                           "only access and portability requests have a result to fetch"));
  if (request->state != "completed" && request->state != "partially_completed")
    return respond(problem(409, "not_ready", text::kConflict.in(l),
                           fmt::format("the request is {}; its package is ready once it is completed", request->state)));
  TimePoint now = context.clock.now();
  boost::json::object package{{"package", "dsr-access-package/v1"},
                              {"issuer", "BSrE, Balai Besar Sertifikasi Elektronik, BSSN"},
                              {"request_id", request->id},
                              {"policy", request->policy},
                              {"generated_at", format_rfc3339(now)},
                              {"purposes", purposes()}};
  // The privacy policy in force as the package is issued (policy K).
  package["policy_version"] = nullptr;
  if (context.policy_archive != nullptr) {
    auto versions = context.policy_archive->versions();
    if (!versions) return respond(problem_for(versions.error(), l));
    if (auto in_force = policy_in_force(*versions, now, "")) package["policy_version"] = in_force->version;
  }
  auto record = context.vault.get(request->subject_ref);
  if (record) {
    package["subject"] = record_json(*record);
    // What else dsr holds about the subject: the restriction in force and
    // every consent given or withdrawn (C.3), without staff names.
    auto restriction = context.vault.restriction(request->subject_ref);
    if (!restriction) return respond(problem_for(restriction.error(), l));
    package["restricted"] = restriction_view(*restriction);
    if (context.consents != nullptr) {
      auto consents = context.consents->for_subject(request->subject_ref);
      if (!consents) return respond(problem_for(consents.error(), l));
      boost::json::array listed = consents_view(*consents);
      for (auto& c : listed) c.as_object().erase("recorded_by");
      package["consents"] = std::move(listed);
    }
  } else if (record.error().code == ErrorCode::not_found) {
    package["subject"] = nullptr;  // nothing on record (or erased since)
  } else {
    return respond(problem_for(record.error(), l));
  }
  auto ledger = context.disclosures.for_subject(request->subject_ref);
  if (!ledger) return respond(problem_for(ledger.error(), l));
  boost::json::array disclosures;
  bool withheld_now = false;
  for (const auto& e : *ledger) {
    // An authority prohibited telling the subject (D.7): not until it ends.
    if (e.disclosure.withheld_until && *e.disclosure.withheld_until > now) {
      withheld_now = true;
      continue;
    }
    boost::json::array categories;
    for (const auto& c : e.disclosure.categories) categories.emplace_back(c);
    disclosures.push_back({{"recipient", e.recipient_name},
                           {"kind", e.recipient_kind},
                           {"categories", std::move(categories)},
                           {"disclosed_at", format_rfc3339(e.disclosure.disclosed_at)},
                           {"legal_basis", e.disclosure.legal_basis},
                           {"purpose", e.disclosure.purpose}});
  }
  package["disclosures"] = std::move(disclosures);
  // Who read the subject's data, by role, when, what and for which request
  // (policy C.6, C.7; UU PDP Pasal 31): the staff access log, newest first,
  // staff names only where the operator chose to show them
  // (--access-log-names; docs/access-log.md).
  if (context.access_log != nullptr) {
    boost::json::array reads;
    std::map<std::string, bool> authority_requests;  // request id: is it one?
    std::optional<std::string> cursor;
    do {
      auto page = context.access_log->for_subject(request->subject_ref, AccessLog::kMaxPage, cursor);
      if (!page) return respond(problem_for(page.error(), l));
      for (const auto& e : page->items) {
        // Staff reading an authority's request would tell the subject of
        // the demand itself: not while a prohibition holds (D.7).
        if (withheld_now && !e.request_id.empty()) {
          auto known = authority_requests.find(e.request_id);
          if (known == authority_requests.end()) {
            auto about = context.store.load(e.request_id);
            if (!about) return respond(problem_for(about.error(), l));
            known = authority_requests.emplace(e.request_id, about->type == "authority_request").first;
          }
          if (known->second) continue;
        }
        reads.push_back(access_entry_view(e, context.access_log_names));
      }
      cursor = page->next_cursor;
    } while (cursor);
    package["access_log"] = std::move(reads);
  }
  // Proof that every event of this request is in the audit log, at one
  // signed checkpoint: the subject can check it offline, and keep the
  // checkpoint to catch any later rewrite (docs/audit-log.md). Signing a
  // checkpoint for it, when none covers it yet, completes on the writer.
  auto sign_and_send = [&context, respond](boost::json::object whole) {
    sign_document(context.signer, whole);
    respond(json_response(200, whole));
  };
  if (context.audit_log == nullptr) return sign_and_send(std::move(package));
  context.audit_log->proofs_for(
      request->id, [l, unproved = std::move(package), sign_and_send, respond](Result<RequestLogProofs> proofs) mutable {
        if (!proofs) return respond(problem_for(proofs.error(), l));
        boost::json::array entries;
        for (const auto& e : proofs->entries)
          entries.push_back({{"sequence", e.sequence},
                             {"leaf_index", e.leaf_index},
                             {"leaf", merkle::base64(e.leaf)},
                             {"proof", e.proof}});
        unproved["audit_log"] = {{"verifier_key", proofs->verifier_key},
                                 {"checkpoint", proofs->checkpoint},
                                 {"entries", std::move(entries)}};
        sign_and_send(std::move(unproved));
      });
}

void create_recipient(const HttpRequest& http, ApiContext& context, Respond respond) {
  Locale l = locale_of(http);
  auto parsed = parse_object_body(http, l);
  if (auto* answer = std::get_if<HttpResponse>(&parsed)) return respond(std::move(*answer));
  std::vector<FieldError> errors;
  Recipient r;
  {
    BodyReader body(std::get<boost::json::object>(parsed), "", l, errors);
    r.name = body.string("name", true, 200).value_or("");
    r.kind = body.one_of("kind", true, {"institution", "legal_advisor", "law_enforcement", "government", "processor"})
                 .value_or("");
    // Without one, the recipient is told by other means: an authority takes
    // its release by hand (GET /v1/requests/{id}/result).
    r.webhook_url = body.string("webhook_url", false, 2000).value_or("");
    if (auto problem = webhook_url_problem(r.webhook_url); !r.webhook_url.empty() && !problem.empty())
      body.error("webhook_url", (l == Locale::en ? "must be an http(s) URL: it " : "harus URL http(s); URL ini: ") + problem);
  }
  if (!errors.empty()) return respond(validation_problem(l, errors));
  context.disclosures.create_recipient(std::move(r), [l, respond = std::move(respond)](Result<Recipient> created) {
    if (!created) return respond(problem_for(created.error(), l));
    respond(json_response(201, {{"id", created->id},
                                {"name", created->name},
                                {"kind", created->kind},
                                {"webhook_url", created->webhook_url},
                                {"signing_secret", created->signing_secret}}));
  });
}

void record_disclosure(const HttpRequest& http, const Caller& caller, ApiContext& context, Respond respond) {
  Locale l = locale_of(http);
  auto parsed = parse_object_body(http, l);
  if (auto* answer = std::get_if<HttpResponse>(&parsed)) return respond(std::move(*answer));
  std::vector<FieldError> errors;
  Disclosure d;
  std::string nik;
  {
    BodyReader body(std::get<boost::json::object>(parsed), "", l, errors);
    nik = body.string("nik", true, 30).value_or("");
    if (!nik.empty() && !plausible_nik(nik)) body.error("nik", text::kNikShape.in(l));
    d.recipient_id = body.string("recipient_id", true, 100).value_or("");
    if (const auto* categories = body.array("categories", true)) {
      if (categories->empty()) body.error("categories", text::kEmpty.in(l));
      for (std::size_t i = 0; i < categories->size(); ++i) {
        if (!(*categories)[i].is_string()) {
          errors.push_back({fmt::format("categories[{}]", i), std::string(text::kNotString.in(l))});
          continue;
        }
        d.categories.emplace_back((*categories)[i].get_string());
      }
    }
    d.legal_basis = body.string("legal_basis", true, 1000).value_or("");
    d.purpose = body.string("purpose", false, 200).value_or("");
    if (auto at = body.instant("disclosed_at", true)) d.disclosed_at = *at;
  }
  if (errors.empty() && !d.recipient_id.empty() && !context.disclosures.recipient(d.recipient_id))
    errors.push_back({"recipient_id", l == Locale::en ? "no such recipient" : "penerima tidak dikenal"});
  std::optional<std::string> ref;
  if (errors.empty()) {
    auto found = context.vault.find_by_nik(nik);
    if (!found) return respond(problem_for(found.error(), l));
    if (!found->has_value()) errors.push_back({"nik", l == Locale::en ? "no subject on file with this NIK" : "tidak ada data subjek dengan NIK ini"});
    else ref = **found;
  }
  if (!errors.empty()) return respond(validation_problem(l, errors));
  d.subject_ref = *ref;
  d.recorded_by = caller.principal.name;
  context.disclosures.record(std::move(d), [l, respond = std::move(respond)](Result<std::string> id) {
    if (!id) return respond(problem_for(id.error(), l));
    respond(json_response(201, {{"id", *id}}));
  });
}

// GET /v1/keys/signing: the key in force as before (algorithm, public_key),
// its id, and every key in force or retired, so that a document signed by
// a retired key can still be checked with the key its signing_key_id names.
boost::json::object signing_keys_view(const PackageSigner& signer) {
  auto listed = signer.keys();
  boost::json::array keys;
  for (const auto& k : listed) {
    boost::json::object key{{"key_id", k.key_id}, {"algorithm", "Ed25519"}, {"public_key", k.public_key},
                            {"state", k.retired_at ? "retired" : "in_force"}};
    if (k.retired_at) key["retired_at"] = format_rfc3339(*k.retired_at);
    keys.push_back(std::move(key));
  }
  return {{"algorithm", "Ed25519"},
          {"public_key", listed.front().public_key},
          {"key_id", listed.front().key_id},
          {"keys", std::move(keys)}};
}

}  // namespace

void add_package_routes(Router& router, ApiContext& context) {
  router.add({"GET", "/v1/requests/{id}/result",
              "The signed access package of a completed access request, the signed export of a portability request "
              "(?format=json|csv), or, for staff, the signed letter of a breach notice (?format=json|html) and, for "
              "supervisors, the signed release of an authority request",
              {false, true, {Role::supervisor, Role::auditor, Role::admin}},
              [&context](const HttpRequest& http, const Caller& caller, const RouteParams& p, Respond respond) {
                result(http, caller, context, p.at("id"), std::move(respond));
              }});
  router.add({"GET", "/v1/keys/signing", "The public key that signs access packages", {true, false, {}},
              [&context](const HttpRequest&, const Caller&, const RouteParams&, Respond respond) {
                respond(json_response(200, signing_keys_view(context.signer)));
              }});
  router.add({"POST", "/v1/recipients", "Register a third party that receives data (admin)", {false, false, {Role::admin}},
              [&context](const HttpRequest& http, const Caller&, const RouteParams&, Respond respond) {
                create_recipient(http, context, std::move(respond));
              }});
  router.add({"POST", "/v1/disclosures", "Record one disclosure in the ledger (system)", {false, false, {Role::system}},
              [&context](const HttpRequest& http, const Caller& caller, const RouteParams&, Respond respond) {
                record_disclosure(http, caller, context, std::move(respond));
              }});
  router.add({"GET", "/v1/audit/verify", "Recompute the journal, the audit log's tree and every signed checkpoint", {false, false, {Role::auditor, Role::admin}},
              [&context](const HttpRequest& http, const Caller&, const RouteParams&, Respond respond) {
                auto v = context.audit.verify();
                if (!v) return respond(problem_for(v.error(), locale_of(http)));
                boost::json::object body{{"ok", v->ok}, {"events", v->events}, {"checkpoints", v->checkpoints}};
                body["first_bad_event"] = v->first_bad_event ? boost::json::value(*v->first_bad_event) : nullptr;
                body["first_bad_checkpoint"] =
                    v->first_bad_checkpoint ? boost::json::value(*v->first_bad_checkpoint) : nullptr;
                if (!v->ok) body["problem"] = v->problem;
                respond(json_response(200, body));
              }});
}

}  // namespace dsr::api
