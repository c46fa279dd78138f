#include "storage/sqlite_audit_log.hpp"

#include <SQLiteCpp/Statement.h>
#include <fmt/format.h>

#include "storage/audit_tree.hpp"
#include "storage/journal.hpp"
#include "storage/log_checkpoints.hpp"

namespace dsr::storage {

std::vector<std::string> base64_all(const std::vector<merkle::Hash>& hashes) {
  std::vector<std::string> out;
  for (const auto& h : hashes) out.push_back(merkle::to_base64(h));
  return out;
}

Result<std::string> note_or_not_found(Result<std::optional<std::string>> note, std::string what) {
  if (!note) return fail(note.error());
  if (!*note) return fail(Error::not_found(std::move(what)));
  return **note;
}

std::string tlog_proof_text(std::uint64_t index, const std::vector<std::string>& proof, std::string_view note) {
  std::string out = fmt::format("c2sp.org/tlog-proof@v1\nindex {}\n", index);
  for (const auto& h : proof) out += h + "\n";
  out += "\n";
  out += note;
  return out;
}

Result<std::string> SqliteAuditLog::verifier_key() const {
  if (key_ == nullptr) return fail(Error::unavailable("the audit log's key is not loaded yet"));
  auto listed = keys();
  if (!listed) return fail(listed.error());
  if (!listed->empty()) return listed->front().verifier_key;
  auto held = key_->key_for(std::nullopt);
  if (!held) return fail(held.error());
  return (*held)->verifier_key();
}

Result<std::vector<LogKeyListing>> SqliteAuditLog::keys() const {
  return db_.read("reading the audit log's keys", [](SQLite::Database& c) { return log_keys(c); });
}

Result<std::vector<std::string>> SqliteAuditLog::known_keys() const { return known_verifier_keys(keys(), *key_); }

Result<std::string> SqliteAuditLog::latest_checkpoint() const {
  return note_or_not_found(storage::latest_checkpoint(db_), "no checkpoint has been signed yet");
}

Result<std::string> SqliteAuditLog::checkpoint(std::uint64_t size) const {
  return note_or_not_found(checkpoint_at(db_, size), fmt::format("no checkpoint was signed at size {}", size));
}

Result<std::vector<std::string>> SqliteAuditLog::consistency(std::uint64_t from, std::uint64_t to) const {
  return db_.read("making a consistency proof", [&](SQLite::Database& c) -> Result<std::vector<std::string>> {
    std::uint64_t size = stored_tree_size(c);
    if (from > to || to > size)
      return fail(Error::invalid_argument(fmt::format("need 0 <= from <= to <= {} (the log's size)", size)));
    return base64_all(merkle::consistency_proof(from, to, stored_nodes(c)));
  });
}

Result<std::vector<std::string>> SqliteAuditLog::entries(std::uint64_t from, std::uint64_t to) const {
  return db_.read("reading the log's entries", [&](SQLite::Database& c) -> Result<std::vector<std::string>> {
    std::uint64_t size = stored_tree_size(c);
    if (from > to || to > size)
      return fail(Error::invalid_argument(fmt::format("need 0 <= from <= to <= {} (the log's size)", size)));
    to = std::min(to, from + kMaxEntries);
    SQLite::Statement q(c, std::string("SELECT ") + kLeafColumns + " FROM journal WHERE seq > ? AND seq <= ? ORDER BY seq");
    q.bind(1, static_cast<std::int64_t>(from));
    q.bind(2, static_cast<std::int64_t>(to));
    std::vector<std::string> out;
    while (q.executeStep()) {
      auto leaf = row_leaf(q, 0);
      if (!leaf) return fail(leaf.error());
      out.push_back(std::move(leaf).value());
    }
    return out;
  });
}

Result<std::string> SqliteAuditLog::tile(int level, std::uint64_t index, unsigned width) const {
  return db_.read("reading a tile", [&](SQLite::Database& c) -> Result<std::string> {
    int tree_level = 8 * level;
    std::uint64_t available = stored_tree_size(c) >> tree_level;  // complete nodes at that tree level
    std::uint64_t first = index * 256;
    if (level < 0 || level > 7 || width == 0 || width > 256 || first + width > available)
      return fail(Error::not_found("the log has no such tile yet"));
    auto nodes = stored_nodes(c);
    std::string out;
    out.reserve(std::size_t{width} * sizeof(merkle::Hash));
    for (std::uint64_t idx = first; idx < first + width; ++idx) {
      merkle::Hash h = nodes(tree_level, idx);
      out.append(reinterpret_cast<const char*>(h.data()), h.size());
    }
    return out;
  });
}

void SqliteAuditLog::proofs_for(std::string request_id, ProofsDone done) {
  if (key_ == nullptr) return done(fail(Error::unavailable("the audit log's key is not loaded yet")));
  auto rows = db_.read("reading a request's log entries", [&](SQLite::Database& c) -> Result<std::vector<EntryRow>> {
    SQLite::Statement q(c, std::string("SELECT request_seq, seq - 1, ") + kLeafColumns +
                               " FROM journal WHERE request_id = ? ORDER BY request_seq");
    q.bind(1, request_id);
    std::vector<EntryRow> out;
    while (q.executeStep()) {
      auto leaf = row_leaf(q, 2);
      if (!leaf) return fail(leaf.error());
      out.push_back({q.getColumn(0).getInt64(), static_cast<std::uint64_t>(q.getColumn(1).getInt64()),
                     std::move(leaf).value()});
    }
    return out;
  });
  if (!rows) return done(fail(rows.error()));
  if (rows->empty()) return done(fail(Error::not_found("no log entries for this request")));
  // The latest checkpoint, if it covers the request's last entry.
  std::uint64_t needed = rows->back().index + 1;
  auto latest = storage::latest_checkpoint(db_);
  if (!latest) return done(fail(latest.error()));
  if (*latest) {
    auto known = known_keys();
    if (!known) return done(fail(known.error()));
    auto opened = open_checkpoint_among(**latest, *known);
    if (!opened) return done(fail(opened.error()));
    if (opened->checkpoint.size >= needed) return done(prove(*rows, **latest));
  }
  // Else one signed now: the tree has grown past the latest, so it is new.
  sign_checkpoint_then(db_, *key_, [this, rows = std::move(rows).value(), done = std::move(done)](Status s) {
    if (!s) return done(fail(s.error()));
    auto fresh = storage::latest_checkpoint(db_);
    if (!fresh) return done(fail(fresh.error()));
    if (!*fresh) return done(fail(Error::internal("no checkpoint after signing one")));
    done(prove(rows, **fresh));
  });
}

Result<RequestLogProofs> SqliteAuditLog::prove(const std::vector<EntryRow>& rows, const std::string& note) const {
  // The package carries the key that signed its checkpoint, in force or
  // retired since: what it proves stays checkable with that key.
  auto known = known_keys();
  if (!known) return fail(known.error());
  auto signed_by = open_checkpoint_among(note, *known);
  if (!signed_by) return fail(signed_by.error());
  const Checkpoint* checkpoint = &signed_by->checkpoint;
  RequestLogProofs out;
  out.verifier_key = signed_by->verifier_key;
  out.checkpoint = note;
  auto proved = db_.read("making inclusion proofs", [&](SQLite::Database& c) -> Status {
    auto nodes = stored_nodes(c);
    for (const auto& row : rows) {
      auto proof = base64_all(merkle::inclusion_proof(row.index, checkpoint->size, nodes));
      out.entries.push_back({row.sequence, row.index, row.leaf, tlog_proof_text(row.index, proof, note)});
    }
    return ok_status();
  });
  if (!proved) return fail(proved.error());
  return out;
}

}  // namespace dsr::storage
