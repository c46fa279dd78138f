// The privacy policy's versions (policy K, C.7): an admin publishes each
// version with its effective date, language and text; anyone reads the
// version in force and the archive of every earlier one. A published text
// is never changed: a correction is a new version.
#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "api/route_support.hpp"
#include "api/routes.hpp"

namespace dsr::api {
namespace {

HttpResponse no_archive() {
  return problem(503, "unavailable", "Service Unavailable", "the policy's versions cannot be read on this server");
}

boost::json::object version_view(const PolicyVersion& v, bool with_text) {
  boost::json::object out{{"version", v.version},
                          {"effective_at", format_rfc3339(v.effective_at)},
                          {"language", v.language},
                          {"published_at", format_rfc3339(v.published_at)}};
  if (with_text) out["text"] = v.text;
  return out;
}

// The language asked for: ?lang=, else the request's Accept-Language.
std::string language_asked(const HttpRequest& http) {
  auto query = http.query();
  if (auto it = query.find("lang"); it != query.end()) return it->second;
  return std::string(to_string(locale_of(http)));
}

bool plausible_version(std::string_view v) {
  return !v.empty() && std::all_of(v.begin(), v.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_';
  });
}

void policy_in_force_now(const HttpRequest& http, ApiContext& context, Respond respond) {
  Locale l = locale_of(http);
  if (context.policy_archive == nullptr) return respond(no_archive());
  auto versions = context.policy_archive->versions();
  if (!versions) return respond(problem_for(versions.error(), l));
  auto current = policy_in_force(*versions, context.clock.now(), language_asked(http));
  if (!current)
    return respond(problem(404, "not_found", text::kNotFound.in(l),
                           "no version of the privacy policy has taken effect yet"));
  boost::json::object body = version_view(*current, true);
  boost::json::array languages;
  for (const auto& v : *versions)
    if (v.version == current->version) languages.emplace_back(v.language);
  body["languages"] = std::move(languages);
  respond(json_response(200, body));
}

void policy_archive(const HttpRequest& http, ApiContext& context, Respond respond) {
  Locale l = locale_of(http);
  if (context.policy_archive == nullptr) return respond(no_archive());
  auto versions = context.policy_archive->versions();
  if (!versions) return respond(problem_for(versions.error(), l));
  auto current = policy_in_force(*versions, context.clock.now(), "");
  boost::json::array items;
  for (const auto& v : *versions) {
    boost::json::object item = version_view(v, true);
    item["in_force"] = current && current->version == v.version;
    items.push_back(std::move(item));
  }
  respond(json_response(200, {{"versions", std::move(items)}}));
}

void publish_version(const HttpRequest& http, const Caller& caller, ApiContext& context, Respond respond) {
  Locale l = locale_of(http);
  if (context.policy_archive == nullptr) return respond(no_archive());
  auto parsed = parse_object_body(http, l);
  if (auto* answer = std::get_if<HttpResponse>(&parsed)) return respond(std::move(*answer));
  std::vector<FieldError> errors;
  PolicyVersion v;
  {
    BodyReader body(std::get<boost::json::object>(parsed), "", l, errors);
    v.version = body.string("version", true, 50).value_or("");
    if (!v.version.empty() && !plausible_version(v.version))
      body.error("version", l == Locale::en ? "letters, digits, '.', '-' and '_' only, e.g. 2024-01"
                                            : "hanya huruf, angka, '.', '-' dan '_', mis. 2024-01");
    if (auto at = body.instant("effective_at", true)) v.effective_at = *at;
    v.language = body.one_of("language", true, {"id", "en"}).value_or("");
    v.text = body.string("text", true, 60000).value_or("");
  }
  if (errors.empty()) {
    // One instant per version, whatever the language; one version per instant.
    auto versions = context.policy_archive->versions();
    if (!versions) return respond(problem_for(versions.error(), l));
    for (const auto& other : *versions) {
      if (other.version == v.version && other.effective_at != v.effective_at) {
        errors.push_back({"effective_at", fmt::format("version {} takes effect at {} in its other languages",
                                                      v.version, format_rfc3339(other.effective_at))});
        break;
      }
      if (other.version != v.version && other.effective_at == v.effective_at) {
        errors.push_back({"effective_at", fmt::format("version {} already takes effect at that instant", other.version)});
        break;
      }
    }
  }
  if (!errors.empty()) return respond(validation_problem(l, errors));
  v.published_by = caller.principal.name;
  v.published_at = context.clock.now();
  context.policy_archive->publish(v, [l, v, respond = std::move(respond)](Status published) {
    if (!published) return respond(problem_for(published.error(), l));
    HttpResponse r = json_response(201, version_view(v, false));
    r.headers.emplace_back("Location", "/v1/policy/versions");
    respond(std::move(r));
  });
}

}  // namespace

void add_policy_routes(Router& router, ApiContext& context) {
  router.add({"GET", "/v1/policy", "The privacy policy in force (?lang=id|en)", {true, false, {}},
              [&context](const HttpRequest& http, const Caller&, const RouteParams&, Respond respond) {
                policy_in_force_now(http, context, std::move(respond));
              }});
  router.add({"GET", "/v1/policy/versions", "Every version of the privacy policy, oldest first", {true, false, {}},
              [&context](const HttpRequest& http, const Caller&, const RouteParams&, Respond respond) {
                policy_archive(http, context, std::move(respond));
              }});
  router.add({"POST", "/v1/policy/versions", "Publish a version of the privacy policy (admin)", {false, false, {Role::admin}},
              [&context](const HttpRequest& http, const Caller& caller, const RouteParams&, Respond respond) {
                publish_version(http, caller, context, std::move(respond));
              }});
}

}  // namespace dsr::api
