// Where a backend keeps the bearer tokens and the subjects' tracking keys:
// rows by keyed hash, never a token. TokenRegistry (token_registry.hpp)
// does the checking, caching and revoking on top, the same on every backend.
//
// Thread-safety: every method from any thread.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "engine/ports.hpp"
#include "engine/result.hpp"
#include "storage/crypto.hpp"

namespace dsr::storage {

class TokenRows {
 public:
  virtual ~TokenRows() = default;
  virtual Status insert(const Bytes& token_hash, const TokenRecord& record) = 0;
  // The token kept under this hash; not_found if none.
  virtual Result<TokenRecord> find(const Bytes& token_hash) const = 0;
  // Every token, oldest first.
  virtual Result<std::vector<TokenRecord>> all() const = 0;
  // Marks the token revoked, unless it already is (who revoked it first,
  // and when, stays); the record as it is now, not_found if there is none.
  virtual void revoke(const std::string& id, const std::string& revoked_by,
                      std::function<void(Result<TokenRecord>)> done) = 0;
  // Records a use; not waited for, and a failure is only a missed note.
  virtual void note_use(const std::string& id, TimePoint at) = 0;
  // The keyed hash of request `request_id`'s tracking token; not_found if none.
  virtual Result<Bytes> tracking_hash(const std::string& request_id) const = 0;
};

}  // namespace dsr::storage
