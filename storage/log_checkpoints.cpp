#include "storage/log_checkpoints.hpp"

#include <SQLiteCpp/Statement.h>
#include <fmt/format.h>

#include <ctime>
#include <memory>

#include "storage/audit_tree.hpp"
#include "storage/journal.hpp"
#include "storage/sqlite_values.hpp"

namespace dsr::storage {
namespace {

Result<std::optional<std::string>> note_where(Database& db, const std::string& sql, std::optional<std::uint64_t> size) {
  return db.read("reading a checkpoint", [&](SQLite::Database& c) -> Result<std::optional<std::string>> {
    SQLite::Statement q(c, sql);
    if (size) q.bind(1, static_cast<std::int64_t>(*size));
    if (!q.executeStep()) return std::optional<std::string>{};
    return std::optional<std::string>(q.getColumn(0).getString());
  });
}

std::optional<std::string> meta_text(SQLite::Database& db, const char* key) {
  SQLite::Statement q(db, "SELECT value FROM meta WHERE key = ?");
  q.bind(1, key);
  if (!q.executeStep()) return std::nullopt;
  const auto& column = q.getColumn(0);
  return std::string(static_cast<const char*>(column.getBlob()), static_cast<std::size_t>(column.getBytes()));
}

}  // namespace

namespace {

// Signs a checkpoint of the tree in the writer's transaction, if the tree
// grew past the latest one; sets `signed_size` then.
Status sign_in(WriteConnection& c, const LogSigningKeys& keys, std::optional<std::uint64_t>& signed_size) {
  std::uint64_t size = stored_tree_size(c.db());
  auto& latest = c.prepared("SELECT COALESCE(MAX(size), 0) FROM log_checkpoints");
  latest.executeStep();
  auto latest_size = static_cast<std::uint64_t>(latest.getColumn(0).getInt64());
  latest.reset();
  if (size == 0 || size <= latest_size) return ok_status();
  // The key in force as this transaction sees it: a rotation commits
  // before or after, never between this read and the insert.
  auto key = keys.key_for(meta_text(c.db(), "log_verifier_key"));
  if (!key) return fail(key.error());
  Checkpoint checkpoint{(*key)->origin(), size, merkle::root(size, stored_nodes(c.db())), {}};
  std::string note = (*key)->sign_note(checkpoint_text(checkpoint));
  // One checkpoint a size, for ever: a second would be a second history.
  auto& insert = c.prepared("INSERT INTO log_checkpoints (size, root, note, signed_at) VALUES (?, ?, ?, ?)");
  insert.bind(1, static_cast<std::int64_t>(size));
  insert.bind(2, checkpoint.root.data(), static_cast<int>(checkpoint.root.size()));
  insert.bind(3, note);
  insert.bind(4, static_cast<std::int64_t>(std::time(nullptr)));
  insert.exec();
  signed_size = size;
  return ok_status();
}

}  // namespace

Result<std::optional<std::uint64_t>> sign_checkpoint(Database& db, const LogSigningKeys& keys) {
  std::optional<std::uint64_t> signed_size;
  if (!db.writable()) return signed_size;  // nothing new can have been logged either
  Status s = db.writer().run([&](WriteConnection& c) { return sign_in(c, keys, signed_size); });
  if (!s) return fail(s.error());
  return signed_size;
}

void sign_checkpoint_then(Database& db, const LogSigningKeys& keys, std::function<void(Status)> done) {
  auto signed_size = std::make_shared<std::optional<std::uint64_t>>();
  db.writer().submit([&keys, signed_size](WriteConnection& c) { return sign_in(c, keys, *signed_size); },
                     std::move(done));
}

Result<std::optional<std::string>> latest_checkpoint(Database& db) {
  return note_where(db, "SELECT note FROM log_checkpoints ORDER BY size DESC LIMIT 1", std::nullopt);
}

Result<std::optional<std::string>> checkpoint_at(Database& db, std::uint64_t size) {
  return note_where(db, "SELECT note FROM log_checkpoints WHERE size = ?", size);
}

Status remember_log_key(Database& db, const LogKey& key) {
  // Read first: a database on a read-only disk that already knows its log
  // must still open.
  auto known = db.read("reading the audit log's key", [](SQLite::Database& c) { return remembered_verifier_key(c); });
  if (!known) return fail(known.error());
  if (*known && **known == key.verifier_key()) return ok_status();
  if (!*known && !db.writable()) return ok_status();  // recorded once the disk can be written
  return db.writer().run([&](WriteConnection& c) -> Status {
    auto recorded = meta_text(c.db(), "log_verifier_key");
    SQLite::Statement retired(c.db(), "SELECT retired_at FROM retired_log_keys WHERE verifier_key = ?");
    retired.bind(1, key.verifier_key());
    if (recorded && *recorded != key.verifier_key() && retired.executeStep())
      return fail(Error::conflict(fmt::format(
          "the log key given ({}) was retired by dsr key rotate-log at {}; the key in force is {}: give the key file "
          "that rotation wrote", key.key_id(), format_rfc3339(from_unix(retired.getColumn(0).getInt64())),
          verifier_key_id(*recorded))));
    if (recorded && *recorded != key.verifier_key())
      return fail(Error::conflict(fmt::format(
          "this database's audit log is {}, and the log key or origin given is {}: a log's key and origin never "
          "change; give the --log-key-file and --log-origin it was started with", *recorded, key.verifier_key())));
    if (!recorded) {
      std::string vkey = key.verifier_key();
      SQLite::Statement insert(c.db(), "INSERT INTO meta (key, value) VALUES ('log_verifier_key', ?)");
      insert.bind(1, vkey.data(), static_cast<int>(vkey.size()));
      insert.exec();
    }
    return ok_status();
  });
}

Result<std::optional<std::string>> remembered_verifier_key(SQLite::Database& db) {
  return guarded("reading the audit log's key", [&]() -> Result<std::optional<std::string>> {
    return meta_text(db, "log_verifier_key");
  });
}

Result<std::vector<LogKeyListing>> log_keys(SQLite::Database& db) {
  return guarded("reading the audit log's keys", [&]() -> Result<std::vector<LogKeyListing>> {
    std::vector<LogKeyListing> out;
    auto in_force = meta_text(db, "log_verifier_key");
    if (!in_force) return out;
    out.push_back({*in_force, verifier_key_id(*in_force), std::nullopt, ""});
    SQLite::Statement q(db, "SELECT verifier_key, retired_at, handover FROM retired_log_keys "
                            "ORDER BY retired_at DESC, rowid DESC");
    while (q.executeStep()) {
      std::string key = q.getColumn(0).getString();
      out.push_back({key, verifier_key_id(key), from_unix(q.getColumn(1).getInt64()), q.getColumn(2).getString()});
    }
    return out;
  });
}

std::vector<std::string> verifier_keys(const std::vector<LogKeyListing>& keys) {
  std::vector<std::string> out;
  for (const auto& k : keys) out.push_back(k.verifier_key);
  return out;
}

Result<std::vector<std::string>> known_verifier_keys(const Result<std::vector<LogKeyListing>>& listed,
                                                     const LogSigningKeys& held) {
  if (!listed) return fail(listed.error());
  if (!listed->empty()) return verifier_keys(*listed);
  auto key = held.key_for(std::nullopt);
  if (!key) return fail(key.error());
  return std::vector<std::string>{(*key)->verifier_key()};
}

Status rotate_log_key(Database& db, const LogKeyRotation& rotation) {
  return db.writer().run([&](WriteConnection& c) -> Status {
    SQLite::Statement swap(c.db(), "UPDATE meta SET value = ? WHERE key = 'log_verifier_key' AND value = ?");
    swap.bind(1, rotation.successor.data(), static_cast<int>(rotation.successor.size()));
    swap.bind(2, rotation.retiring.data(), static_cast<int>(rotation.retiring.size()));
    if (swap.exec() != 1)
      return fail(Error::conflict(fmt::format("the audit log key in force is no longer {} (rotated meanwhile?); run "
                                              "dsr key rotate-log again", verifier_key_id(rotation.retiring))));
    SQLite::Statement listed(c.db(), "INSERT INTO retired_log_keys (verifier_key, key_id, retired_at, handover) "
                                     "VALUES (?, ?, ?, ?)");
    listed.bind(1, rotation.retiring);
    listed.bind(2, verifier_key_id(rotation.retiring));
    listed.bind(3, unix_seconds(rotation.at));
    listed.bind(4, rotation.handover);
    listed.exec();
    return ok_status();
  });
}

std::optional<std::string> handover_problem(const LogKeyListing& retired, const std::string& successor) {
  auto by_retired = open_checkpoint(retired.handover, retired.verifier_key);
  if (!by_retired) return fmt::format("the handover of log key {}: {}", retired.key_id, by_retired.error().message);
  if (successor_named(*by_retired) != successor)
    return fmt::format("the handover of log key {} does not name its successor {}", retired.key_id,
                       verifier_key_id(successor));
  if (auto by_successor = open_checkpoint(retired.handover, successor); !by_successor)
    return fmt::format("the handover of log key {}: {}", retired.key_id, by_successor.error().message);
  return std::nullopt;
}

std::optional<std::string> handover_chain_problem(const std::vector<LogKeyListing>& keys) {
  for (std::size_t i = 1; i < keys.size(); ++i)
    if (auto problem = handover_problem(keys[i], keys[i - 1].verifier_key)) return problem;
  return std::nullopt;
}

Result<Checkpoint> current_checkpoint(SQLite::Database& db, std::string origin) {
  return guarded("reading the log's tree", [&]() -> Result<Checkpoint> {
    std::uint64_t size = stored_tree_size(db);
    return Checkpoint{std::move(origin), size, merkle::root(size, stored_nodes(db)), {}};
  });
}

CheckpointVerdict judge_checkpoints(const std::vector<StoredCheckpoint>& checkpoints, std::uint64_t tree_size,
                                    const merkle::NodeSource& nodes, const std::vector<std::string>& verifier_keys) {
  CheckpointVerdict v;
  for (const auto& stored : checkpoints) {
    ++v.checkpoints;
    std::uint64_t size = stored.size;
    auto bad = [&](std::string problem) {
      v.ok = false;
      v.first_bad_checkpoint = size;
      v.problem = std::move(problem);
      return v;
    };
    auto signed_by = open_checkpoint_among(stored.note, verifier_keys);
    if (!signed_by) return bad(fmt::format("checkpoint {}: {}", size, signed_by.error().message));
    const Checkpoint* opened = &signed_by->checkpoint;
    if (opened->size != size || to_hex(opened->root) != to_hex(stored.root))
      return bad(fmt::format("checkpoint {}: its row does not match its signed note", size));
    if (size > tree_size)
      return bad(fmt::format("checkpoint {} covers {} entries, but the log now has {}: entries were removed from "
                             "the end", size, size, tree_size));
    if (merkle::root(size, nodes) != opened->root)
      return bad(fmt::format("checkpoint {}: the log's first {} entries are no longer those it signed (rewritten)",
                             size, size));
  }
  return v;
}

CheckpointVerdict judge_kept_checkpoint(const Checkpoint& kept, std::uint64_t tree_size, const merkle::NodeSource& nodes) {
  CheckpointVerdict v;
  v.checkpoints = 1;
  if (kept.size > tree_size || merkle::root(kept.size, nodes) != kept.root) {
    v.ok = false;
    v.first_bad_checkpoint = kept.size;
    v.problem = kept.size > tree_size
                    ? fmt::format("the kept checkpoint covers {} entries, the log has only {}: it was cut back",
                                  kept.size, tree_size)
                    : fmt::format("the log's first {} entries are not those of the kept checkpoint: its history was "
                                  "rewritten", kept.size);
  }
  return v;
}

AuditVerdict audit_verdict(const JournalVerdict& journal, const std::optional<CheckpointVerdict>& checkpoints) {
  AuditVerdict out;
  out.ok = journal.ok;
  out.events = journal.events;
  out.first_bad_event = journal.first_bad_event;
  out.problem = journal.problem;
  if (!journal.ok || !checkpoints) return out;
  out.ok = checkpoints->ok;
  out.checkpoints = checkpoints->checkpoints;
  out.first_bad_checkpoint = checkpoints->first_bad_checkpoint;
  if (!checkpoints->ok) out.problem = checkpoints->problem;
  return out;
}

Result<CheckpointVerdict> verify_checkpoints(SQLite::Database& db, const std::vector<std::string>& verifier_keys) {
  return guarded("verifying the checkpoints", [&]() -> Result<CheckpointVerdict> {
    std::vector<StoredCheckpoint> stored;
    SQLite::Statement rows(db, "SELECT size, root, note FROM log_checkpoints ORDER BY size");
    while (rows.executeStep())
      stored.push_back({static_cast<std::uint64_t>(rows.getColumn(0).getInt64()), column_blob(rows.getColumn(1)),
                        rows.getColumn(2).getString()});
    return judge_checkpoints(stored, stored_tree_size(db), stored_nodes(db), verifier_keys);
  });
}

Result<CheckpointVerdict> verify_consistent_with(SQLite::Database& db, std::string_view note,
                                                 const std::vector<std::string>& verifier_keys) {
  auto kept = open_checkpoint_among(note, verifier_keys);
  if (!kept) return fail(kept.error());
  return guarded("checking the log against a kept checkpoint", [&]() -> Result<CheckpointVerdict> {
    return judge_kept_checkpoint(kept->checkpoint, stored_tree_size(db), stored_nodes(db));
  });
}

Result<AuditVerdict> verify_audit_log(SQLite::Database& db) {
  auto journal = verify_journal(db);
  if (!journal) return fail(journal.error());
  std::optional<CheckpointVerdict> checkpoints;
  if (journal->ok) {
    auto keys = log_keys(db);
    if (!keys) return fail(keys.error());
    if (!keys->empty()) {  // else no server has signed for this log yet
      auto judged = verify_checkpoints(db, verifier_keys(*keys));
      if (!judged) return fail(judged.error());
      if (auto problem = handover_chain_problem(*keys); problem && judged->ok) {
        judged->ok = false;
        judged->problem = *problem;
      }
      checkpoints = *judged;
    }
  }
  return audit_verdict(*journal, checkpoints);
}

}  // namespace dsr::storage
