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

std::vector<Status> DirectoryMessageSink::send_all(const std::vector<OutgoingMessage>& messages) {
  auto failed = [](const std::filesystem::path& path, const char* why) {
    return Status(fail(Error::unavailable(fmt::format("cannot write {}: {}", path.string(), why))));
  };
  std::vector<Status> out(messages.size(), ok_status());
  if (messages.empty()) return out;
  std::error_code ec;
  if (std::filesystem::create_directories(dir_, ec); ec) {
    std::fill(out.begin(), out.end(), failed(dir_, ec.message().c_str()));
    return out;
  }
  static std::atomic<unsigned> counter{0};
  std::vector<std::pair<std::filesystem::path, std::filesystem::path>> written(messages.size());  // (temp, final)
  for (std::size_t i = 0; i < messages.size(); ++i) {
    const auto& m = messages[i];
    std::string body = message_json(m);
    auto stamp = std::chrono::duration_cast<std::chrono::microseconds>(
                     std::chrono::system_clock::now().time_since_epoch()).count();
    std::string name = fmt::format("{}-{}-{}-{}.json", stamp, m.request_id, m.template_name, ++counter);
    written[i] = {dir_ / ("." + name + ".tmp"), dir_ / name};
    int fd = ::open(written[i].first.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    bool ok = fd >= 0 && ::write(fd, body.data(), body.size()) == static_cast<ssize_t>(body.size());
    if (fd >= 0) ::close(fd);
    if (!ok) {
      out[i] = failed(written[i].second, std::strerror(errno));
      ::unlink(written[i].first.c_str());
    }
  }
  int dir_fd = ::open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  bool flushed = dir_fd >= 0 && ::syncfs(dir_fd) == 0;
  for (std::size_t i = 0; i < messages.size(); ++i) {
    if (!out[i]) continue;
    if (!flushed || ::rename(written[i].first.c_str(), written[i].second.c_str()) != 0) {
      out[i] = failed(written[i].second, std::strerror(errno));
      ::unlink(written[i].first.c_str());
    }
  }
  if (dir_fd >= 0) {
    ::fsync(dir_fd);  // the renames
    ::close(dir_fd);
  }
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
  if (spec.starts_with("dir:") && spec.size() > 4)
    return std::unique_ptr<MessageSink>(std::make_unique<DirectoryMessageSink>(spec.substr(4)));
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
