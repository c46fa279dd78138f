// The route walk: every route of the real router table, with every kind of
// caller, on values that belong to subject A (in scope) and to subject B
// (out of scope), and every GET route again with HEAD. It proves that the access rules of api/router.hpp hold on
// every route, and that no answer hands a subject's personal data to a
// caller that is not entitled to it (policy G.1; docs/reliability.md).
//
// The table is read from the router, so a route added later is walked
// without touching this file; a route whose path has a placeholder the walk
// does not know fails, naming the placeholder to teach it.
//
// The access log (docs/access-log.md): every staff answer that hands over a
// subject's name, NIK, e-mail or phone (not echoing what the caller sent)
// must have written an entry for that subject and that route first.
//
// State: the walk sends bodies that change things (a legal hold, a new
// recipient, a filing). After any command that was not refused, the next
// call gets a freshly built world, so every call sees the same requests in
// the same states and the order of the table does not matter; reads and
// refusals share one world.
#include <boost/json/serialize.hpp>
#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <iostream>
#include <map>
#include <set>

#include "api_support.hpp"
#include "engine/role.hpp"
#include "storage/log_checkpoints.hpp"

using namespace dsr;
using test::ApiHarness;
using test::Reply;

namespace {

struct Person {
  std::string name, nik, email, phone, organization;
  std::string corrected;  // the value its rectification asks for: its data too
  // Its consent's purpose and its restricted category: what the consent
  // ledger and the restriction on file say about it, its data too.
  std::string purpose, restricted;
};

const Person kA{"Budi Santoso", "3171012303850007", "budi@example.go.id", "+6281234567890", "BSSN",
                "Direktorat Operasi Keamanan Siber", "newsletter-of-budi", "categories.hobby_of_budi"};
const Person kB{"Siti Rahmawati", "3273015506900002", "siti.rahma@kemenkeu.example", "+6281398765432",
                "Kementerian Keuangan", "+6281377001122", "survey-of-siti", "categories.hobby_of_siti"};

enum class Scope { in, out };  // in: subject A's values; out: subject B's
constexpr Scope kScopes[] = {Scope::in, Scope::out};
std::string_view scope_name(Scope s) { return s == Scope::in ? "in scope (subject A)" : "out of scope (subject B)"; }
const Person& person_of(Scope s) { return s == Scope::in ? kA : kB; }

struct Caller {
  // certificate: a member of staff signed in by a mapped client certificate
  // (no token); refused_certificate: a certificate that signs no one in.
  enum class Kind { anonymous, staff, subject, garbage, certificate, refused_certificate };
  std::string name;
  Kind kind;
  Role role = Role::subject;  // staff and certificate only
  std::string garbage;        // garbage only: the token sent
  api::ClientCertificate::Verdict verdict = api::ClientCertificate::Verdict::verified;  // refused_certificate only
};

// The client certificate the walk maps to a reviewer, and another nobody mapped.
const std::string kStaffCa = "CN=Staff CA,O=BSrE,C=ID";
api::ClientCertificate certificate(std::string serial, api::ClientCertificate::Verdict verdict) {
  return {verdict, kStaffCa, std::move(serial), std::string(64, 'e'), "CN=Walker,O=BSrE", ""};
}

// Anonymous; a bearer token for every role in the Role enum that a token can
// be made for (subject is the tracking token's holder, walked on its own;
// scheduler is dsr's own timers: storage/registries.cpp refuses both), the
// institution bound to subject A's organisation; subject A's tracking
// token; two tokens the server never issued; and, with no token, a client
// certificate mapped to a reviewer, a revoked one and one mapped to no one
// (as the TLS layer hands them over).
std::vector<Caller> callers() {
  std::vector<Caller> out{{"anonymous", Caller::Kind::anonymous, Role::subject, ""}};
  for (Role role : all_roles())
    if (role != Role::subject && role != Role::scheduler)
      out.push_back({std::string(to_string(role)), Caller::Kind::staff, role, ""});
  out.push_back({"subject A (tracking token)", Caller::Kind::subject, Role::subject, ""});
  out.push_back({"garbage bearer", Caller::Kind::garbage, Role::subject, "dsr_0000000000000000notissued"});
  out.push_back({"forged tracking token", Caller::Kind::garbage, Role::subject, "trk_r1.forged"});
  out.push_back({"reviewer (certificate)", Caller::Kind::certificate, Role::reviewer, ""});
  out.push_back({"revoked certificate", Caller::Kind::refused_certificate, Role::subject, "",
                 api::ClientCertificate::Verdict::revoked});
  out.push_back({"unknown certificate", Caller::Kind::refused_certificate, Role::subject, "",
                 api::ClientCertificate::Verdict::verified});
  return out;
}

// One side of the world: what a subject on file has filed, as the walk uses it.
struct Side {
  std::string access_id;  // completed: its signed package is ready
  std::string access_token;
  std::int64_t access_version = 0;
  std::string notification_id;  // its rectification's notice to the recipient
  std::string open_id;          // an open request (the objection, in review) that staff work
};

// Two subjects on file, each with a request of every type, one recipient
// that both subjects' data went to, and a token per staff caller.
struct World {
  std::unique_ptr<ApiHarness> h;
  std::map<std::string, std::string> tokens;  // caller name -> bearer token
  std::string recipient_id;
  std::string token_id;  // a staff token no caller uses, for DELETE /v1/tokens/{id}
  std::uint64_t checkpoint_size = 0;  // the audit log's checkpoint over the whole world
  Side a, b;
  const Side& side(Scope s) const { return s == Scope::in ? a : b; }
};

std::string json(const boost::json::object& o) { return boost::json::serialize(o); }

boost::json::object record_of(const Person& p) {
  return {{"name", p.name}, {"email", p.email}, {"phone", p.phone}, {"organization", p.organization}};
}

// A filing as the citizen portal sends it: name, NIK and e-mail only, so
// that the phone on record stays something the caller did not send.
std::string filing(const Person& p, const std::string& type) {
  boost::json::object body{{"type", type}, {"subject", {{"name", p.name}, {"nik", p.nik}, {"email", p.email}}}};
  if (type == "rectification")
    body["details"] = boost::json::object{
        {"corrections", boost::json::array{boost::json::object{{"field", &p == &kA ? "unit" : "phone"},
                                                               {"requested", p.corrected}}}}};
  if (type == "automated_decision_objection")
    body["details"] = {{"decision_reference", "FR-2025-0042"}, {"grounds", "the face match was wrong"}};
  if (type == "restriction")
    body["details"] = {{"grounds", "the accuracy is contested"}, {"categories", boost::json::array{p.restricted.c_str()}}};
  return json(body);
}

World build_world() {
  World w;
  w.h = std::make_unique<ApiHarness>();
  ApiHarness& h = *w.h;
  for (const Caller& c : callers())
    if (c.kind == Caller::Kind::staff)
      w.tokens[c.name] = h.token(c.role, c.name + "-walk", c.role == Role::institution ? kA.organization : "");
  StaffCertificate mapped;
  mapped.principal = {"reviewer-walk-certificate", Role::reviewer, ""};
  mapped.issuer = kStaffCa;
  mapped.serial = "1000";
  mapped.added_by = "walk";
  REQUIRE(h.staff_certificates->add_sync(mapped).ok());
  auto departed = h.tokens->create_sync({"departed-walk", Role::reviewer, ""});
  REQUIRE(departed.ok());
  w.token_id = departed->record.id;
  const std::string& system = w.tokens.at("system");
  const std::string& reviewer = w.tokens.at("reviewer");
  auto must = [&h](int status, const std::string& method, const std::string& target, const std::string& body,
                   const std::string& token) {
    Reply r = h.call(method, target, body, token);
    INFO("setting up the world: " << method << " " << target << " answered " << r.status << " " << r.raw);
    REQUIRE(r.status == status);
    return r;
  };
  for (const Person* p : {&kA, &kB}) must(201, "PUT", "/v1/subjects/" + p->nik, json(record_of(*p)), system);
  must(201, "POST", "/v1/policy/versions",
       R"({"version": "2024-01", "effective_at": "2024-01-01T00:00:00Z", "language": "id", "text": "Kebijakan privasi"})",
       w.tokens.at("admin"));
  w.recipient_id = std::string(must(201, "POST", "/v1/recipients",
                                    R"({"name": "Bareskrim Polri", "kind": "law_enforcement", "webhook_url": "https://polri.example/dsr"})",
                                    w.tokens.at("admin"))
                                   .body.at("id")
                                   .as_string());
  for (const Person* p : {&kA, &kB})
    must(201, "POST", "/v1/disclosures",
         json({{"nik", p->nik}, {"recipient_id", w.recipient_id}, {"categories", boost::json::array{"name", "nik", "email", "phone"}},
               {"legal_basis", "court order 12/2025"}, {"disclosed_at", "2025-02-01T03:00:00Z"}}),
         system);
  // The institution has read its own employee once (a disclosure of A's).
  must(200, "GET", "/v1/subjects/" + kA.nik, "", w.tokens.at("institution"));

  for (auto subject : {std::pair{&kA, &w.a}, std::pair{&kB, &w.b}}) {
    const Person* p = subject.first;  // named, not a structured binding: Clang 14 cannot capture those
    Side* side = subject.second;
    auto file = [&](const std::string& type) {
      Reply r = must(201, "POST", "/v1/requests", filing(*p, type), "");
      return std::pair{std::string(r.body.at("id").as_string()), std::string(r.body.at("tracking_token").as_string())};
    };
    // An event on the version the request is at now.
    auto step = [&](const std::string& id, const std::string& event, const std::string& token, const std::string& reason) {
      auto version = must(200, "GET", "/v1/requests/" + id, "", w.tokens.at("auditor")).body.at("version").as_int64();
      boost::json::object command{{"event", event}, {"version", version}};
      if (!reason.empty()) command["reason"] = reason;
      return must(200, "POST", "/v1/requests/" + id + "/transitions", json(command), token);
    };
    auto [access, access_token] = file("access");
    auto [rectification, rectification_token] = file("rectification");
    file("erasure");  // waits for its code
    auto [objection, objection_token] = file("automated_decision_objection");
    side->access_id = access;
    side->access_token = access_token;
    // Access, the request the walk calls {id}: verified by code, with the
    // subject's phone in its correspondence and its name in a staff reason,
    // then fulfilled, so that its package is ready. Out of scope, all of
    // that is subject B's data, there to leak if a rule gives way.
    must(200, "POST", "/v1/requests/" + access + "/verify", R"({"code": "123456"})", access_token);
    must(201, "POST", "/v1/requests/" + access + "/messages", json({{"body", "Hubungi saya di " + p->phone}}), access_token);
    must(201, "POST", "/v1/requests/" + access + "/messages", R"({"body": "Terima kasih, kami proses."})", reviewer);
    step(access, "approve", reviewer, "records of " + p->name + " found in the RA system");
    side->access_version = step(access, "fulfil", system, "").body.at("version").as_int64();
    // Rectification: fulfilled, so the recipient is being notified.
    must(200, "POST", "/v1/requests/" + rectification + "/verify", R"({"code": "123456"})", rectification_token);
    step(rectification, "approve", reviewer, "");
    step(rectification, "fulfil", system, "");
    Reply notices = must(200, "GET", "/v1/requests/" + rectification + "/notifications", "", w.tokens.at("auditor"));
    // Bareskrim's notice (the institution that read A is told too, without a webhook).
    for (const auto& n : notices.body.at("items").as_array())
      if (n.at("recipient_id").as_string() == w.recipient_id) side->notification_id = std::string(n.at("id").as_string());
    REQUIRE_FALSE(side->notification_id.empty());
    // The objection is in review and assigned.
    must(200, "POST", "/v1/requests/" + objection + "/verify", R"({"code": "123456"})", objection_token);
    must(200, "POST", "/v1/requests/" + objection + "/assignment", R"({"assignee": "reviewer-walk"})", reviewer);
    side->open_id = objection;
    // A consent in the ledger, and a restriction on the record.
    must(201, "POST", "/v1/consents",
         json({{"nik", p->nik}, {"purpose", p->purpose}, {"status", "given"}, {"policy_version", "2024-01"},
               {"at", "2025-01-15T02:00:00Z"}, {"channel", "portal"}, {"evidence_ref", "consent-form-walk"}}),
         system);
    auto [restriction, restriction_token] = file("restriction");
    must(200, "POST", "/v1/requests/" + restriction + "/verify", R"({"code": "123456"})", restriction_token);
    step(restriction, "restrict", reviewer, "");
  }
  auto signed_size = storage::sign_checkpoint(*h.db, *h.log_key);
  REQUIRE(signed_size.ok());
  REQUIRE(signed_size->has_value());
  w.checkpoint_size = **signed_size;
  return w;
}

// The value of a path placeholder in a scope. Keyed by the segment before the
// placeholder as well as its name: {id} is a request under /v1/requests and a
// notification under /v1/notifications.
std::optional<std::string> path_value(const World& w, std::string_view collection, std::string_view name, Scope s) {
  if (collection == "requests" && name == "id") return w.side(s).access_id;
  if (collection == "notifications" && name == "id") return w.side(s).notification_id;
  if (collection == "subjects" && name == "nik") return person_of(s).nik;
  if (collection == "tokens" && name == "id") return w.token_id;  // no subject's: the same in both scopes
  if (collection == "checkpoints" && name == "size") return std::to_string(w.checkpoint_size);  // hashes only
  if (collection == "tile" && name == "tile...") return std::string("0/000.p/1");                 // hashes only
  if (collection == "console" && name == "file") return std::string("index.html");  // static, the same for all
  return std::nullopt;
}

// The route's pattern with its placeholders filled in, or, for a placeholder
// the walk does not know, what to teach it.
struct Target {
  std::string path;
  std::string unknown;
};

Target target_of(const World& w, const api::Route& route, Scope s) {
  Target out;
  std::string previous;
  std::string_view rest = route.pattern;
  while (!rest.empty()) {
    rest.remove_prefix(1);  // the '/'
    std::string_view segment = rest.substr(0, rest.find('/'));
    rest.remove_prefix(segment.size());
    std::string part(segment);
    if (segment.starts_with('{') && segment.ends_with('}')) {
      std::string_view name = segment.substr(1, segment.size() - 2);
      auto value = path_value(w, previous, name, s);
      if (!value) {
        out.unknown = fmt::format("{} {} has a placeholder {{{}}} after /{}/ that the route walk does not know: teach "
                                  "path_value() in tests/route_walk_test.cpp an in-scope (subject A's) and an "
                                  "out-of-scope (subject B's) value for it",
                                  route.method, route.pattern, name, previous);
        out.path.clear();
        return out;
      }
      part = *value;
    }
    out.path += "/" + part;
    previous = std::string(segment);
  }
  return out;
}

// A body the route would accept from a caller it admits, for the scope's
// subject. A route not listed gets "{}": the access rules are checked
// before any body is read.
std::string body_of(const World& w, const api::Route& route, Scope s) {
  const Person& p = person_of(s);
  const std::string key = route.method + " " + route.pattern;
  if (key == "POST /v1/requests") return filing(p, "access");
  if (key == "POST /v1/requests/{id}/verify") return R"({"code": "123456"})";
  if (key == "POST /v1/requests/{id}/code" || key == "POST /v1/requests/{id}/withdraw") return "";
  if (key == "POST /v1/requests/{id}/messages") return R"({"body": "Mohon kabar terbaru."})";
  if (key == "POST /v1/requests/{id}/transitions")
    return json({{"event", "hold"}, {"reason", "route walk"}, {"version", w.side(s).access_version}});
  if (key == "POST /v1/requests/{id}/assignment") return R"({"assignee": "reviewer-walk"})";
  if (key == "POST /v1/requests/{id}/extension") return R"({"reason": "route walk"})";
  if (key == "PUT /v1/subjects/{nik}") return json(record_of(p));
  if (key == "PUT /v1/subjects/{nik}/legal-hold") return R"({"hold": true, "reason": "route walk"})";
  if (key == "POST /v1/recipients")
    return R"({"name": "Pemroses Data", "kind": "processor", "webhook_url": "https://processor.example/dsr"})";
  if (key == "POST /v1/disclosures")
    return json({{"nik", p.nik}, {"recipient_id", w.recipient_id}, {"categories", boost::json::array{"name"}},
                 {"legal_basis", "route walk"}, {"disclosed_at", "2025-03-01T00:00:00Z"}});
  if (key == "POST /v1/notifications/{id}/ack") return json({{"notification_id", w.side(s).notification_id}});
  if (key == "POST /v1/policy/versions")
    return R"({"version": "2025-01", "effective_at": "2025-01-01T00:00:00Z", "language": "en", "text": "Privacy policy"})";
  if (key == "POST /v1/consents")
    return json({{"nik", p.nik}, {"purpose", "route walk"}, {"status", "withdrawn"}, {"policy_version", "2024-01"},
                 {"at", "2025-03-01T00:00:00Z"}, {"channel", "letter"}, {"evidence_ref", "route walk"}});
  return route.method == "GET" ? "" : "{}";
}

bool admits(const api::Route& route, Role role) {
  return std::find(route.access.staff.begin(), route.access.staff.end(), role) != route.access.staff.end();
}

// Routes whose only credential is a signature over the body: no token opens
// them, whoever sends it (docs/webhooks.md; api/notification_routes.cpp).
const std::set<std::string> kSignedRoutes{"POST /v1/notifications/{id}/ack"};

// What the access rules promise one call, and the rule that promises it.
struct Promise {
  std::string rule;
  std::function<bool(int)> holds;
};

bool is_2xx(int s) { return s >= 200 && s < 300; }

Promise promise_for(const api::Route& route, const Caller& caller, Scope scope) {
  const std::string key = route.method + " " + route.pattern;
  const bool has_id = route.pattern.find("{id}") != std::string::npos;
  const bool has_nik = route.pattern.find("{nik}") != std::string::npos;
  if (caller.kind == Caller::Kind::garbage)
    return {"a token the server never issued is 401 on every route, public ones included (router.cpp authenticate)",
            [](int s) { return s == 401; }};
  if (kSignedRoutes.contains(key))
    return {"a signed route: no caller here holds the recipient's secret, so 401", [](int s) { return s == 401; }};
  Promise admitted{"admitted: a GET answers 2xx; a command 2xx, or 409/422 for the state or the body, never 401/403/404",
                   [get = route.method == "GET"](int s) { return is_2xx(s) || (!get && (s == 409 || s == 422)); }};
  // The console's page (the walk opens index.html) is the one public thing a
  // refused certificate does not get: it gets the page saying why instead.
  if (caller.kind == Caller::Kind::refused_certificate && route.pattern.starts_with("/console/"))
    return {"the console's page, to a refused certificate, is the refusal (401 revoked, 403 unknown)",
            [verdict = caller.verdict](int s) { return s == (verdict == api::ClientCertificate::Verdict::verified ? 403 : 401); }};
  if (route.access.public_route) return admitted;
  switch (caller.kind) {
    case Caller::Kind::refused_certificate:
      if (caller.verdict == api::ClientCertificate::Verdict::verified)
        return {"a sound certificate mapped to no one is 403 on a staff or subject route (certificate_unknown)",
                [](int s) { return s == 403; }};
      return {"a revoked certificate is 401 on a staff or subject route (certificate_revoked)",
              [](int s) { return s == 401; }};
    case Caller::Kind::anonymous:
      return {"a staff or subject route without credentials is 401", [](int s) { return s == 401; }};
    case Caller::Kind::subject:
      // The router answers 404, not 401/403, for a tracking token on any
      // route but its own request's subject routes (api/router.hpp, API.md
      // "404 also for a request outside the caller's scope"): ids cannot be probed.
      if (!route.access.subject || !has_id || scope == Scope::out)
        return {"a tracking token opens its own request's subject routes only; anything else is 404",
                [](int s) { return s == 404; }};
      return admitted;
    case Caller::Kind::certificate:  // a mapped certificate is its reviewer, as a token is
    case Caller::Kind::staff:
      if (!admits(route, caller.role))
        return {"a staff role the route does not list is 403", [](int s) { return s == 403; }};
      if (caller.role == Role::institution && has_nik && scope == Scope::out)
        return {"an institution asking for another organisation's employee is 404 (docs/api.md), so NIKs cannot be probed",
                [](int s) { return s == 404; }};
      // {id} is an access request: its result is its subject's alone; staff
      // fetch the letters of breach notices only.
      if (key == "GET /v1/requests/{id}/result")
        return {"a subject's result opens with the subject's tracking token only", [](int s) { return s == 403; }};
      // The walk names subject A's open request: B's consents are not the
      // subject of the request this member of staff works.
      if (key == "GET /v1/subjects/{nik}/consents" && caller.role != Role::system && scope == Scope::out)
        return {"staff read the consents of the subject of the open request they name (?request=) only",
                [](int s) { return s == 403; }};
      return admitted;
    case Caller::Kind::garbage: break;
  }
  return admitted;
}

// May `caller` be shown `person`'s data in the answer of `route` called on
// `scope`'s values? From docs/api.md, "Who may call what":
//  - systems read and write the records on file (/v1/subjects/{nik});
//  - an institution reads its own organisation's employees: A works at
//    BSSN, its organisation; B elsewhere;
//  - the holder of a tracking token sees its own request, correspondence and
//    access package: subject A's;
//  - back-office staff see the whole of a request, every reason and the
//    correspondence ("The back office": "Staff see the whole request"), so a
//    role the route admits may see the data of the subject whose request
//    {id} is, and nobody else's. The queue and the other staff routes hold
//    no one's data and are held to the check.
bool may_see(const Caller& caller, const api::Route& route, Scope scope, const Person& person) {
  const bool records = route.pattern.starts_with("/v1/subjects/{nik}");
  const bool one_request = route.pattern.starts_with("/v1/requests/{id}");
  // Staff working subject A's open request (the walk names it) read A's consents.
  const bool consents_of_worked = route.pattern == "/v1/subjects/{nik}/consents" && &person == &kA;
  switch (caller.kind) {
    case Caller::Kind::certificate:
    case Caller::Kind::staff:
      if (!admits(route, caller.role)) return false;
      if (records)
        return caller.role == Role::system || (caller.role == Role::institution && &person == &kA) ||
               consents_of_worked;
      return one_request && &person == &person_of(scope);
    case Caller::Kind::subject: return route.access.subject && &person == &kA;
    case Caller::Kind::anonymous:
    case Caller::Kind::garbage:
    case Caller::Kind::refused_certificate: return false;
  }
  return false;
}

// The strings that give a person away. Echoes are excluded: what the caller
// itself sent (a NIK in the path, a filing's name) discloses nothing to it.
std::vector<std::string> leaks_in(const Reply& reply, const Person& person, const std::string& target,
                                  const std::string& body) {
  std::string answer = reply.raw;
  for (const auto& [name, value] : reply.headers) answer += "\n" + name + ": " + value;
  std::vector<std::string> found;
  for (const std::string& needle :
       {person.nik, person.name, person.email, person.phone, person.corrected, person.purpose, person.restricted}) {
    if (target.find(needle) != std::string::npos || body.find(needle) != std::string::npos) continue;
    if (answer.find(needle) != std::string::npos) found.push_back(needle);
  }
  return found;
}

// The access entries of `person` for `route` ("GET /v1/requests/{id}").
std::size_t access_entries(const World& w, const Person& person, const std::string& route) {
  auto ref = w.h->vault->find_by_nik(person.nik);
  REQUIRE(ref.ok());
  if (!ref->has_value()) return 0;
  auto page = w.h->access_log->for_subject(**ref, AccessLog::kMaxPage, std::nullopt);
  REQUIRE(page.ok());
  return static_cast<std::size_t>(std::count_if(page->items.begin(), page->items.end(),
                                                [&](const AccessEntry& e) { return e.route == route; }));
}

// Whether the answer hands over the person's identifying data (what the
// caller did not itself send).
bool identifies(const Reply& reply, const Person& person, const std::string& target, const std::string& body) {
  for (const std::string& needle : {person.nik, person.name, person.email, person.phone}) {
    if (target.find(needle) != std::string::npos || body.find(needle) != std::string::npos) continue;
    if (reply.raw.find(needle) != std::string::npos) return true;
  }
  return false;
}

// Calls that must succeed, so that the walk cannot pass by everything being
// refused (besides every admitted GET, which must be 2xx). Each must be met.
// The commands on {id} are not here: the request walked is a completed one
// (so that its package is there to leak), and a completed request answers
// 409 to every event.
const std::map<std::string, int> kMustSucceed{
    {"POST /v1/requests | anonymous | in", 201},
    {"GET /v1/requests/{id} | subject A (tracking token) | in", 200},
    {"GET /v1/requests/{id}/result | subject A (tracking token) | in", 200},
    {"GET /v1/requests/{id}/messages | subject A (tracking token) | in", 200},
    {"GET /v1/subjects/{nik} | institution | in", 200},
    {"GET /v1/subjects/{nik} | system | out", 200},
    {"PUT /v1/subjects/{nik} | system | in", 200},
    {"PUT /v1/subjects/{nik}/legal-hold | supervisor | in", 200},
    {"GET /v1/requests/{id}/events | auditor | out", 200},
    {"GET /v1/requests | verifier | in", 200},
    {"GET /v1/requests | reviewer (certificate) | in", 200},
    {"GET /v1/requests/{id}/events | reviewer (certificate) | out", 200},
    {"POST /v1/recipients | admin | in", 201},
    {"POST /v1/disclosures | system | out", 201},
    {"GET /v1/tokens | admin | in", 200},
    {"DELETE /v1/tokens/{id} | admin | out", 200},
    {"GET /v1/log/checkpoint | anonymous | in", 200},
    {"GET /v1/log/checkpoints/{size} | anonymous | in", 200},
    {"GET /v1/log/consistency | anonymous | in", 200},
    {"GET /v1/log/entries | auditor | in", 200},
    {"GET /v1/log/tile/{tile...} | anonymous | in", 200},
    {"POST /v1/consents | system | out", 201},
    {"GET /v1/policy | anonymous | in", 200},
    {"GET /v1/policy/versions | anonymous | in", 200},
    {"POST /v1/policy/versions | admin | in", 201},
    {"GET /v1/subjects/{nik}/consents | system | out", 200},
    {"GET /v1/subjects/{nik}/consents | reviewer | in", 200},
    {"GET /v1/subjects/{nik}/access-log | auditor | in", 200},
    {"GET /v1/subjects/{nik}/access-log | admin | out", 200},
};

}  // namespace

TEST_CASE("the route walk: every route, every caller, in scope and out of scope", "[api][route-walk]") {
  World world = build_world();
  bool dirty = false;  // a command has run in this world: the next call gets a fresh one
  const auto walkers = callers();
  // A copy: the table outlives each world the walk builds (only the method,
  // the pattern and the access rule are read, never the handlers).
  const std::vector<api::Route> table = world.h->router->routes();
  std::size_t walked = 0, succeeded = 0, recorded = 0, walked_with_head = 0;
  std::set<std::string> routes_walked, met;
  for (const api::Route& route : table) {
    routes_walked.insert(route.method + " " + route.pattern);
    for (const Caller& caller : walkers) {
      for (Scope scope : kScopes) {
        if (dirty) world = build_world();
        dirty = false;
        Target target = target_of(world, route, scope);
        if (!target.unknown.empty()) FAIL(target.unknown);
        // The log's ranges come in the query: the whole log.
        if (route.pattern == "/v1/log/consistency" || route.pattern == "/v1/log/entries")
          target.path += "?from=1&to=" + std::to_string(world.checkpoint_size);
        // Staff read consents for the request they work: subject A's.
        if (route.pattern == "/v1/subjects/{nik}/consents") target.path += "?request=" + world.a.open_id;
        const std::string& path = target.path;
        std::string body = body_of(world, route, scope);
        std::string token = caller.kind == Caller::Kind::staff     ? world.tokens.at(caller.name)
                            : caller.kind == Caller::Kind::subject ? world.a.access_token
                            : caller.kind == Caller::Kind::garbage ? caller.garbage
                                                                   : "";
        INFO(route.method << " " << route.pattern << "  as " << caller.name << ", " << scope_name(scope));
        CAPTURE(path, body);
        const std::string route_key = route.method + " " + route.pattern;
        std::map<const Person*, std::size_t> entries_before;
        for (const Person* person : {&kA, &kB}) entries_before[person] = access_entries(world, *person, route_key);
        world.h->presenting.reset();
        if (caller.kind == Caller::Kind::certificate)
          world.h->presenting = certificate("1000", api::ClientCertificate::Verdict::verified);
        if (caller.kind == Caller::Kind::refused_certificate) world.h->presenting = certificate("2000", caller.verdict);
        // The certificate stays presented for the HEAD below; the next call resets it.
        Reply reply = world.h->call(route.method, path, body, token);
        ++walked;
        // A refusal (401, 403, 404) changes nothing; any other answer to a
        // command may have, so the next call gets a fresh world.
        dirty = route.method != "GET" && reply.status != 401 && reply.status != 403 && reply.status != 404;
        CAPTURE(reply.status, reply.raw);

        Promise promise = promise_for(route, caller, scope);
        INFO("rule: " << promise.rule);
        CHECK(promise.holds(reply.status));
        succeeded += is_2xx(reply.status);

        // HEAD wherever GET is (RFC 9110 9.3.2): the same status and
        // headers, the GET body's length, and no body.
        if (route.method == "GET") {
          Reply head = world.h->call("HEAD", path, "", token);
          ++walked_with_head;
          INFO("HEAD " << path);
          CHECK(head.status == reply.status);
          CHECK(head.raw.empty());
          // A refusal names the method asked (HEAD), so only a success's
          // body is the GET's to the byte.
          // The access log is the one answer that grows by being read: the
          // GET's own entry is in the log the HEAD describes.
          bool reads_itself = route.pattern == "/v1/subjects/{nik}/access-log";
          if (is_2xx(reply.status) && !reads_itself)
            CHECK(head.head_of_length == std::optional<std::size_t>(reply.raw.size()));
          if (is_2xx(reply.status) && reads_itself) CHECK(head.head_of_length.value_or(0) > reply.raw.size());
          // A HEAD hands over no data: it is neither an access entry nor a disclosure.
          if (caller.kind == Caller::Kind::staff || caller.kind == Caller::Kind::certificate)
            for (const Person* person : {&kA, &kB})
              CHECK(access_entries(world, *person, "HEAD " + route.pattern) == 0);
          CHECK(head.content_type == reply.content_type);
          CHECK(head.headers == reply.headers);
        }

        // Within "the whole request", the record on file and what was asked
        // go only to those who work it (docs/api.md): not auditors, not admins.
        if (route.method == "GET" && route.pattern == "/v1/requests/{id}" &&
            (caller.kind == Caller::Kind::staff || caller.kind == Caller::Kind::certificate) &&
            is_2xx(reply.status)) {
          bool works_it = caller.role == Role::verifier || caller.role == Role::reviewer || caller.role == Role::supervisor;
          INFO("the subject panel is for verifiers, reviewers and supervisors only");
          CHECK(reply.body.as_object().contains("subject") == works_it);
          CHECK(reply.body.as_object().contains("details") == works_it);
        }

        // A staff answer with a subject's data wrote an access entry first,
        // whether a token or a certificate signed the member of staff in.
        if ((caller.kind == Caller::Kind::staff || caller.kind == Caller::Kind::certificate) && is_2xx(reply.status)) {
          for (const Person* person : {&kA, &kB}) {
            if (!identifies(reply, *person, path, body)) continue;
            INFO("the answer hands over the data of " << person->name << ": the access log must have an entry");
            CHECK(access_entries(world, *person, route_key) > entries_before[person]);
            ++recorded;
          }
        }

        for (const Person* person : {&kA, &kB}) {
          if (may_see(caller, route, scope, *person)) continue;
          INFO("may not see the data of " << person->name);
          CHECK(leaks_in(reply, *person, path, body) == std::vector<std::string>{});
        }

        std::string call = fmt::format("{} {} | {} | {}", route.method, route.pattern, caller.name,
                                       scope == Scope::in ? "in" : "out");
        if (auto must = kMustSucceed.find(call); must != kMustSucceed.end()) {
          CHECK(reply.status == must->second);
          met.insert(call);
        }
      }
    }
  }
  // Every promised success was walked: a renamed route or caller shows here.
  for (const auto& [call, status] : kMustSucceed) {
    INFO("never walked: " << call);
    CHECK(met.contains(call));
  }
  std::cout << fmt::format("route walk: {} routes x {} callers x 2 scopes = {} calls walked, {} answered 2xx, {} staff "
                           "answers carried a subject's data, each with its access entry; {} GET calls walked again "
                           "with HEAD\n",
                           routes_walked.size(), walkers.size(), walked, succeeded, recorded, walked_with_head);
  CHECK(recorded > 0);
  CHECK(walked == routes_walked.size() * walkers.size() * 2);
  const auto gets = std::count_if(table.begin(), table.end(), [](const api::Route& r) { return r.method == "GET"; });
  CHECK(walked_with_head == static_cast<std::size_t>(gets) * walkers.size() * 2);
}

TEST_CASE("the route walk names a placeholder it does not know", "[api][route-walk]") {
  World world;
  api::Route route{"GET", "/v1/widgets/{widget}/parts", "a route from the future", {false, false, {Role::admin}}, {}};
  Target target = target_of(world, route, Scope::in);
  CHECK(target.path.empty());
  CHECK_THAT(target.unknown, Catch::Contains("{widget} after /widgets/") && Catch::Contains("teach path_value()"));
}
