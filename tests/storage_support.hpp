// Helpers for the storage tests: a temporary directory that cleans up after
// itself, fixed test keys, and synchronous wrappers around the
// asynchronous store and vault calls.
#pragma once

#include <filesystem>
#include <future>
#include <mutex>
#include <thread>
#include <vector>
#include <string>

#include "engine/ports.hpp"
#include "engine/request_service.hpp"
#include "engine/subject_vault.hpp"
#include "storage/crypto.hpp"
#include "storage/database.hpp"

namespace dsr::test {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::filesystem::path& path() const { return path_; }
  std::string file(std::string_view name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

storage::Key test_key(unsigned char fill = 7);

// Two subjects on file, with every field filled (Sari has no NIP).
SubjectRecord budi();
SubjectRecord sari();

std::unique_ptr<storage::Database> open_database(const std::string& path, const storage::Key& key = test_key());

Result<Request> submit(RequestService& service, std::string type = "access", std::string policy = "id-pdp",
                       std::string subject_ref = "s-test");
Result<Request> fire(RequestService& service, const std::string& id, const std::string& event, Actor actor,
                     std::int64_t version, std::string reason = "");
Result<std::string> put(SubjectVault& vault, SubjectRecord record);
// A subject on file with this e-mail (and a NIK of its own): its reference.
// Receipts and codes go to the address on record only.
std::string on_file(SubjectVault& vault, const std::string& email);
Status erase(SubjectVault& vault, const std::string& ref);

// A message sink that takes what it is given, or refuses everything while
// `down`.
class RecordingSink final : public MessageSink {
 public:
  Status send(const OutgoingMessage& message) override;
  void set_down(bool down);
  std::vector<OutgoingMessage> sent() const;

 private:
  mutable std::mutex mutex_;
  bool down_ = false;
  std::vector<OutgoingMessage> sent_;
};

// Polls `condition` for up to ten seconds (a worker runs on its own thread).
template <typename F>
bool eventually(F condition) {
  for (int i = 0; i < 500; ++i) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return condition();
}

// True if `needle` occurs as bytes in any file under `dir`.
bool bytes_found_under(const std::filesystem::path& dir, std::string_view needle);

}  // namespace dsr::test
