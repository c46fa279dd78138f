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

Status DirectoryMessageSink::send(const OutgoingMessage& m) {
  std::error_code ec;
  if (std::filesystem::create_directories(dir_, ec); ec)
    return fail(Error::unavailable(fmt::format("cannot create {}: {}", dir_.string(), ec.message())));
  std::string body = message_json(m);
  static std::atomic<unsigned> counter{0};
  auto stamp = std::chrono::duration_cast<std::chrono::microseconds>(
                   std::chrono::system_clock::now().time_since_epoch()).count();
  std::string name = fmt::format("{}-{}-{}-{}.json", stamp, m.request_id, m.template_name, ++counter);
  auto final_path = dir_ / name;
  auto temp_path = dir_ / ("." + name + ".tmp");
  int fd = ::open(temp_path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return fail(Error::unavailable(fmt::format("cannot write {}: {}", temp_path.string(), std::strerror(errno))));
  bool ok = ::write(fd, body.data(), body.size()) == static_cast<ssize_t>(body.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok || ::rename(temp_path.c_str(), final_path.c_str()) != 0) {
    ::unlink(temp_path.c_str());
    return fail(Error::unavailable(fmt::format("cannot write {}: {}", final_path.string(), std::strerror(errno))));
  }
  return ok_status();
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
