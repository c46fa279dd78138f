// Recipient notifications (policy D.2): the back office's view of who has
// been told of a correction or erasure, and the signed acknowledgement a
// recipient sends back. An acknowledgement that completes the set lets the
// request complete.
#include <fmt/format.h>

#include "api/route_support.hpp"
#include "api/routes.hpp"
#include "api/webhook_signature.hpp"

namespace dsr::api {
namespace {

boost::json::value time_or_null(const std::optional<TimePoint>& t) {
  return t ? boost::json::value(format_rfc3339(*t)) : nullptr;
}

boost::json::object notification_view(const RecipientNotification& n) {
  return {{"id", n.id},
          {"recipient_id", n.recipient_id},
          {"recipient_name", n.recipient_name},
          {"recipient_kind", n.recipient_kind},
          {"status", to_string(n.status)},
          {"attempts", n.attempts},
          {"last_error", n.last_error.empty() ? boost::json::value(nullptr) : boost::json::value(n.last_error)},
          {"created_at", format_rfc3339(n.created_at)},
          {"next_attempt_at", time_or_null(n.next_attempt_at)},
          {"delivered_at", time_or_null(n.delivered_at)},
          {"acknowledged_at", time_or_null(n.acknowledged_at)}};
}

void list_notifications(const HttpRequest& http, ApiContext& context, const std::string& id, Respond respond) {
  Locale l = locale_of(http);
  auto request = context.store.load(id);
  if (!request) return respond(problem_for(request.error(), l));
  auto notifications = context.notifications.for_request(id);
  if (!notifications) return respond(problem_for(notifications.error(), l));
  boost::json::array items;
  for (const auto& n : *notifications) items.push_back(notification_view(n));
  respond(json_response(200, {{"id", id}, {"status", request->state}, {"summary", notification_counts(*notifications)},
                              {"items", std::move(items)}}));
}

// A 401 must name the scheme it wants (RFC 9110, 11.6.1): here the
// signature of docs/webhooks.md, not a bearer token.
HttpResponse unauthorized(Locale l, std::string detail) {
  HttpResponse r = problem(401, "bad_signature", text::kUnauthorized.in(l), detail);
  r.headers.emplace_back("WWW-Authenticate", "Dsr-Signature");
  return r;
}

// The recipient proves who it is with the signature alone: no token, and
// nothing changes unless the signature is valid and fresh.
void acknowledge(const HttpRequest& http, ApiContext& context, const std::string& id, Respond respond) {
  Locale l = locale_of(http);
  std::string header = http.header("Dsr-Signature");
  if (header.empty())
    return respond(unauthorized(l, "sign the acknowledgement: Dsr-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "
                                   "t.body under your signing secret> (docs/webhooks.md)"));
  auto notification = context.notifications.find(id);
  if (!notification) {
    if (notification.error().code == ErrorCode::not_found) return respond(unauthorized(l, "the signature does not match"));
    return respond(problem_for(notification.error(), l));
  }
  auto recipient = context.disclosures.recipient(notification->recipient_id);
  if (!recipient) return respond(problem_for(recipient.error(), l));
  auto now = context.clock.now().time_since_epoch().count();
  switch (check_signature(header, recipient->signing_secret, http.body, now)) {
    case SignatureCheck::valid: break;
    case SignatureCheck::malformed:
      return respond(unauthorized(l, "Dsr-Signature must read t=<unix seconds>,v1=<64 hex digits>"));
    case SignatureCheck::stale:
      return respond(unauthorized(l, fmt::format("the signature's time is more than {} seconds from now; sign again "
                                                 "with the current time", kSignatureWindow.count())));
    case SignatureCheck::mismatch: return respond(unauthorized(l, "the signature does not match"));
  }
  // The body is signed, so it is read only now; it may be empty or {} and
  // may repeat the notification id.
  if (http.body.find_first_not_of(" \t\r\n") != std::string::npos) {
    auto parsed = parse_object_body(http, l);
    if (auto* answer = std::get_if<HttpResponse>(&parsed)) return respond(std::move(*answer));
    std::vector<FieldError> errors;
    {
      BodyReader body(std::get<boost::json::object>(parsed), "", l, errors);
      auto named = body.string("notification_id", false, 100);
      if (named && *named != id) body.error("notification_id", l == Locale::en ? "differs from the id in the path"
                                                                               : "berbeda dengan id di path");
    }
    if (!errors.empty()) return respond(validation_problem(l, errors));
  }
  context.notifications.acknowledge(id, context.clock.now(), [&context, id, l, request_id = notification->request_id,
                                                              respond = std::move(respond)](Status s) mutable {
    if (!s) return respond(problem_for(s.error(), l));
    context.requests.settle(request_id, [id, request_id, respond = std::move(respond)](Result<Request> r) {
      // The acknowledgement is durable whatever settling answers; the
      // outbox worker settles again later if this one lost a race.
      respond(json_response(200, {{"id", id}, {"status", "acknowledged"}, {"request_id", request_id},
                                  {"request_status", r ? boost::json::value(r->state) : nullptr}}));
    });
  });
}

}  // namespace

void add_notification_routes(Router& router, ApiContext& context) {
  router.add({"GET", "/v1/requests/{id}/notifications", "Who has been told of a correction or erasure",
              {false, false, kBackOffice},
              [&context](const HttpRequest& http, const Caller&, const RouteParams& p, Respond respond) {
                list_notifications(http, context, p.at("id"), std::move(respond));
              }});
  router.add({"POST", "/v1/notifications/{id}/ack", "A recipient acknowledges a notice (signed, no token)",
              {true, false, {}},
              [&context](const HttpRequest& http, const Caller&, const RouteParams& p, Respond respond) {
                acknowledge(http, context, p.at("id"), std::move(respond));
              }});
}

}  // namespace dsr::api
