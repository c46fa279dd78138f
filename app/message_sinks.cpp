#include "app/message_sinks.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>

#include "api/webhook_signature.hpp"
#include "app/atomic_file.hpp"
#include "storage/crypto.hpp"

namespace dsr::app {

std::string message_json(const OutgoingMessage& m) {
  boost::json::object vars;
  for (const auto& [k, v] : m.variables) vars[k] = v;
  return boost::json::serialize(boost::json::object{{"to", m.to},
                                                    {"channel", m.channel},
                                                    {"template", m.template_name},
                                                    {"locale", m.locale},
                                                    {"request_id", m.request_id},
                                                    {"subject", m.subject},
                                                    {"text", m.text},
                                                    {"variables", std::move(vars)}});
}

Result<std::unique_ptr<DirectoryMessageSink>> DirectoryMessageSink::open(std::filesystem::path dir) {
  auto refused = [&dir](const std::string& why) {
    return fail(Error::invalid_argument(fmt::format("--message-sink dir:{}: {}", dir.string(), why)));
  };
  std::error_code ec;
  if (std::filesystem::create_directories(dir, ec); ec) return refused(ec.message());
  // Try the whole way a message takes once, so that a file system without
  // unnamed files (some network and FUSE mounts) or a missing /proc is
  // found at start, not at the first message.
  int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd < 0) return refused(std::strerror(errno));
  std::string probe = fmt::format(".dsr-probe-{}", ::getpid());
  int fd = open_unnamed_file(dir_fd);
  bool linked = fd >= 0 && link_unnamed_file(fd, dir_fd, probe);
  std::string why = std::strerror(errno);
  if (linked) ::unlinkat(dir_fd, probe.c_str(), 0);
  if (fd >= 0) ::close(fd);
  ::close(dir_fd);
  if (!linked)
    return refused(fmt::format("cannot write files there ({}); the spool needs a local file system with unnamed "
                               "temporary files (ext4, xfs, btrfs, tmpfs) and /proc mounted",
                               why));
  return std::unique_ptr<DirectoryMessageSink>(new DirectoryMessageSink(std::move(dir)));
}

std::vector<Status> DirectoryMessageSink::send_all(const std::vector<OutgoingMessage>& messages) {
  std::vector<Status> out(messages.size(), ok_status());
  if (messages.empty()) return out;
  auto failed = [](const std::filesystem::path& path, const char* why) {
    return Status(fail(Error::unavailable(fmt::format("cannot write {}: {}", path.string(), why))));
  };
  std::error_code ec;
  if (std::filesystem::create_directories(dir_, ec); ec) {  // removed since start
    std::fill(out.begin(), out.end(), failed(dir_, ec.message().c_str()));
    return out;
  }
  int dir_fd = ::open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd < 0) {
    std::fill(out.begin(), out.end(), failed(dir_, std::strerror(errno)));
    return out;
  }
  // Each file is written unnamed and linked under its name only once on
  // disk: a reader never sees part of a file, and a crash leaves no
  // temporary file behind (an unnamed file goes with its descriptor).
  std::vector<int> files(messages.size(), -1);
  for (std::size_t i = 0; i < messages.size(); ++i) {
    std::string body = message_json(messages[i]);
    files[i] = open_unnamed_file(dir_fd);
    if (files[i] < 0 || ::write(files[i], body.data(), body.size()) != static_cast<ssize_t>(body.size()))
      out[i] = failed(dir_, std::strerror(errno));
  }
  bool flushed = ::syncfs(dir_fd) == 0;  // one flush for the whole batch
  static std::atomic<unsigned> counter{0};
  for (std::size_t i = 0; i < messages.size(); ++i) {
    const auto& m = messages[i];
    auto stamp = std::chrono::duration_cast<std::chrono::microseconds>(
                     std::chrono::system_clock::now().time_since_epoch()).count();
    std::string name = fmt::format("{}-{}-{}-{}.json", stamp, m.request_id, m.template_name, ++counter);
    if (out[i] && (!flushed || !link_unnamed_file(files[i], dir_fd, name)))
      out[i] = failed(dir_ / name, std::strerror(errno));
    if (files[i] >= 0) ::close(files[i]);
  }
  ::fsync(dir_fd);  // the names
  ::close(dir_fd);
  return out;
}

Status WebhookMessageSink::send(const OutgoingMessage& m) {
  std::string body = message_json(m);
  auto now = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  // The same message retried carries the same key, so the gateway can drop repeats.
  std::string key = storage::to_hex(storage::hash({storage::as_bytes(body)})).substr(0, 32);
  auto outcome = client_.post_all({{url_, {{"Dsr-Signature", api::signature_header(secret_, now, body)},
                                           {"Idempotency-Key", "msg-" + key}}, body}});
  if (outcome.front().delivered()) return ok_status();
  return fail(Error::unavailable(fmt::format("{}: {}", url_, outcome.front().error)));
}

Result<std::string> load_or_create_sink_secret(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::exists(path, ec)) {
    fs::path parent = fs::path(path).parent_path();
    if (!parent.empty() && !fs::exists(parent, ec)) {
      fs::create_directories(parent, ec);
      fs::permissions(parent, fs::perms::owner_all, ec);
    }
    std::string secret = "whsec_" + storage::random_id(32);
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    bool ok = fd >= 0 && ::write(fd, secret.data(), secret.size()) == static_cast<ssize_t>(secret.size()) && ::fsync(fd) == 0;
    if (fd >= 0) ::close(fd);
    if (!ok) return fail(Error::unavailable(fmt::format("cannot create the message sink secret {}: {}", path, std::strerror(errno))));
  }
  auto perms = fs::status(path, ec).permissions();
  if (ec) return fail(Error::unavailable(fmt::format("cannot read {}: {}", path, ec.message())));
  if ((perms & (fs::perms::group_all | fs::perms::others_all)) != fs::perms::none)
    return fail(Error::invalid_argument(fmt::format("{} may be read by others; chmod 600 it", path)));
  std::ifstream in(path);
  std::string secret;
  std::getline(in, secret);
  if (secret.size() < 16) return fail(Error::invalid_argument(fmt::format("{} holds no secret of at least 16 characters", path)));
  return secret;
}

Result<std::unique_ptr<MessageSink>> make_message_sink(const std::string& spec, api::WebhookClient& client,
                                                       const std::string& secret_file) {
  if (spec.starts_with("dir:") && spec.size() > 4) {
    auto sink = DirectoryMessageSink::open(spec.substr(4));
    if (!sink) return fail(sink.error());
    return std::unique_ptr<MessageSink>(std::move(sink).value());
  }
  if (spec.starts_with("webhook:")) {
    std::string url = spec.substr(8);
    if (auto problem = api::webhook_url_problem(url); !problem.empty())
      return fail(Error::invalid_argument(fmt::format("--message-sink webhook:{}: the URL {}", url, problem)));
    auto secret = load_or_create_sink_secret(secret_file);
    if (!secret) return fail(secret.error());
    return std::unique_ptr<MessageSink>(std::make_unique<WebhookMessageSink>(url, *secret, client));
  }
  return fail(Error::invalid_argument(fmt::format(
      "--message-sink \"{}\" is not understood; use dir:PATH (e.g. dir:var/outbox) or webhook:URL", spec)));
}

}  // namespace dsr::app
