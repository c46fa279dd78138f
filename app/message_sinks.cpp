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

namespace dsr::app {

Status DirectoryMessageSink::send(const OutgoingMessage& m) {
  std::error_code ec;
  if (std::filesystem::create_directories(dir_, ec); ec)
    return fail(Error::unavailable(fmt::format("cannot create {}: {}", dir_.string(), ec.message())));
  boost::json::object vars;
  for (const auto& [k, v] : m.variables) vars[k] = v;
  std::string body = boost::json::serialize(boost::json::object{{"to", m.to},
                                                                 {"channel", m.channel},
                                                                 {"template", m.template_name},
                                                                 {"locale", m.locale},
                                                                 {"request_id", m.request_id},
                                                                 {"text", m.text},
                                                                 {"variables", std::move(vars)}});
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

Result<std::unique_ptr<MessageSink>> make_message_sink(const std::string& spec) {
  if (spec.starts_with("dir:") && spec.size() > 4)
    return std::unique_ptr<MessageSink>(std::make_unique<DirectoryMessageSink>(spec.substr(4)));
  return fail(Error::invalid_argument(
      fmt::format("--message-sink \"{}\" is not understood; use dir:PATH (e.g. dir:var/outbox)", spec)));
}

}  // namespace dsr::app
