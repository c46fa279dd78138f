// NotificationWorker: delivers recipient notifications (policy D.2) as
// signed webhooks, at least once. Each due notice is POSTed with the body,
// Dsr-Signature and Idempotency-Key of API.md; any 2xx marks it delivered,
// anything else is retried on the RetrySchedule until its horizon, then
// marked failed (a dead letter, shown on the request and in /metrics).
// A notice in flight when the process dies is still pending, so it is sent
// again after a restart, with the same Idempotency-Key.
#pragma once

#include <string>

#include "api/webhook_client.hpp"
#include "app/periodic_worker.hpp"
#include "app/trouble_log.hpp"
#include "engine/clock.hpp"
#include "engine/retry_schedule.hpp"
#include "storage/recipient_notices.hpp"

namespace dsr::app {

class NotificationWorker {
 public:
  // `public_url`: where recipients reach this server, for the ack_url.
  NotificationWorker(storage::NoticeQueue& ledger, api::WebhookClient& client, const Clock& clock,
                     RetrySchedule retries, std::string public_url);
  void poke() { worker_.poke(); }

 private:
  // True when a full batch went out: more may be waiting.
  bool deliver_due();

  storage::NoticeQueue& ledger_;
  api::WebhookClient& client_;
  const Clock& clock_;
  RetrySchedule retries_;
  std::string public_url_;
  TroubleLog trouble_{"notifications"};
  PeriodicWorker worker_;  // last: its thread uses the members above
};

// The webhook body of API.md for one notice.
std::string notification_body(const storage::DueNotification& due, const std::string& public_url);

}  // namespace dsr::app
