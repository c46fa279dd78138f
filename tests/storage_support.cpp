#include "storage_support.hpp"

#include <atomic>

#include <fmt/format.h>

#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>
#include <iterator>

namespace dsr::test {

TempDir::TempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "dsr-test-XXXXXX").string();
  REQUIRE(::mkdtemp(pattern.data()) != nullptr);
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

SubjectRecord budi() {
  return {"Budi Santoso Wirawan", "3171012303850007", "198503232010011004", "Badan Siber dan Sandi Negara",
          "Direktorat Operasi", "Analis", "budi.wirawan@example.go.id", "+6281234567890", "photos/ab12",
          {{"certificate_serial", "4F00A1"}}};
}

SubjectRecord sari() {
  return {"Sari Dewi Lestari", "3273015506900002", "", "Kementerian Keuangan", "Biro Umum", "Pranata Komputer",
          "sari.lestari@example.go.id", "+6285712345678", "", {}};
}

Status RecordingSink::send(const OutgoingMessage& message) {
  std::lock_guard lock(mutex_);
  if (down_) return fail(Error::internal("the mail gateway is down"));
  sent_.push_back(message);
  return ok_status();
}

void RecordingSink::set_down(bool down) {
  std::lock_guard lock(mutex_);
  down_ = down;
}

std::vector<OutgoingMessage> RecordingSink::sent() const {
  std::lock_guard lock(mutex_);
  return sent_;
}

storage::Key test_key(unsigned char fill) {
  storage::Key k{};
  k.fill(fill);
  return k;
}

std::unique_ptr<storage::Database> open_database(const std::string& path, const storage::Key& key) {
  auto db = storage::Database::open(path, key);
  if (!db) FAIL(db.error().message);
  return std::move(db).value();
}

namespace {
template <class T, class Call>
T wait_for(Call&& call) {
  std::promise<T> promise;
  auto future = promise.get_future();
  call([&promise](T r) { promise.set_value(std::move(r)); });
  return future.get();
}
}  // namespace

Result<Request> submit(RequestService& service, std::string type, std::string policy, std::string subject_ref) {
  return wait_for<Result<Request>>([&](auto done) {
    service.submit({std::move(type), std::move(policy), std::move(subject_ref), {"subject", Role::subject}, std::nullopt, {}}, done);
  });
}

Result<Request> fire(RequestService& service, const std::string& id, const std::string& event, Actor actor,
                     std::int64_t version, std::string reason) {
  return wait_for<Result<Request>>([&](auto done) {
    service.fire(id, Command{event, std::move(actor), std::move(reason), version, {}, {}}, done);
  });
}

Result<std::string> put(SubjectVault& vault, SubjectRecord record) {
  return wait_for<Result<std::string>>([&](auto done) { vault.put(std::move(record), done); });
}

std::string on_file(SubjectVault& vault, const std::string& email) {
  static std::atomic<int> next{0};
  SubjectRecord record = budi();
  record.nik = fmt::format("3171012303{:06d}", 850000 + ++next);
  record.email = email;
  auto ref = put(vault, std::move(record));
  REQUIRE(ref.ok());
  return *ref;
}

Status erase(SubjectVault& vault, const std::string& ref) {
  return wait_for<Status>([&](auto done) { vault.erase(ref, done); });
}

bool bytes_found_under(const std::filesystem::path& dir, std::string_view needle) {
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (content.find(needle) != std::string::npos) return true;
  }
  return false;
}

}  // namespace dsr::test
