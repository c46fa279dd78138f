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
};

class RequestService {
 public:
  using Done = std::function<void(Result<Request>)>;
  using IdSource = std::function<std::string()>;

  RequestService(const WorkflowSet& workflows, const SlaCatalog& policies, Store& store, const Clock& clock,
                 IdSource new_id);

  // Refuses a policy or type that has no SLA rule before anything is stored.
  void submit(const Submission& submission, Done done);
  // What goes with an event into the same transaction.
  struct Attachments {
    std::vector<OutgoingMessage> messages;        // to the outbox
    std::optional<std::string> correspondence;    // a message text from the actor
  };

  // `command.at` is ignored: the service stamps the event with its clock.
  void fire(std::string_view request_id, Command command, Done done, Attachments attachments = {});
  Result<Request> get(std::string_view request_id) const;
  Result<std::vector<std::string>> allowed_events(const Request& request, const Actor& actor) const;
  // The request's deadline now (pauses still open are counted up to now).
  Result<Deadline> deadline(const Request& request) const;

 private:
  Result<const Workflow*> workflow_for(std::string_view type) const;

  const WorkflowSet& workflows_;
  const SlaCatalog& policies_;
  SlaClock sla_;
  Store& store_;
  const Clock& clock_;
  IdSource new_id_;
};

}  // namespace dsr
