// Staff tokens for administrators: the list (never a secret) and
// revocation. Tokens are made with `dsr token create` on the server, so that
// a secret is only ever shown to someone at its console.
#include "api/route_support.hpp"
#include "api/routes.hpp"
#include "api/token_view.hpp"

namespace dsr::api {
namespace {

boost::json::value optional_time(const std::optional<TimePoint>& t) {
  if (!t) return nullptr;
  return boost::json::value(format_rfc3339(*t));
}

boost::json::value optional_text(const std::string& s) {
  if (s.empty()) return nullptr;
  return boost::json::value(s);
}

}  // namespace

boost::json::object token_view(const TokenRecord& t, TimePoint now) {
  return {{"id", t.id},
          {"name", t.principal.name},
          {"role", to_string(t.principal.role)},
          {"institution", optional_text(t.principal.organization)},
          {"status", t.status(now)},
          {"created_at", format_rfc3339(t.created_at)},
          {"last_used_at", optional_time(t.last_used_at)},
          {"expires_at", optional_time(t.expires_at)},
          {"revoked_at", optional_time(t.revoked_at)},
          {"revoked_by", optional_text(t.revoked_by)}};
}

void add_token_routes(Router& router, ApiContext& context) {
  router.add({"GET", "/v1/tokens", "Staff and system tokens, revoked and expired ones included (admin)",
              {false, false, {Role::admin}},
              [&context](const HttpRequest& http, const Caller&, const RouteParams&, Respond respond) {
                Locale l = locale_of(http);
                if (context.token_admin == nullptr)
                  return respond(problem_for(Error::unavailable("tokens cannot be listed by this server"), l));
                auto tokens = context.token_admin->tokens();
                if (!tokens) return respond(problem_for(tokens.error(), l));
                TimePoint now = context.clock.now();
                boost::json::array items;
                for (const auto& t : *tokens) items.emplace_back(token_view(t, now));
                respond(json_response(200, boost::json::object{{"items", std::move(items)}}));
              }});
  router.add({"DELETE", "/v1/tokens/{id}", "Revoke a token: refused everywhere within 5 seconds (admin)",
              {false, false, {Role::admin}},
              [&context](const HttpRequest& http, const Caller& caller, const RouteParams& params, Respond respond) {
                Locale l = locale_of(http);
                if (context.token_admin == nullptr)
                  return respond(problem_for(Error::unavailable("tokens cannot be revoked by this server"), l));
                context.token_admin->revoke(
                    params.at("id"), caller.principal.name,
                    [&context, l, respond = std::move(respond)](Result<TokenRecord> revoked) {
                      if (!revoked) return respond(problem_for(revoked.error(), l));
                      respond(json_response(200, token_view(*revoked, context.clock.now())));
                    });
              }});
}

}  // namespace dsr::api
