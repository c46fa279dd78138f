#include "app/notification_worker.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <fmt/format.h>

#include "api/webhook_signature.hpp"
#include "app/outbox_worker.hpp"

namespace dsr::app {

std::string notification_body(const storage::DueNotification& due, const std::string& public_url) {
  const auto& n = due.notification;
  boost::json::object body{{"notification_id", n.id},
                           {"request_id", n.request_id},
                           {"type", due.request_type},
                           {"subject", {{"nik", due.nik}}}};
  auto changes = boost::json::parse(due.changes_json);
  if (changes.is_array() && !changes.get_array().empty()) body["changes"] = std::move(changes);
  // purpose (a consent withdrawal), restriction, export (a transfer); never
  // one of the fields above.
  auto fields = boost::json::parse(due.fields_json);
  if (fields.is_object())
    for (const auto& [name, value] : fields.get_object())
      if (!body.contains(name)) body[name] = value;
  body["ack_url"] = fmt::format("{}/v1/notifications/{}/ack", public_url, n.id);
  return boost::json::serialize(body);
}

NotificationWorker::NotificationWorker(storage::NoticeQueue& ledger, api::WebhookClient& client,
                                       const Clock& clock, RetrySchedule retries, std::string public_url)
    : ledger_(ledger), client_(client), clock_(clock), retries_(retries), public_url_(std::move(public_url)),
      worker_(std::chrono::milliseconds(500), [this] { return deliver_due(); }) {}

bool NotificationWorker::deliver_due() {
  TimePoint now = clock_.now();
  constexpr int kBatch = 50;
  auto due = ledger_.due(now, kBatch);
  if (!due) {
    trouble_.failed(due.error().message);
    return false;
  }
  trouble_.succeeded();
  std::vector<const storage::DueNotification*> sending;
  std::vector<api::OutgoingPost> posts;
  for (const auto& d : *due) {
    if (d.webhook_url.empty()) {
      // An institution that reads through the API has no webhook to call.
      (void)ledger_.attempt_failed(d.notification.id, "the recipient has no webhook address: tell them by other means, "
                                   "then a supervisor may close the request with complete_unacknowledged", std::nullopt);
      continue;
    }
    std::string body = notification_body(d, public_url_);
    std::string signature = api::signature_header(d.signing_secret, now.time_since_epoch().count(), body);
    posts.push_back({d.webhook_url, {{"Dsr-Signature", signature}, {"Idempotency-Key", d.notification.id}}, std::move(body)});
    sending.push_back(&d);
  }
  if (posts.empty()) return static_cast<int>(due->size()) == kBatch;
  auto outcomes = client_.post_all(posts);
  TimePoint answered = clock_.now();
  for (std::size_t i = 0; i < sending.size(); ++i) {
    const auto& n = sending[i]->notification;
    if (outcomes[i].delivered()) {
      (void)ledger_.delivered(n.id, answered);
      continue;
    }
    auto retry = retries_.next_attempt(n.attempts + 1, n.created_at, answered, retry_jitter());
    (void)ledger_.attempt_failed(n.id, outcomes[i].error, retry);
    fmt::print(stderr, "dsr: notification {} to {} not delivered (attempt {}{}): {}\n", n.id, n.recipient_id,
               n.attempts + 1, retry ? "" : ", the last: now a dead letter", outcomes[i].error);
  }
  return static_cast<int>(due->size()) == kBatch;
}

}  // namespace dsr::app
