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

// seq, then the leaf's columns (kLeafColumns) from column 1, then the tree's.
const std::string kSelectEvents =
    std::string("SELECT seq, ") + kLeafColumns + ", leaf_hash, nodes FROM journal ORDER BY seq";
constexpr int kSaltColumn = 14, kLeafHashColumn = 1 + kLeafColumnCount, kNodesColumn = 2 + kLeafColumnCount;

// Rebuilds the audit log's tree from the journal's rows, as they arrive in
// order, with O(log n) memory (the tree's right edge), and compares each
// row's stored hashes, that proofs are made from, with the ones rebuilt: a
// row edited, deleted or moved no longer gives the hashes the tree holds.
class TreeCheck {
 public:
  // What is wrong with the row's leaf or the nodes it completes; "" if nothing.
  std::string add(SQLite::Statement& row) {
    if (row.getColumn(kSaltColumn).isNull() || row.getColumn(kLeafHashColumn).isNull())
      return "it has no leaf in the audit log's tree";
    auto leaf = row_leaf(row, 1);
    if (!leaf) return "its leaf cannot be made: the row holds values dsr never writes";
    merkle::Hash h = merkle::leaf_hash(as_bytes(*leaf));
    if (column_blob(row.getColumn(kLeafHashColumn)) != Bytes(h.begin(), h.end()))
      return "its leaf in the audit log does not match the event";
    std::uint64_t index = edge_.size();
    Bytes completed = node_bytes(edge_.append(h));
    if (column_blob(row.getColumn(kNodesColumn)) != completed)
      return fmt::format("the audit log's stored nodes of leaf {} are not the hashes of what they cover", index);
    return "";
  }

 private:
  TreeEdge edge_;
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
  at_.last = q.getColumn(0).getInt64();
  at_.tree.load(db);
}

AuditLeaf make_audit_leaf(std::string_view request_id, const Event& event) {
  AuditLeaf leaf;
  leaf.salt = new_leaf_salt();
  leaf.hash = merkle::leaf_hash(as_bytes(event_leaf(request_id, event, leaf.salt)));
  return leaf;
}

AuditLeaf make_access_leaf(const AccessEntry& entry) {
  AuditLeaf leaf;
  leaf.salt = new_leaf_salt();
  leaf.hash = merkle::leaf_hash(as_bytes(access_leaf(entry, leaf.salt)));
  return leaf;
}

std::map<std::string, std::string> access_data(const AccessEntry& entry) {
  std::string fields;
  for (const auto& f : entry.fields) fields += (fields.empty() ? "" : ",") + f;
  return {{"fields", fields}, {"request_id", entry.request_id}};
}

Result<AccessEntry> access_entry_of(std::string route, std::string principal, std::string_view role, std::int64_t at,
                                    std::span<const unsigned char> data, std::string subject_ref) {
  auto parsed_role = parse_role(role);
  auto facts = decode_event_data(data);
  if (!parsed_role || !facts || !facts->contains("fields") || !facts->contains("request_id"))
    return fail(Error::internal("an access entry in the journal holds values dsr never writes"));
  AccessEntry e;
  e.principal = std::move(principal);
  e.role = *parsed_role;
  e.subject_ref = std::move(subject_ref);
  e.request_id = facts->at("request_id");
  std::string_view fields = facts->at("fields");
  while (!fields.empty()) {
    auto comma = fields.find(',');
    e.fields.emplace_back(fields.substr(0, comma));
    fields.remove_prefix(comma == std::string_view::npos ? fields.size() : comma + 1);
  }
  e.route = std::move(route);
  e.at = TimePoint{std::chrono::seconds{at}};
  return e;
}

std::int64_t JournalAppender::append(WriteConnection& db, std::string_view request_id, const Event& e,
                                     const AuditLeaf& leaf) {
  std::string id(request_id);
  return insert(db, e, leaf, &id, nullptr);
}

std::int64_t JournalAppender::append_access(WriteConnection& db, const AccessEntry& entry, const AuditLeaf& leaf) {
  Event row;  // the columns an access entry shares with an event
  row.name = entry.route;
  row.actor = {entry.principal, entry.role};
  row.at = entry.at;
  row.data = access_data(entry);
  return insert(db, row, leaf, nullptr, &entry.subject_ref);
}

std::int64_t JournalAppender::insert(WriteConnection& db, const Event& e, const AuditLeaf& leaf,
                                     const std::string* request_id, const std::string* subject_ref) {
  std::int64_t seq = at_.last + 1;
  // Entry seq is leaf seq - 1: the tree must hold every earlier entry.
  if (at_.tree.size() != static_cast<std::uint64_t>(seq - 1))
    throw std::logic_error(fmt::format("journal entry {} would be leaf {} of the audit log's tree", seq, at_.tree.size()));
  SQLite::Statement& insert = db.prepared(
      "INSERT INTO journal (seq, request_id, request_seq, name, principal, role, at, reason, reason_public, "
      "from_state, to_state, clock, outcome, data, salt, leaf_hash, nodes, subject_ref) "
      "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
  // The leaf's hash and the subtrees it completes, in the same row. A
  // failed insert leaves the edge ahead: the job's caller restores it.
  Bytes nodes = node_bytes(at_.tree.append(leaf.hash));
  Bytes data = encode_event_data(e.data);
  insert.bind(1, seq);
  if (request_id != nullptr) {
    insert.bind(2, *request_id);
    insert.bind(3, e.sequence);
  } else {
    insert.bind(2);
    insert.bind(3);
  }
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
  insert.bind(15, leaf.salt);
  insert.bind(16, leaf.hash.data(), static_cast<int>(leaf.hash.size()));
  insert.bind(17, nodes.data(), static_cast<int>(nodes.size()));
  if (subject_ref != nullptr) insert.bind(18, *subject_ref);
  else insert.bind(18);
  insert.exec();
  at_.last = seq;
  return seq;
}

Result<std::string> row_leaf(SQLite::Statement& row, int first) {
  const SQLite::Column salt = row.getColumn(first + 13);
  const SQLite::Column subject = row.getColumn(first + 15);
  try {
    if (!subject.isNull()) {
      auto entry = access_entry_of(row.getColumn(first + 2).getString(), row.getColumn(first + 3).getString(),
                                   row.getColumn(first + 4).getString(), row.getColumn(first + 5).getInt64(),
                                   column_blob(row.getColumn(first + 12)), subject.getString());
      if (!entry) return fail(entry.error());
      return access_leaf(*entry, salt.getString());
    }
    auto e = read_event(row, first + 1);
    if (!e) return fail(e.error());
    const SQLite::Column erased = row.getColumn(first + 14);
    return event_leaf(row.getColumn(first).getString(), *e, salt.getString(),
                      erased.isNull() ? std::nullopt : std::optional<std::string>(erased.getString()));
  } catch (const std::invalid_argument& bad_salt) {
    return fail(Error::internal(bad_salt.what()));
  }
}

Status backfill_audit_leaves(WriteConnection& db) {
  // Journals written before the tree was kept in their rows (migrations 11
  // and 13): their rows get leaves, in order, after the ones that have
  // them, each with the salt it has or a new one. A row altered before
  // this no longer matches the checkpoints signed over it. Such rows can
  // only follow the tree's last leaf: the search starts there, by primary
  // key, so that an up-to-date journal costs nothing at each start.
  TreeEdge tree;
  tree.load(db.db());
  SQLite::Statement rows(db.db(), "SELECT seq, " + std::string(kLeafColumns) +
                                      " FROM journal WHERE seq > ? AND leaf_hash IS NULL ORDER BY seq");
  rows.bind(1, static_cast<std::int64_t>(tree.size()));
  auto& update = db.prepared("UPDATE journal SET salt = ?, leaf_hash = ?, nodes = ? WHERE seq = ?");
  while (rows.executeStep()) {
    std::int64_t seq = rows.getColumn(0).getInt64();
    if (static_cast<std::uint64_t>(seq) != tree.size() + 1)
      return fail(Error::internal(fmt::format("journal event {} has no leaf, but the tree has {} leaves", seq, tree.size())));
    auto e = read_event(rows, 2);
    if (!e) return fail(e.error());
    std::string salt = rows.getColumn(14).isNull() ? new_leaf_salt() : rows.getColumn(14).getString();
    auto erased = rows.getColumn(15);
    merkle::Hash h = merkle::leaf_hash(as_bytes(event_leaf(
        rows.getColumn(1).getString(), *e, salt, erased.isNull() ? std::nullopt : std::optional<std::string>(erased.getString()))));
    Bytes nodes = node_bytes(tree.append(h));
    update.reset();
    update.bind(1, salt);
    update.bind(2, h.data(), static_cast<int>(h.size()));
    update.bind(3, nodes.data(), static_cast<int>(nodes.size()));
    update.bind(4, seq);
    update.exec();
  }
  return ok_status();
}

void erase_reasons_of(WriteConnection& db, const std::string& subject_ref) {
  auto& reasons = db.prepared(
      "SELECT seq, salt, reason FROM journal WHERE reason <> '' AND erased_reason IS NULL AND salt IS NOT NULL "
      "AND request_id IN (SELECT id FROM requests WHERE subject_ref = ?)");
  auto& blank = db.prepared("UPDATE journal SET reason = '', erased_reason = ? WHERE seq = ?");
  reasons.bind(1, subject_ref);
  std::vector<std::pair<std::int64_t, std::string>> hashed;
  while (reasons.executeStep())
    hashed.emplace_back(reasons.getColumn(0).getInt64(),
                        salted_reason(reasons.getColumn(1).getString(), reasons.getColumn(2).getString()));
  reasons.reset();
  for (const auto& [seq, hash] : hashed) {
    blank.reset();
    blank.bind(1, hash);
    blank.bind(2, seq);
    blank.exec();
  }
}

std::string request_row_disagrees(std::int64_t version, const std::string& state, std::int64_t journal_count,
                                  const std::string& journal_state) {
  if (version == journal_count && state == journal_state) return "";
  return fmt::format("the request row says {} at version {}, its journal {} at version {}", state, version,
                     journal_state, journal_count);
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
    TreeCheck tree;
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
      if (auto wrong = tree.add(rows); !wrong.empty()) {
        broken(seq, request_id, wrong);
        return v;
      }
      ++expected;
    }
    // The cached request rows must agree with the journal they summarise.
    SQLite::Statement cache(db, kRequestsAgainstJournal);
    while (cache.executeStep()) {
      std::string wrong = request_row_disagrees(cache.getColumn(1).getInt64(), cache.getColumn(2).getString(),
                                                cache.getColumn(3).getInt64(),
                                                cache.getColumn(4).isNull() ? "" : cache.getColumn(4).getString());
      if (!wrong.empty()) {
        broken(cache.getColumn(5).isNull() ? 0 : cache.getColumn(5).getInt64(), cache.getColumn(0).getString(), wrong);
        return v;
      }
    }
    return v;
  });
}

}  // namespace dsr::storage
