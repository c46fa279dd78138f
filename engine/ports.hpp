// The engine's other ports: everything besides requests (Store) and subject
// records (SubjectVault) that the API needs from the outside world.
// storage/ implements the directories on SQLite; app/ supplies the message
// sink. Each implementation documents its own thread-safety; all of these
// may be called from any thread.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/result.hpp"
#include "engine/role.hpp"
#include "engine/time.hpp"

namespace dsr {

// A member of staff or a system, as a bearer token names them.
struct Principal {
  std::string name;
  Role role = Role::auditor;
  std::string organization;  // institutions only: whose employees they may see
};

class TokenDirectory {
 public:
  virtual ~TokenDirectory() = default;
  // Who holds this staff or system token; not_found if none or revoked.
  virtual Result<Principal> authenticate(std::string_view token) const = 0;
  // The request a subject's tracking token opens; not_found if none.
  virtual Result<std::string> tracked_request(std::string_view tracking_token) const = 0;
};

// A bearer token as an administrator sees it: never the secret.
struct TokenRecord {
  std::string id;
  Principal principal;
  TimePoint created_at;
  std::optional<TimePoint> last_used_at;  // to the minute: dsr records use at most once a minute
  std::optional<TimePoint> expires_at;    // none: until revoked
  std::optional<TimePoint> revoked_at;
  std::string revoked_by;

  // "active", "expired" or "revoked" at `now`.
  std::string_view status(TimePoint now) const;
};

// Listing and revoking staff tokens (dsr token list|revoke, /v1/tokens).
// A revoked or expired token is refused by authenticate() within
// kRefusedWithin, in every process that serves the same database.
class TokenAdministration {
 public:
  static constexpr std::chrono::seconds kRefusedWithin{5};

  virtual ~TokenAdministration() = default;
  // Every token ever made, revoked and expired ones included, oldest first.
  virtual Result<std::vector<TokenRecord>> tokens() const = 0;
  // Revokes the token `id` (not_found if there is none; a token already
  // revoked stays as it was). Completes once durable.
  virtual void revoke(std::string id, std::string revoked_by, std::function<void(Result<TokenRecord>)> done) = 0;
};

// A client certificate as the TLS layer verified it (chain, expiry and
// revocation already checked): the names a staff mapping is found by.
struct CertificateName {
  std::string issuer;       // the issuer's DN, RFC 2253 (canonical_dn in api/client_certificates.hpp)
  std::string serial;       // lower-case hex, no leading zeros
  std::string fingerprint;  // SHA-256 of the DER certificate, lower-case hex
};

// A certificate mapped to a member of staff (dsr staff add). Found by its
// issuer and serial; one added from its file also by its fingerprint, so
// that it matches that certificate and no other.
struct StaffCertificate {
  std::string id;           // "crt_...", for dsr staff remove
  Principal principal;
  std::string issuer;
  std::string serial;
  std::string fingerprint;  // empty when added by issuer and serial
  std::string subject;      // the certificate's subject DN, when added from its file (for listing)
  std::optional<TimePoint> not_after;  // when added from its file (for listing; the TLS layer refuses it after)
  TimePoint added_at;
  std::string added_by;
  std::optional<TimePoint> removed_at;
  std::string removed_by;

  // Whether `name` is this certificate: issuer and serial, and the
  // fingerprint when one was kept.
  bool matches(const CertificateName& name) const;
};

// Who holds a verified client certificate; not_found if it is mapped to
// no one (never added, or removed). A removal is honoured within
// TokenAdministration::kRefusedWithin, in every process.
class StaffCertificateDirectory {
 public:
  virtual ~StaffCertificateDirectory() = default;
  virtual Result<Principal> staff_for(const CertificateName& certificate) const = 0;
};

// The audit log as the public and auditors read it (docs/audit-log.md):
// signed checkpoints, consistency proofs, the leaves, and the proofs an
// access package carries. Hashes are base64; notes are C2SP signed notes.
struct LogEntryProof {
  std::int64_t sequence = 0;     // the event's sequence within its request
  std::uint64_t leaf_index = 0;
  std::string leaf;              // the leaf's bytes (canonical JSON, storage/audit_leaf.hpp)
  std::string proof;             // c2sp.org/tlog-proof@v1 text at the checkpoint
};

struct RequestLogProofs {
  std::string verifier_key;
  std::string checkpoint;        // one signed note covering every entry
  std::vector<LogEntryProof> entries;
};

// A key the log's checkpoints were signed with (dsr key rotate-log): the
// key in force, or one retired, whose checkpoints still verify with it.
struct LogKeyListing {
  std::string verifier_key;             // "<origin>+<key_id>+<base64>"
  std::string key_id;                   // the 8 hex digits a signature names
  std::optional<TimePoint> retired_at;  // none: the key in force
  // A retired key's handover: a checkpoint signed by it and its successor,
  // naming the successor (storage/log_key.hpp); empty for the key in force.
  std::string handover;
};

class AuditLogReader {
 public:
  virtual ~AuditLogReader() = default;
  // The key in force.
  virtual Result<std::string> verifier_key() const = 0;
  // The key in force first, then every retired key, newest first.
  virtual Result<std::vector<LogKeyListing>> keys() const = 0;
  // not_found before the first checkpoint, or for a size never signed.
  virtual Result<std::string> latest_checkpoint() const = 0;
  virtual Result<std::string> checkpoint(std::uint64_t size) const = 0;
  // invalid_argument unless from <= to <= the log's size.
  virtual Result<std::vector<std::string>> consistency(std::uint64_t from, std::uint64_t to) const = 0;
  // The leaves [from, to), at most a bounded number; invalid_argument if out of range.
  virtual Result<std::vector<std::string>> entries(std::uint64_t from, std::uint64_t to) const = 0;
  // A C2SP tlog-tiles hash tile: the hashes of the nodes at tree level
  // 8 * level, indices [index * 256, index * 256 + width), concatenated.
  // not_found unless the log has all of them.
  virtual Result<std::string> tile(int level, std::uint64_t index, unsigned width) const = 0;
  // Every entry of the request, each with its inclusion proof at one
  // checkpoint that covers them all. If none does yet, one is signed first,
  // and `done` runs once it is durable (on the storage's writer thread):
  // the caller's thread never waits for the writer.
  using ProofsDone = std::function<void(Result<RequestLogProofs>)>;
  virtual void proofs_for(std::string request_id, ProofsDone done) = 0;
};

// A read of a subject's personal data by staff or a system (policy C.6,
// C.7; UU PDP Pasal 31), as the audit log records it before the data
// leaves: who read which categories of whose data, through which route,
// and when. Never the data itself: the subject is named by its reference,
// and the route by its template (no NIK in it).
struct AccessEntry {
  std::string principal;
  Role role = Role::auditor;
  std::string subject_ref;
  std::string request_id;           // the request the answer was about; empty if none
  std::vector<std::string> fields;  // the categories of data in the answer
  std::string route;                // "GET /v1/requests/{id}"
  TimePoint at;
};

struct AccessLogPage {
  std::vector<AccessEntry> items;  // newest first
  std::optional<std::string> next_cursor;
};

// The staff access log: entries of the audit log's Merkle tree, beside the
// requests' events (docs/access-log.md).
class AccessLog {
 public:
  static constexpr int kMaxPage = 1000;

  virtual ~AccessLog() = default;
  // Appends the entries (one per subject whose data an answer carries) in
  // one durable write; `done` runs once they are durable, or failed. The
  // answer waits for it: no entry, no data.
  virtual void record(std::vector<AccessEntry> entries, std::function<void(Status)> done) = 0;
  // The subject's entries, newest first, at most `limit` (1..kMaxPage),
  // after `cursor` (a previous page's next_cursor; invalid_argument for
  // one this log never gave out).
  virtual Result<AccessLogPage> for_subject(std::string_view subject_ref, int limit,
                                            std::optional<std::string> cursor) const = 0;
};

enum class CodeCheck { accepted, wrong, expired, locked, none };

struct CodeVerdict {
  CodeCheck result = CodeCheck::none;
  int attempts_left = 0;
};

// A message to a subject (verification code, status changes), handed to the
// configured sink (a directory of JSON files, or a webhook).
struct OutgoingMessage {
  std::string to;         // address on record
  std::string channel;    // "email" or "sms"
  std::string template_name;
  std::string locale;     // "id" or "en"
  std::string request_id;
  std::string text;
  std::map<std::string, std::string> variables;
  std::string subject;    // a subject line, for e-mail
  // Whose message it is, when not the request's own subject (a breach
  // notice tells many): the outbox row is kept, and erased, with that subject.
  std::string subject_ref;
  // Not sent before this instant (a notice an authority has prohibited
  // until then, policy D.7); the outbox holds it until it is due.
  std::optional<TimePoint> not_before = std::nullopt;
};

// How each message of a request to a subject stands (a breach notice's, one
// per affected subject): read from the outbox, never its text.
struct SubjectNoticeState {
  std::string id;
  std::string subject_ref;
  std::string status;  // pending, delivered, failed
  int attempts = 0;
  std::string last_error;
  TimePoint created_at;
  std::optional<TimePoint> delivered_at;
  std::optional<TimePoint> next_attempt_at;  // while pending: when it goes out (after now, with no attempt yet: held)
};

class SubjectNoticeLedger {
 public:
  virtual ~SubjectNoticeLedger() = default;
  // The request's messages to subjects, oldest first.
  virtual Result<std::vector<SubjectNoticeState>> notices_of(std::string_view request_id) const = 0;
};

// Writes complete asynchronously, once durable.
class VerificationCodeStore {
 public:
  virtual ~VerificationCodeStore() = default;
  // Replaces any earlier code of the request (a resend).
  virtual void issue(std::string request_id, std::string code, TimePoint expires_at, int attempts,
                     std::function<void(Status)> done) = 0;
  // Uses up one attempt unless the code is right; a right code is consumed.
  virtual void check(std::string request_id, std::string code, TimePoint now,
                     std::function<void(Result<CodeVerdict>)> done) = 0;
  // A new code in place of the old, with its message in the same
  // transaction; refused (conflict, kind "code_limit") once `max_sends`
  // codes have gone out for the request. Answers how many sends are left.
  // Without a message (an unusable code on a request a verifier checks by
  // hand) the send is counted all the same.
  virtual void resend(std::string request_id, std::string subject_ref, std::string code, TimePoint expires_at,
                      int attempts, int max_sends, std::optional<OutgoingMessage> message,
                      std::function<void(Result<int>)> done) = 0;
};


// Third parties that receive subjects' data, and the record of each
// disclosure to them (policy D.4). Writes complete once durable.
struct Recipient {
  std::string id;
  std::string name;
  std::string kind;  // institution, legal_advisor, law_enforcement, government, processor
  std::string webhook_url;
  std::string signing_secret;  // shown once, when created
};

struct Disclosure {
  std::string subject_ref;
  std::string recipient_id;
  std::vector<std::string> categories;  // e.g. "name", "nik", "email"
  std::string legal_basis;
  TimePoint disclosed_at;
  std::string recorded_by;
  std::string purpose = {};  // the purpose it served, if named: a consent withdrawal for it tells this recipient
  // Shown to the subject only from then on: an authority prohibited telling
  // them of it until then (policy D.7).
  std::optional<TimePoint> withheld_until = std::nullopt;
};

struct DisclosureEntry {
  std::string id;
  Disclosure disclosure;
  std::string recipient_name;
  std::string recipient_kind;
};

class DisclosureRegistry {
 public:
  virtual ~DisclosureRegistry() = default;
  virtual void create_recipient(Recipient recipient, std::function<void(Result<Recipient>)> done) = 0;
  virtual Result<Recipient> recipient(std::string_view id) const = 0;
  // The recipient that stands for an institution's own reads, created on
  // first use.
  virtual void institution_recipient(std::string organization, std::function<void(Result<std::string>)> done) = 0;
  virtual void record(Disclosure disclosure, std::function<void(Result<std::string>)> done) = 0;
  virtual Result<std::vector<DisclosureEntry>> for_subject(std::string_view subject_ref) const = 0;
};

// The consent ledger (policy C.3, H.2; UU PDP Pasal 20-22 and 40): every
// consent a subject gave or withdrew, for which purpose, under which version
// of the privacy policy, when, through which channel, and a reference to the
// evidence. Entries are never changed: a withdrawal is a new entry.
struct Consent {
  std::string subject_ref;
  std::string purpose;
  std::string status;          // "given" or "withdrawn"
  std::string policy_version;  // the privacy policy's version it was given under
  TimePoint at;                // when it was given or withdrawn
  std::string channel;         // e.g. "portal", "paper_form", "request"
  std::string evidence_ref;    // where the proof is kept (a document id; a request id)
  std::string recorded_by;     // the principal that recorded it
  std::string request_id;      // the consent_withdrawal request that recorded it, if one did
};

struct ConsentEntry {
  std::string id;
  Consent consent;
  TimePoint recorded_at;
};

class ConsentLedger {
 public:
  virtual ~ConsentLedger() = default;
  // Completes once durable, with the entry's id.
  virtual void record(Consent consent, std::function<void(Result<std::string>)> done) = 0;
  // The subject's entries, oldest first.
  virtual Result<std::vector<ConsentEntry>> for_subject(std::string_view subject_ref) const = 0;
};

// The privacy policy's versions (policy K): published as data, one text per
// version and language, never edited, kept for good. The version in force
// at an instant is the one with the latest effective_at not after it.
struct PolicyVersion {
  std::string version;   // e.g. "2024-01"
  TimePoint effective_at;
  std::string language;  // "id", "en"
  std::string text;
  std::string published_by;
  TimePoint published_at;
};

class PolicyArchive {
 public:
  virtual ~PolicyArchive() = default;
  // Completes once durable; a conflict if that version already has a text
  // in that language.
  virtual void publish(PolicyVersion version, std::function<void(Status)> done) = 0;
  // Every version and language, by effective_at, then version, then language.
  virtual Result<std::vector<PolicyVersion>> versions() const = 0;
};

// The version in force at `at` among `versions` (ordered as versions()
// answers), in `language` if it has a text in it, else in its first
// language; nullopt before the first takes effect.
std::optional<PolicyVersion> policy_in_force(const std::vector<PolicyVersion>& versions, TimePoint at,
                                             std::string_view language);

// One notice to one recipient that a subject's data was corrected or erased
// (policy D.2), and how its delivery stands.
enum class NotificationStatus { pending, delivered, acknowledged, failed };
std::string_view to_string(NotificationStatus status);
std::optional<NotificationStatus> parse_notification_status(std::string_view name);

struct RecipientNotification {
  std::string id;  // also the Idempotency-Key of every delivery attempt
  std::string request_id;
  std::string recipient_id;
  std::string recipient_name;
  std::string recipient_kind;
  NotificationStatus status = NotificationStatus::pending;
  int attempts = 0;
  std::string last_error;
  TimePoint created_at;
  std::optional<TimePoint> next_attempt_at;  // while pending
  std::optional<TimePoint> delivered_at;
  std::optional<TimePoint> acknowledged_at;
};

// What one recipient notice carries, opened: the release to an authority
// is handed over as a document built from these (policy D.7).
struct NoticeContent {
  std::string notification_id;
  std::string recipient_id;
  std::string nik;
  std::string fields_json;  // the further fields of its body, a JSON object
};

class NotificationLedger {
 public:
  virtual ~NotificationLedger() = default;
  // The notifications of a request, one per recipient.
  virtual Result<std::vector<RecipientNotification>> for_request(std::string_view request_id) const = 0;
  virtual Result<RecipientNotification> find(std::string_view notification_id) const = 0;
  // Marks it acknowledged (once; a repeat changes nothing). Completes once durable.
  virtual void acknowledge(std::string notification_id, TimePoint at, std::function<void(Status)> done) = 0;
  // What each notice of a request carries, in the order for_request lists
  // them; a notice emptied since (retention, the subject's erasure) is left out.
  virtual Result<std::vector<NoticeContent>> contents(std::string_view request_id) const = 0;
};

// Signs access packages with the server's Ed25519 key.
// The key that signs access packages, exports, letters and releases.
// It rotates (dsr key rotate-signing): each key has an id, a document
// names the id of the key that signed it, and retired keys stay listed so
// that what they signed still verifies.
struct SigningKeyListing {
  std::string key_id;
  std::string public_key;                 // base64
  std::optional<TimePoint> retired_at;   // none: the key in force
};

class PackageSigner {
 public:
  virtual ~PackageSigner() = default;
  // The key in force at one moment: its id and a signature with that very
  // key (so that a document names the key that signed it, even when a
  // rotation lands between the two).
  struct InForce {
    std::string key_id;
    std::string public_key;                                 // base64
    std::function<std::string(std::string_view)> sign;     // base64 signature
  };
  virtual InForce in_force() const = 0;
  // The key in force and every retired key, the key in force first.
  virtual std::vector<SigningKeyListing> keys() const = 0;

  std::string sign(std::string_view bytes) const { return in_force().sign(bytes); }
  std::string public_key() const { return in_force().public_key; }
};

// The audit of the journal and its Merkle tree, and of every signed
// checkpoint, on demand (C.6, C.7; docs/audit-log.md).
struct AuditVerdict {
  bool ok = true;
  std::int64_t events = 0;
  std::optional<std::int64_t> first_bad_event;
  std::string problem;
  std::uint64_t checkpoints = 0;                      // signed checkpoints checked
  std::optional<std::uint64_t> first_bad_checkpoint;  // its size
};

class AuditTrail {
 public:
  virtual ~AuditTrail() = default;
  virtual Result<AuditVerdict> verify() const = 0;
};

// Hands messages to subjects on (a spool directory, a mail/SMS gateway).
// Must be thread-safe: receipts and queued messages go out from two threads.
class MessageSink {
 public:
  virtual ~MessageSink() = default;
  virtual Status send(const OutgoingMessage& message) = 0;
  // Several at once, one status each; a sink may share work between them
  // (one flush to disk for a batch of files).
  virtual std::vector<Status> send_all(const std::vector<OutgoingMessage>& messages) {
    std::vector<Status> out;
    for (const auto& m : messages) out.push_back(send(m));
    return out;
  }
};

}  // namespace dsr
