// Store: the engine's port to durable storage. storage/ implements it on
// SQLite; InMemoryStore (below) serves tests and is the reference for what
// an implementation must do.
//
// Contract: commit() is atomic (all of a change or none), refuses a change
// whose expected_version is not the stored version (ErrorCode::conflict),
// and calls `done` only once the change is durable, or failed. `done` may
// run on another thread. load() may be called from any thread.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/ports.hpp"
#include "engine/request.hpp"
#include "engine/request_milestones.hpp"
#include "engine/result.hpp"
#include "engine/subject_vault.hpp"

namespace dsr {

// What a new request brings besides its first event, stored in the same
// transaction so that a filing is all there or not at all.
struct Filing {
  std::string tracking_token;  // the subject's key to this request; the store keeps only a keyed hash
  std::string details_json;    // the form's details and contact data; the store keeps it sealed
  std::string code;            // a one-time verification code, or empty; kept hashed
  TimePoint code_expires_at;
  int code_attempts = 0;
  // With an Idempotency-Key: the answer to give again for the same key and
  // body, kept sealed (it holds the tracking token).
  std::string idempotency_key;
  std::string request_digest;  // of the body that filed it
  std::string response;
};

struct IdempotentReply {
  std::string request_digest;
  std::string response;
};

// A message in the correspondence of a request; the store keeps the text
// sealed, the journal records only that it was sent.
struct Correspondence {
  std::string author;  // principal name, or "subject"
  Role role = Role::subject;
  std::string body;
  TimePoint at;
};

// One subject's data released to an authority (policy D.7): the ledger
// entry, and the notice to the authority carrying the data (its webhook
// body's further fields, sealed at rest like every recipient notice).
struct ReleasedSubject {
  std::string nik;
  std::string fields_json;  // {"release": {...the categories asked...}, "legal_basis", "document_ref"}
  Disclosure disclosure;    // its subject_ref, recipient_id (the authority), withheld_until
};

// The fulfilment of a right, carried out in the same transaction as the
// event that records it (workflow "effects").
struct Fulfilment {
  // Field -> corrected value, applied to the subject's record on file
  // (fields: name, nik, nip, organization, unit, position, email, phone, face_photo).
  std::map<std::string, std::string> corrections;
  bool erase_subject = false;  // crypto-shred the record (after the notices have read its NIK)
  // One notification per recipient in the disclosure ledger for the
  // subject, each carrying the subject's NIK and `changes_json` (a JSON
  // array, "[]" for an erasure).
  bool notify_recipients = false;
  std::string changes_json = "[]";
  // Further fields of the recipients' webhook body, a JSON object
  // ("purpose", "restriction", "export").
  std::string notice_json = "{}";
  // Which recipients are told: every recipient of the subject's data, only
  // those that received it for `notice_purpose` (a consent withdrawal), or
  // only `transfer_to` (a portability transfer, recorded as a disclosure
  // of `transfer_categories`, with the export in the notice).
  std::optional<std::string> notice_purpose;
  std::optional<std::string> transfer_to;
  // Consent ledger and restriction, written in the same transaction.
  std::optional<Consent> consent;
  std::optional<Restriction> restriction;  // placed (merged with one in force)
  bool lift_restriction = false;
  // A release to an authority: one disclosure and one recipient notice per
  // subject released (the subjects are not the request's own).
  std::vector<ReleasedSubject> releases;

  bool empty() const {
    return corrections.empty() && !erase_subject && !notify_recipients && !consent && !restriction &&
           !lift_restriction && !transfer_to && releases.empty();
  }
};

struct RequestChange {
  RequestHeader header;
  std::int64_t expected_version = 0;  // 0: the request is new
  std::vector<Event> events;          // to append, in sequence order
  std::optional<TimePoint> due_at;    // the deadline after this change, for queues and reports
  std::optional<Filing> filing;       // only with a new request
  std::vector<OutgoingMessage> messages;  // to the subject, delivered after the commit (outbox)
  std::optional<Correspondence> correspondence;
  Fulfilment fulfilment;  // applied before `messages` are queued
  RequestMilestones milestones;  // of the request after this change, kept for reports
};

// Filters of the back-office queue, oldest due first.
struct RequestQuery {
  std::optional<std::string> state;
  std::optional<std::string> type;
  std::optional<std::string> assignee;
  bool overdue_only = false;                 // open and past the due date
  std::optional<TimePoint> received_before;  // only requests received earlier
  TimePoint now;                // what "overdue" is measured against
  int limit = 50;
  std::optional<std::string> after;  // cursor: the last id of the previous page
};

struct RequestSummary {
  std::string id;
  std::string type;
  std::string policy;
  std::string state;
  std::int64_t version = 0;
  TimePoint received_at;
  std::optional<TimePoint> due_at;
  bool extended = false;
  std::optional<std::string> assignee;
  std::optional<std::string> duplicate_of;
};

struct RequestPage {
  std::vector<RequestSummary> items;
  std::optional<std::string> next_cursor;
};

// Figures for monitoring (/metrics), from aggregates over indexed columns.
struct QueueStats {
  std::map<std::string, std::int64_t> by_state;  // every request, by current state
  std::int64_t overdue = 0;                      // open and past due
  // Outbox rows by (kind, status): kind "subject_message" or
  // "recipient_notification", status pending, delivered, acknowledged, failed.
  std::map<std::pair<std::string, std::string>, std::int64_t> outbox;
  // Filings whose receipt to the subject is not written yet (receipts are
  // derived from the filings, not queued: storage/filing_receipts.hpp).
  std::int64_t receipts_owed = 0;
};

class Store {
 public:
  using Completion = std::function<void(Status)>;

  virtual ~Store() = default;
  virtual Result<Request> load(std::string_view id) const = 0;
  virtual void commit(RequestChange change, Completion done) = 0;
  virtual Result<RequestPage> list(const RequestQuery& query) const = 0;
  // The filing's sealed details, opened (empty if none).
  virtual Result<std::string> details(std::string_view id) const = 0;
  // The request's correspondence, oldest first.
  virtual Result<std::vector<Correspondence>> correspondence(std::string_view id) const = 0;
  // What a filing with this Idempotency-Key answered, if any.
  virtual Result<std::optional<IdempotentReply>> idempotent_reply(std::string_view key) const = 0;
  virtual Result<QueueStats> stats(TimePoint now) const = 0;
  // The oldest request of `type` for `subject_ref` that is not closed, if any.
  virtual Result<std::optional<std::string>> open_request_of(std::string_view subject_ref,
                                                             std::string_view type) const = 0;
};

// Keeps everything in memory, completes every commit at once. Thread-safe:
// one mutex guards `requests_`.
class InMemoryStore final : public Store {
 public:
  Result<Request> load(std::string_view id) const override;
  void commit(RequestChange change, Completion done) override;
  Result<RequestPage> list(const RequestQuery& query) const override;
  Result<std::string> details(std::string_view id) const override;
  Result<std::vector<Correspondence>> correspondence(std::string_view id) const override;
  Result<std::optional<IdempotentReply>> idempotent_reply(std::string_view key) const override;
  Result<QueueStats> stats(TimePoint now) const override;
  Result<std::optional<std::string>> open_request_of(std::string_view subject_ref, std::string_view type) const override;

  // What the commits queued and carried out, for tests.
  std::vector<OutgoingMessage> messages() const;
  std::vector<std::pair<std::string, Fulfilment>> fulfilments() const;  // (request id, fulfilment)

 private:
  struct Entry {
    RequestHeader header;
    std::vector<Event> events;
    std::optional<TimePoint> due_at;
    std::string details_json;
    std::vector<Correspondence> correspondence;
    bool closed = false;  // entered a terminal step (the milestone of its last change)
  };
  mutable std::mutex mutex_;
  std::map<std::string, Entry, std::less<>> requests_;  // guarded by mutex_
  std::map<std::string, IdempotentReply, std::less<>> replies_;  // guarded by mutex_
  std::vector<OutgoingMessage> messages_;                          // guarded by mutex_
  std::vector<std::pair<std::string, Fulfilment>> fulfilments_;    // guarded by mutex_
};

}  // namespace dsr
