// WriteConnection: a connection with its prepared statements kept for
// reuse (prepare once, then bind, step, reset): the writer thread's, and
// each pooled reader's. One thread at a time uses it.
#pragma once

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Exception.h>
#include <SQLiteCpp/Statement.h>
#include <sqlite3.h>

#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace dsr::storage {

class WriteConnection {
 public:
  explicit WriteConnection(std::unique_ptr<SQLite::Database> db) : db_(std::move(db)) {}

  // A connection that could not be opened again (see
  // Database::reopen_connections) fails like a file that cannot be opened.
  SQLite::Database& db() {
    if (!db_) throw SQLite::Exception("the database could not be opened again", SQLITE_CANTOPEN);
    return *db_;
  }

  // Replaces the connection (none: closes it); the statements prepared on
  // the old one go first.
  void replace(std::unique_ptr<SQLite::Database> db) {
    used_.clear();
    statements_.clear();
    db_ = std::move(db);
  }

  // The statement for `sql`, reset and without bindings.
  SQLite::Statement& prepared(const std::string& sql) {
    auto it = statements_.find(sql);
    if (it == statements_.end()) {
      it = statements_.emplace(sql, std::make_unique<SQLite::Statement>(db(), sql)).first;
    } else {
      it->second->tryReset();  // an earlier error of this statement was reported then
      it->second->clearBindings();
    }
    used_.push_back(it->second.get());
    return *it->second;
  }

  // Resets every statement used since the last call, so that none keeps a
  // read transaction (and with it an old snapshot) open.
  void reset_used() {
    for (auto* s : used_) s->tryReset();
    used_.clear();
  }

  // Runs a statement without results through the cache.
  void exec(const std::string& sql) {
    auto& s = prepared(sql);
    s.exec();
    s.reset();
  }

 private:
  std::unique_ptr<SQLite::Database> db_;
  std::unordered_map<std::string, std::unique_ptr<SQLite::Statement>> statements_;
  std::vector<SQLite::Statement*> used_;
};

}  // namespace dsr::storage
