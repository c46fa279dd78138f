#include "storage/journal.hpp"

#include <SQLiteCpp/Statement.h>
#include <fmt/format.h>

#include "storage/audit_leaf.hpp"
#include "storage/audit_tree.hpp"
#include "storage/sqlite_error.hpp"
#include "storage/sqlite_values.hpp"

namespace dsr::storage {
namespace {

void put_field(Bytes& out, std::string_view field) {
  std::uint64_t n = field.size();
  for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<unsigned char>(n >> shift));
  out.insert(out.end(), field.begin(), field.end());
}

// Reads one length-prefixed field at `pos`; false if the bytes run out.
bool take_field(std::span<const unsigned char> in, std::size_t& pos, std::string& field) {
  if (in.size() - pos < 8) return false;
  std::uint64_t n = 0;
  for (int i = 0; i < 8; ++i) n = (n << 8) | in[pos + static_cast<std::size_t>(i)];
  pos += 8;
  if (in.size() - pos < n) return false;
  field.assign(reinterpret_cast<const char*>(in.data() + pos), n);
  pos += n;
  return true;
}

constexpr const char* kSelectEvents =
    "SELECT seq, request_id, request_seq, name, principal, role, at, reason, reason_public, from_state, "
    "to_state, clock, outcome, data, leaf FROM journal ORDER BY seq";

// Rebuilds the audit log's tree from the journal's leaves, as the rows
// arrive in order, with O(log n) memory (a stack of the open subtrees), and
// compares every node with the stored one that proofs are made from. Each
// leaf must be the leaf of its own row (with the salt it holds).
class TreeCheck {
 public:
  explicit TreeCheck(SQLite::Database& db) : db_(db), node_(db, "SELECT hash FROM log_nodes WHERE level = ? AND idx = ?") {}

  // What is wrong with the row's leaf or the nodes it completes; "" if nothing.
  std::string add(SQLite::Statement& row, std::string_view request_id, const Event& e) {
    const SQLite::Column leaf_column = row.getColumn(14);
    if (leaf_column.isNull()) return "it has no leaf in the audit log's tree";
    std::string leaf(static_cast<const char*>(leaf_column.getBlob()), static_cast<std::size_t>(leaf_column.getBytes()));
    auto salt = leaf_salt(leaf);
    if (!salt || event_leaf(request_id, e, *salt) != leaf) return "its leaf in the audit log does not match the event";
    merkle::Hash h = merkle::leaf_hash(as_bytes(leaf));
    std::uint64_t index = size_++;
    if (std::string wrong = compare(0, index, h); !wrong.empty()) return wrong;
    for (auto [level, idx] : merkle::completed_by(index)) {
      h = merkle::node_hash(open_.back(), h);
      open_.pop_back();
      if (std::string wrong = compare(level, idx, h); !wrong.empty()) return wrong;
    }
    open_.push_back(h);
    return "";
  }

  // What is wrong with the stored tree past the last leaf; "" if nothing.
  std::string finish() {
    SQLite::Statement extra(db_, "SELECT COUNT(*) FROM log_nodes WHERE level = 0 AND idx >= ?");
    extra.bind(1, static_cast<std::int64_t>(size_));
    extra.executeStep();
    if (extra.getColumn(0).getInt64() > 0)
      return fmt::format("the journal ends at event {}, but the audit log's tree has leaves past it: events were "
                         "removed from the end", size_);
    return "";
  }

 private:
  std::string compare(int level, std::uint64_t idx, const merkle::Hash& computed) {
    node_.reset();
    node_.bind(1, level);
    node_.bind(2, static_cast<std::int64_t>(idx));
    bool found = node_.executeStep();
    bool same = found && node_.getColumn(0).getBytes() == 32 &&
                std::equal(computed.begin(), computed.end(), static_cast<const unsigned char*>(node_.getColumn(0).getBlob()));
    node_.reset();
    if (!found) return fmt::format("the audit log's tree lacks its node ({}, {})", level, idx);
    if (!same) return fmt::format("the audit log's stored node ({}, {}) is not the hash of what it covers", level, idx);
    return "";
  }

  SQLite::Database& db_;
  SQLite::Statement node_;
  std::uint64_t size_ = 0;
  std::vector<merkle::Hash> open_;  // the roots of the complete subtrees not yet paired, left to right
};

}  // namespace

Bytes encode_event_data(const std::map<std::string, std::string>& data) {
  Bytes out;
  put_field(out, std::to_string(data.size()));
  for (const auto& [k, v] : data) {
    put_field(out, k);
    put_field(out, v);
  }
  return out;
}

Result<std::map<std::string, std::string>> decode_event_data(std::span<const unsigned char> bytes) {
  std::size_t pos = 0;
  std::string count_text;
  auto damaged = [] { return fail(Error::internal("an event's data in the journal is damaged")); };
  if (!take_field(bytes, pos, count_text)) return damaged();
  std::size_t count = 0;
  try {
    count = std::stoul(count_text);
  } catch (const std::exception&) {
    return damaged();
  }
  std::map<std::string, std::string> out;
  for (std::size_t i = 0; i < count; ++i) {
    std::string k, v;
    if (!take_field(bytes, pos, k) || !take_field(bytes, pos, v)) return damaged();
    out.emplace(std::move(k), std::move(v));
  }
  if (pos != bytes.size()) return damaged();
  return out;
}

Result<Event> read_event(SQLite::Statement& row, int first) {
  auto column = [&](int i) { return row.getColumn(first + i); };
  auto role = parse_role(column(3).getString());
  auto clock = parse_clock_effect(column(9).getString());
  Bytes data_bytes = column_blob(column(11));
  auto data = decode_event_data(data_bytes);
  if (!role || !clock || !data) return fail(Error::internal("a journal row holds values dsr never writes"));
  Event e;
  e.sequence = column(0).getInt64();
  e.name = column(1).getString();
  e.actor = {column(2).getString(), *role};
  e.at = TimePoint{std::chrono::seconds{column(4).getInt64()}};
  e.reason = column(5).getString();
  e.reason_public = column(6).getInt() != 0;
  e.from_state = column(7).getString();
  e.to_state = column(8).getString();
  e.clock = *clock;
  e.outcome = column(10).getString();
  e.data = std::move(data).value();
  return e;
}

void JournalAppender::reload(SQLite::Database& db) {
  SQLite::Statement q(db, "SELECT COALESCE(MAX(seq), 0) FROM journal");
  q.executeStep();
  last_ = q.getColumn(0).getInt64();
}

AuditLeaf make_audit_leaf(std::string_view request_id, const Event& event) {
  AuditLeaf leaf;
  leaf.bytes = event_leaf(request_id, event, random_bytes(kLeafSaltSize));
  leaf.hash = merkle::leaf_hash(as_bytes(leaf.bytes));
  return leaf;
}

std::int64_t JournalAppender::append(WriteConnection& db, std::string_view request_id, const Event& e,
                                     const AuditLeaf& leaf) {
  SQLite::Statement& insert = db.prepared(
                           "INSERT INTO journal (seq, request_id, request_seq, name, principal, role, at, reason, "
                           "reason_public, from_state, to_state, clock, outcome, data, leaf) "
                           "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
  std::int64_t seq = last_ + 1;
  Bytes data = encode_event_data(e.data);
  insert.bind(1, seq);
  insert.bind(2, std::string(request_id));
  insert.bind(3, e.sequence);
  insert.bind(4, e.name);
  insert.bind(5, e.actor.principal);
  insert.bind(6, std::string(to_string(e.actor.role)));
  insert.bind(7, static_cast<std::int64_t>(e.at.time_since_epoch().count()));
  insert.bind(8, e.reason);
  insert.bind(9, e.reason_public ? 1 : 0);
  insert.bind(10, e.from_state);
  insert.bind(11, e.to_state);
  insert.bind(12, std::string(to_string(e.clock)));
  insert.bind(13, e.outcome);
  insert.bind(14, data.data(), static_cast<int>(data.size()));
  insert.bind(15, leaf.bytes.data(), static_cast<int>(leaf.bytes.size()));
  insert.exec();
  // Leaf seq - 1 of the audit log's tree, in the same transaction.
  append_leaf(db, static_cast<std::uint64_t>(seq - 1), leaf.hash);
  last_ = seq;
  return seq;
}

Status backfill_audit_leaves(WriteConnection& db) {
  // Journals written before the tree (migration 11): their rows get leaves,
  // in order, after the ones that have them.
  SQLite::Statement rows(db.db(), "SELECT seq, request_id, request_seq, name, principal, role, at, reason, "
                                  "reason_public, from_state, to_state, clock, outcome, data FROM journal "
                                  "WHERE leaf IS NULL ORDER BY seq");
  std::uint64_t size = stored_tree_size(db.db());
  while (rows.executeStep()) {
    std::int64_t seq = rows.getColumn(0).getInt64();
    if (static_cast<std::uint64_t>(seq) != size + 1)
      return fail(Error::internal(fmt::format("journal event {} has no leaf, but the tree has {} leaves", seq, size)));
    auto e = read_event(rows, 2);
    if (!e) return fail(e.error());
    std::string leaf = event_leaf(rows.getColumn(1).getString(), *e, random_bytes(kLeafSaltSize));
    auto& update = db.prepared("UPDATE journal SET leaf = ? WHERE seq = ?");
    update.bind(1, leaf.data(), static_cast<int>(leaf.size()));
    update.bind(2, seq);
    update.exec();
    append_leaf(db, size++, merkle::leaf_hash(as_bytes(leaf)));
  }
  return ok_status();
}

Result<JournalVerdict> verify_journal(SQLite::Database& db) {
  return guarded("verifying the journal", [&]() -> Result<JournalVerdict> {
    JournalVerdict v;
    auto broken = [&](std::int64_t seq, std::string request, std::string problem) {
      v.ok = false;
      v.first_bad_event = seq;
      v.first_bad_request = std::move(request);
      v.problem = std::move(problem);
    };
    std::int64_t expected = 1;
    TreeCheck tree(db);
    SQLite::Statement rows(db, kSelectEvents);
    while (rows.executeStep()) {
      ++v.events;
      std::int64_t seq = rows.getColumn(0).getInt64();
      std::string request_id = rows.getColumn(1).getString();
      if (seq != expected) {
        broken(expected, "", fmt::format("event {} is missing (the next is {})", expected, seq));
        return v;
      }
      auto read = read_event(rows, 2);
      if (!read) {
        broken(seq, request_id, "the row holds values dsr never writes");
        return v;
      }
      if (auto wrong = tree.add(rows, request_id, *read); !wrong.empty()) {
        broken(seq, request_id, wrong);
        return v;
      }
      ++expected;
    }
    if (std::string wrong = tree.finish(); !wrong.empty()) {
      broken(v.events + 1, "", wrong);
      return v;
    }
    // The cached request rows must agree with the journal they summarise.
    SQLite::Statement cache(db,
                            "SELECT r.id, r.version, r.state, "
                            "  (SELECT COUNT(*) FROM journal j WHERE j.request_id = r.id), "
                            "  (SELECT j.to_state FROM journal j WHERE j.request_id = r.id ORDER BY j.request_seq DESC LIMIT 1), "
                            "  (SELECT MIN(j.seq) FROM journal j WHERE j.request_id = r.id) "
                            "FROM requests r ORDER BY r.id");
    while (cache.executeStep()) {
      std::int64_t version = cache.getColumn(1).getInt64();
      std::int64_t count = cache.getColumn(3).getInt64();
      std::string state = cache.getColumn(2).getString();
      std::string last_state = cache.getColumn(4).isNull() ? "" : cache.getColumn(4).getString();
      if (version != count || state != last_state) {
        broken(cache.getColumn(5).isNull() ? 0 : cache.getColumn(5).getInt64(), cache.getColumn(0).getString(),
               fmt::format("the request row says {} at version {}, its journal {} at version {}", state, version,
                           last_state, count));
        return v;
      }
    }
    return v;
  });
}

}  // namespace dsr::storage
