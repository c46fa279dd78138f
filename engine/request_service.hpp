// RequestService: files requests and fires workflow events, through the
// Store and the Clock. It loads the request, asks the interpreter, and
// commits the resulting event with an optimistic version check, so two
// reviewers acting at once cannot both win.
//
// Thread-safe as long as the Store is; completions run wherever the Store
// completes them.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/clock.hpp"
#include "engine/interpreter.hpp"
#include "engine/sla_clock.hpp"
#include "engine/store.hpp"
#include "engine/subject_notices.hpp"
#include "engine/workflow_set.hpp"

namespace dsr {

struct Submission {
  std::string type;
  std::string policy;
  std::string subject_ref;
  Actor filed_by;
  std::optional<Filing> filing;
  std::vector<OutgoingMessage> messages;
  std::optional<std::string> id = std::nullopt;  // chosen by the caller (to answer before it is stored); else the IdSource's
  std::optional<TimePoint> at = std::nullopt;    // the instant of receipt, if the caller already fixed it
  // Filed by a verifier for a subject who called or came in: the identity
  // check they made, recorded as the verify_manually event in the filing's
  // own commit (its reason and data: channel, representative).
  std::optional<Command> verified_by = std::nullopt;
  // When the deadline counts from, if earlier than the instant of receipt
  // (a breach notice: when the breach became known). Kept in the submit
  // event, so that the journal says why the deadline is what it is.
  std::optional<TimePoint> clock_from = std::nullopt;
};

// Optional parts of a RequestService: without `notices` no subject is
// written to; without `notifications` a request never waits for recipients
// (the acknowledgement guard always holds).
struct RequestServiceCollaborators {
  const SubjectNotices* notices = nullptr;
  const NotificationLedger* notifications = nullptr;
};

class RequestService {
 public:
  using Done = std::function<void(Result<Request>)>;
  using IdSource = std::function<std::string()>;

  using Collaborators = RequestServiceCollaborators;

  RequestService(const WorkflowSet& workflows, const SlaCatalog& policies, Store& store, const Clock& clock,
                 IdSource new_id, Collaborators collaborators = {});

  // Refuses a policy or type that has no SLA rule before anything is stored.
  void submit(const Submission& submission, Done done);
  // What goes with an event into the same transaction.
  struct Attachments {
    std::vector<OutgoingMessage> messages;        // to the outbox
    std::optional<std::string> correspondence;    // a message text from the actor
  };

  // `command.at` is ignored: the service stamps the event with its clock.
  // The transition's effects (corrections, erasure, recipient notices) and
  // its message to the subject go into the same commit. A request that
  // enters a recipient-notification step is settled before `done`.
  void fire(std::string_view request_id, Command command, Done done, Attachments attachments = {});
  // For a request waiting on its recipients: fires the workflow's guarded
  // completion (as the system) once every notification is acknowledged, or
  // at once when there were none. Otherwise answers the request as it is.
  void settle(std::string_view request_id, Done done);
  // The message the workflow's start sends the subject (its
  // notify_subject: "we received your request, due on ..."), or nullopt when
  // it sends none or the subject has no address dsr may use. Not queued at
  // filing: each filing would then write a second row on the one writer
  // thread; the outbox worker writes receipts from the stored filings
  // instead (storage/filing_receipts.hpp). `details_json`: the filing's.
  // An error when the address cannot be looked up now: try again later.
  Result<std::optional<OutgoingMessage>> receipt(const RequestHeader& header, TimePoint received_at,
                                                 std::string_view details_json) const;
  Result<Request> get(std::string_view request_id) const;
  Result<std::vector<std::string>> allowed_events(const Request& request, const Actor& actor) const;
  // The request's deadline now (pauses still open are counted up to now).
  Result<Deadline> deadline(const Request& request) const;

 private:
  Result<const Workflow*> workflow_for(std::string_view type) const;
  // Why `transition`'s guard does not hold now, or empty.
  Result<std::string> guard_refusal(const Transition& transition, const Request& request) const;
  Result<Fulfilment> fulfilment_for(const Transition& transition, const Request& request, const Event& event) const;
  // An open request of the same type for the same subject on file, which a
  // new filing duplicates.
  Result<std::optional<std::string>> duplicated(const Submission& submission) const;
  Result<std::vector<RecipientNotification>> notifications_of(const Request& request) const;

  const WorkflowSet& workflows_;
  const SlaCatalog& policies_;
  SlaClock sla_;
  Store& store_;
  const Clock& clock_;
  IdSource new_id_;
  Collaborators with_;
};

}  // namespace dsr
