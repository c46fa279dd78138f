#include "storage/postgres/pg_audit_log.hpp"

#include <fmt/format.h>

#include <ctime>
#include <stdexcept>
#include <thread>

#include "storage/journal.hpp"
#include "storage/postgres/pg_audit.hpp"
#include "storage/postgres/pg_error.hpp"
#include "storage/postgres/pg_journal.hpp"
#include "storage/sqlite_audit_log.hpp"

namespace dsr::storage::pg {
namespace {

// How long an access package waits for its request's newest events to be
// placed in the log (the sequencer runs several times a second).
constexpr std::chrono::seconds kSequencingWait{5};

// Runs `f` with the tree's NodeSource, turning a missing node into an error.
template <class F>
auto with_tree(Connection& c, F&& f) -> decltype(f(tree_nodes(c))) {
  try {
    return f(tree_nodes(c));
  } catch (const std::runtime_error& missing) {
    return fail(Error::internal(missing.what()));
  }
}

Status range_check(Connection& c, std::uint64_t from, std::uint64_t to) {
  auto size = tree_size(c);
  if (!size) return fail(size.error());
  if (from > to || to > *size)
    return fail(Error::invalid_argument(fmt::format("need 0 <= from <= to <= {} (the log's size)", *size)));
  return ok_status();
}

}  // namespace

Result<std::optional<std::uint64_t>> sign_checkpoint(Pool& pool, const LogSigningKeys& keys) {
  auto signed_here = pool.with([&](Connection& c) {
    return in_transaction(c, [&](Connection&) -> Result<std::optional<std::uint64_t>> {
      auto size = tree_size(c);
      if (!size) return fail(size.error());
      auto latest = c.exec("SELECT COALESCE(MAX(size), 0) FROM log_checkpoints");
      if (!latest) return fail(latest.error());
      if (*size == 0 || *size <= static_cast<std::uint64_t>(latest->integer(0, 0))) return std::optional<std::uint64_t>{};
      auto root = with_tree(c, [&](const merkle::NodeSource& nodes) -> Result<merkle::Hash> { return merkle::root(*size, nodes); });
      if (!root) return fail(root.error());
      // The key in force, held (FOR SHARE) to the commit: a rotation's
      // update of it waits for this checkpoint, and one that committed
      // first makes this transaction fail as a serialization failure
      // (40001, below) rather than sign with the retired key.
      auto in_force = c.exec("SELECT value FROM meta WHERE key = 'log_verifier_key' FOR SHARE");
      if (!in_force) return fail(in_force.error());
      std::optional<std::string> named;
      if (!in_force->empty()) {
        Bytes value = in_force->bytes(0, 0);
        named = std::string(value.begin(), value.end());
      }
      auto key = keys.key_for(named);
      if (!key) return fail(key.error());
      std::string note = (*key)->sign_note(checkpoint_text({(*key)->origin(), *size, *root, {}}));
      // One checkpoint a size, for ever: a second would be a second history.
      auto stored = c.exec("INSERT INTO log_checkpoints (size, root, note, signed_at) VALUES ($1, $2, $3, $4) "
                           "ON CONFLICT (size) DO NOTHING",
                           {static_cast<std::int64_t>(*size), Bytes(root->begin(), root->end()), note,
                            static_cast<std::int64_t>(std::time(nullptr))});
      if (!stored) return fail(stored.error());
      return std::optional<std::uint64_t>(*size);
    }, "BEGIN ISOLATION LEVEL REPEATABLE READ");
  });
  // Another node stored the checkpoint of this size meanwhile (Ed25519 is
  // deterministic: the same note): nothing left to sign.
  if (!signed_here && signed_here.error().kind == kind_for_sqlstate("40001")) return std::optional<std::uint64_t>{};
  return signed_here;
}

Result<std::optional<std::string>> remembered_verifier_key(Connection& c) {
  auto row = c.exec("SELECT value FROM meta WHERE key = 'log_verifier_key'");
  if (!row) return fail(row.error());
  if (row->empty()) return std::optional<std::string>{};
  Bytes value = row->bytes(0, 0);
  return std::optional<std::string>(std::string(value.begin(), value.end()));
}

Status remember_log_key(Pool& pool, const LogKey& key) {
  std::string given = key.verifier_key();
  auto recorded = pool.with([&](Connection& c) -> Result<std::string> {
    // The first node to start records it; later ones read what it recorded.
    auto inserted = c.exec("INSERT INTO meta (key, value) VALUES ('log_verifier_key', $1) ON CONFLICT (key) DO NOTHING",
                           {Bytes(given.begin(), given.end())});
    if (!inserted) return fail(inserted.error());
    auto known = remembered_verifier_key(c);
    if (!known) return fail(known.error());
    return known->value_or("");
  });
  if (!recorded) return fail(recorded.error());
  if (*recorded != given) {
    auto retired = pool.with([&](Connection& c) {
      return c.exec("SELECT retired_at FROM retired_log_keys WHERE verifier_key = $1", {given});
    });
    if (retired && !retired->empty())
      return fail(Error::conflict(fmt::format(
          "the log key given ({}) was retired by dsr key rotate-log at {}; the key in force is {}: give the key file "
          "that rotation wrote", key.key_id(), format_rfc3339(TimePoint{std::chrono::seconds{retired->integer(0, 0)}}),
          verifier_key_id(*recorded))));
  }
  if (*recorded != given)
    return fail(Error::conflict(fmt::format(
        "this database's audit log is {}, and the log key or origin given is {}: a log's key and origin never "
        "change; give the --log-key-file and --log-origin it was started with", *recorded, given)));
  return ok_status();
}

Result<std::vector<LogKeyListing>> log_keys(Connection& c) {
  std::vector<LogKeyListing> out;
  auto in_force = remembered_verifier_key(c);
  if (!in_force) return fail(in_force.error());
  if (!*in_force) return out;
  out.push_back({**in_force, verifier_key_id(**in_force), std::nullopt, ""});
  auto rows = c.exec("SELECT verifier_key, retired_at, handover FROM retired_log_keys ORDER BY retired_at DESC, key_id");
  if (!rows) return fail(rows.error());
  for (int i = 0; i < rows->size(); ++i)
    out.push_back({rows->text(i, 0), verifier_key_id(rows->text(i, 0)), TimePoint{std::chrono::seconds{rows->integer(i, 1)}},
                   rows->text(i, 2)});
  return out;
}

Status rotate_log_key(Pool& pool, const LogKeyRotation& rotation) {
  auto done = pool.with([&](Connection& c) {
    return c.transaction(
        {{"UPDATE meta SET value = $1 WHERE key = 'log_verifier_key' AND value = $2",
          {Bytes(rotation.successor.begin(), rotation.successor.end()),
           Bytes(rotation.retiring.begin(), rotation.retiring.end())}},
         // Listed only if the swap above took place.
         {"INSERT INTO retired_log_keys (verifier_key, key_id, retired_at, handover) SELECT $1, $2, $3, $4 "
          "WHERE EXISTS (SELECT 1 FROM meta WHERE key = 'log_verifier_key' AND value = $5)",
          {rotation.retiring, verifier_key_id(rotation.retiring),
           static_cast<std::int64_t>(rotation.at.time_since_epoch().count()), rotation.handover,
           Bytes(rotation.successor.begin(), rotation.successor.end())}}});
  });
  if (!done) return fail(done.error());
  if ((*done)[0].affected() != 1)
    return fail(Error::conflict(fmt::format("the audit log key in force is no longer {} (rotated meanwhile?); run "
                                            "dsr key rotate-log again", verifier_key_id(rotation.retiring))));
  return ok_status();
}

Result<Checkpoint> current_checkpoint(Connection& c, std::string origin) {
  auto size = tree_size(c);
  if (!size) return fail(size.error());
  auto root = with_tree(c, [&](const merkle::NodeSource& nodes) -> Result<merkle::Hash> { return merkle::root(*size, nodes); });
  if (!root) return fail(root.error());
  return Checkpoint{std::move(origin), *size, *root, {}};
}

Result<CheckpointVerdict> verify_checkpoints(Connection& c, const std::vector<std::string>& verifier_keys) {
  auto rows = c.exec("SELECT size, root, note FROM log_checkpoints ORDER BY size");
  if (!rows) return fail(rows.error());
  std::vector<StoredCheckpoint> stored;
  for (int i = 0; i < rows->size(); ++i)
    stored.push_back({static_cast<std::uint64_t>(rows->integer(i, 0)), rows->bytes(i, 1), rows->text(i, 2)});
  auto size = tree_size(c);
  if (!size) return fail(size.error());
  return with_tree(c, [&](const merkle::NodeSource& nodes) -> Result<CheckpointVerdict> {
    return judge_checkpoints(stored, *size, nodes, verifier_keys);
  });
}

Result<AuditVerdict> verify_audit_log(Connection& c) {
  auto journal = verify_journal(c);
  if (!journal) return fail(journal.error());
  std::optional<CheckpointVerdict> checkpoints;
  if (journal->journal.ok) {
    auto keys = log_keys(c);
    if (!keys) return fail(keys.error());
    if (!keys->empty()) {  // else no server has signed for this log yet
      auto judged = verify_checkpoints(c, verifier_keys(*keys));
      if (!judged) return fail(judged.error());
      if (auto problem = handover_chain_problem(*keys); problem && judged->ok) {
        judged->ok = false;
        judged->problem = *problem;
      }
      checkpoints = *judged;
    }
  }
  return audit_verdict(journal->journal, checkpoints);
}

Result<CheckpointVerdict> verify_consistent_with(Connection& c, std::string_view note,
                                                 const std::vector<std::string>& verifier_keys) {
  auto kept = open_checkpoint_among(note, verifier_keys);
  if (!kept) return fail(kept.error());
  auto size = tree_size(c);
  if (!size) return fail(size.error());
  return with_tree(c, [&](const merkle::NodeSource& nodes) -> Result<CheckpointVerdict> {
    return judge_kept_checkpoint(kept->checkpoint, *size, nodes);
  });
}

Result<std::string> PgAuditLog::verifier_key() const {
  if (key_ == nullptr) return fail(Error::unavailable("the audit log's key is not loaded yet"));
  auto known = known_keys();
  if (!known) return fail(known.error());
  return known->front();
}

Result<std::vector<LogKeyListing>> PgAuditLog::keys() const {
  return pool_.with([](Connection& c) { return log_keys(c); });
}

Result<std::vector<std::string>> PgAuditLog::known_keys() const { return known_verifier_keys(keys(), *key_); }

Result<std::optional<std::string>> PgAuditLog::note_where(const std::string& sql, std::optional<std::uint64_t> size) const {
  auto row = pool_.with([&](Connection& c) {
    return size ? c.exec(sql, {static_cast<std::int64_t>(*size)}) : c.exec(sql);
  });
  if (!row) return fail(row.error());
  if (row->empty()) return std::optional<std::string>{};
  return std::optional<std::string>(row->text(0, 0));
}

Result<std::string> PgAuditLog::latest_checkpoint() const {
  return note_or_not_found(note_where("SELECT note FROM log_checkpoints ORDER BY size DESC LIMIT 1", std::nullopt),
                 "no checkpoint has been signed yet");
}

Result<std::string> PgAuditLog::checkpoint(std::uint64_t size) const {
  return note_or_not_found(note_where("SELECT note FROM log_checkpoints WHERE size = $1", size),
                 fmt::format("no checkpoint was signed at size {}", size));
}

Result<std::vector<std::string>> PgAuditLog::consistency(std::uint64_t from, std::uint64_t to) const {
  return pool_.with([&](Connection& c) -> Result<std::vector<std::string>> {
    if (Status in_range = range_check(c, from, to); !in_range) return fail(in_range.error());
    return with_tree(c, [&](const merkle::NodeSource& nodes) -> Result<std::vector<std::string>> {
      return base64_all(merkle::consistency_proof(from, to, nodes));
    });
  });
}

Result<std::vector<std::string>> PgAuditLog::entries(std::uint64_t from, std::uint64_t to) const {
  return pool_.with([&](Connection& c) -> Result<std::vector<std::string>> {
    if (Status in_range = range_check(c, from, to); !in_range) return fail(in_range.error());
    auto rows = c.exec(std::string("SELECT ") + kLeafColumns + " FROM journal WHERE seq > $1 AND seq <= $2 ORDER BY seq",
                       {static_cast<std::int64_t>(from), static_cast<std::int64_t>(std::min(to, from + kMaxEntries))});
    if (!rows) return fail(rows.error());
    std::vector<std::string> out;
    for (int i = 0; i < rows->size(); ++i) {
      auto leaf = leaf_at(*rows, i, 0);
      if (!leaf) return fail(leaf.error());
      out.push_back(std::move(leaf).value());
    }
    return out;
  });
}

Result<std::string> PgAuditLog::tile(int level, std::uint64_t index, unsigned width) const {
  return pool_.with([&](Connection& c) -> Result<std::string> {
    int tree_level = 8 * level;
    auto size = tree_size(c);
    if (!size) return fail(size.error());
    std::uint64_t first = index * 256;
    if (level < 0 || level > 7 || width == 0 || width > 256 || first + width > (*size >> tree_level))
      return fail(Error::not_found("the log has no such tile yet"));
    return with_tree(c, [&](const merkle::NodeSource& nodes) -> Result<std::string> {
      std::string out;
      for (std::uint64_t idx = first; idx < first + width; ++idx) {
        merkle::Hash h = nodes(tree_level, idx);
        out.append(reinterpret_cast<const char*>(h.data()), h.size());
      }
      return out;
    });
  });
}

void PgAuditLog::proofs_for(std::string request_id, ProofsDone done) {
  executor_.post([=, this, done = std::move(done)]() mutable {
    if (key_ == nullptr) return done(fail(Error::unavailable("the audit log's key is not loaded yet")));
    struct Entry {
      std::int64_t sequence;
      std::uint64_t index;
      std::string leaf;
    };
    // Entries without a place yet (their commit was a moment ago) get one
    // from the sequencer within a fraction of a second: wait for it, a
    // little, rather than send the client away.
    auto read_entries = [&](Connection& c) -> Result<std::optional<std::vector<Entry>>> {
      auto rows = c.exec(std::string("SELECT ") + kLeafColumns + ", seq FROM journal WHERE request_id = $1 ORDER BY request_seq",
                         {request_id});
      if (!rows) return fail(rows.error());
      std::vector<Entry> out;
      for (int i = 0; i < rows->size(); ++i) {
        if (rows->null(i, kLeafColumnCount)) return std::optional<std::vector<Entry>>{};
        auto leaf = leaf_at(*rows, i, 0);
        if (!leaf) return fail(leaf.error());
        out.push_back({rows->integer(i, 1), static_cast<std::uint64_t>(rows->integer(i, kLeafColumnCount) - 1), std::move(leaf).value()});
      }
      return std::optional(std::move(out));
    };
    auto give_up_at = std::chrono::steady_clock::now() + kSequencingWait;
    Result<std::optional<std::vector<Entry>>> entries = pool_.with(read_entries);
    while (entries && !*entries && std::chrono::steady_clock::now() < give_up_at) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      entries = pool_.with(read_entries);
    }
    if (!entries) return done(fail(entries.error()));
    if (!*entries)
      return done(fail(Error::unavailable("the audit log has not yet placed this request's latest events; ask again "
                                          "in a few seconds")));
    if ((*entries)->empty()) return done(fail(Error::not_found("no log entries for this request")));
    std::uint64_t needed = 0;
    for (const auto& e : **entries) needed = std::max(needed, e.index + 1);
    // The latest checkpoint if it covers them all, else one signed now.
    auto note = latest_checkpoint();
    std::optional<SignedCheckpoint> covering;
    if (note) {
      auto known = known_keys();
      if (!known) return done(fail(known.error()));
      auto opened = open_checkpoint_among(*note, *known);
      if (!opened) return done(fail(opened.error()));
      if (opened->checkpoint.size >= needed) covering = *opened;
    }
    if (!covering) {
      if (auto made = sign_checkpoint(pool_, *key_); !made) return done(fail(made.error()));
      note = latest_checkpoint();
      if (!note) return done(fail(note.error()));
      auto known = known_keys();
      if (!known) return done(fail(known.error()));
      auto opened = open_checkpoint_among(*note, *known);
      if (!opened) return done(fail(opened.error()));
      covering = *opened;
    }
    // The key that signed the checkpoint, in force or retired since.
    RequestLogProofs out;
    out.verifier_key = covering->verifier_key;
    out.checkpoint = *note;
    auto proved = pool_.with([&](Connection& c) -> Status {
      return with_tree(c, [&](const merkle::NodeSource& nodes) -> Status {
        for (const auto& e : **entries) {
          auto proof = base64_all(merkle::inclusion_proof(e.index, covering->checkpoint.size, nodes));
          out.entries.push_back({e.sequence, e.index, e.leaf, tlog_proof_text(e.index, proof, *note)});
        }
        return ok_status();
      });
    });
    if (!proved) return done(fail(proved.error()));
    done(std::move(out));
  });
}

}  // namespace dsr::storage::pg
