// WriteConnection: the writer thread's connection with its prepared
// statements kept for reuse (prepare once, then bind, step, reset). Only
// the writer thread touches it.
#pragma once

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include <memory>
#include <string>
#include <unordered_map>

namespace dsr::storage {

class WriteConnection {
 public:
  explicit WriteConnection(std::unique_ptr<SQLite::Database> db) : db_(std::move(db)) {}

  SQLite::Database& db() { return *db_; }

  // The statement for `sql`, reset and without bindings.
  SQLite::Statement& prepared(const std::string& sql) {
    auto it = statements_.find(sql);
    if (it == statements_.end()) {
      it = statements_.emplace(sql, std::make_unique<SQLite::Statement>(*db_, sql)).first;
    } else {
      it->second->reset();
      it->second->clearBindings();
    }
    return *it->second;
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
};

}  // namespace dsr::storage
