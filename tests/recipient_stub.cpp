// A stand-in for a third party that receives dsr's webhooks, for the
// notification tests (tests/notification_server_test.cpp). It listens on a
// free loopback port (written to --port-file), logs every request as one
// JSON line (method, target, headers, body, how it answered) and answers
// in the current mode:
//   200 | 500 | hang (never answers) | close (drops the connection) |
//   fail-N-then-200 (500 for the next N requests, then 200).
// POST /_mode with a mode as the body switches modes; it is not logged.
// Plain POSIX sockets, a thread per connection; runs until killed.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <mutex>
#include <string>
#include <thread>

namespace {

std::mutex state_mutex;
std::string mode = "200";  // guarded by state_mutex
int failures_left = 0;     // guarded by state_mutex
std::string log_path;

struct Request {
  std::string method, target, body;
  std::map<std::string, std::string> headers;  // lower-case names
};

std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

// Reads one request from `fd` (with what is left over in `buffer`); false
// when the peer closed or sent something unusable.
bool read_request(int fd, std::string& buffer, Request& request) {
  std::size_t end;
  while ((end = buffer.find("\r\n\r\n")) == std::string::npos) {
    if (buffer.size() > 64 * 1024) return false;
    char chunk[4096];
    ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
    if (n <= 0) return false;
    buffer.append(chunk, static_cast<std::size_t>(n));
  }
  std::string head = buffer.substr(0, end);
  buffer.erase(0, end + 4);
  std::size_t line_end = head.find("\r\n");
  std::string first = head.substr(0, line_end);
  auto space = first.find(' ');
  request.method = first.substr(0, space);
  request.target = first.substr(space + 1, first.find(' ', space + 1) - space - 1);
  request.headers.clear();
  for (std::size_t at = line_end; at != std::string::npos && at < head.size();) {
    std::size_t next = head.find("\r\n", at + 2);
    std::string line = head.substr(at + 2, next == std::string::npos ? std::string::npos : next - at - 2);
    at = next;
    auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string name = line.substr(0, colon), value = line.substr(colon + 1);
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
    value.erase(0, value.find_first_not_of(' '));
    request.headers[name] = value;
  }
  std::size_t length = 0;
  const std::string& declared = request.headers["content-length"];
  if (declared.find_first_not_of("0123456789") != std::string::npos || declared.size() > 7) return false;
  if (!declared.empty()) length = std::stoul(declared);
  if (length > 1024 * 1024) return false;
  while (buffer.size() < length) {
    char chunk[4096];
    ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
    if (n <= 0) return false;
    buffer.append(chunk, static_cast<std::size_t>(n));
  }
  request.body = buffer.substr(0, length);
  buffer.erase(0, length);
  return true;
}

void log_request(const Request& r, const std::string& in_mode, int answered) {
  std::string line = "{\"method\":" + json_string(r.method) + ",\"target\":" + json_string(r.target) + ",\"headers\":{";
  bool first = true;
  for (const auto& [name, value] : r.headers) {
    line += (first ? "" : ",") + json_string(name) + ":" + json_string(value);
    first = false;
  }
  line += "},\"body\":" + json_string(r.body) + ",\"mode\":" + json_string(in_mode) +
          ",\"answered\":" + std::to_string(answered) + "}\n";
  std::lock_guard lock(state_mutex);
  std::ofstream out(log_path, std::ios::app);
  out << line;
  out.flush();
}

void answer(int fd, int status, const std::string& body) {
  std::string text = status == 200 ? "OK" : status == 400 ? "Bad Request" : "Internal Server Error";
  std::string response = "HTTP/1.1 " + std::to_string(status) + " " + text +
                         "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
                         "\r\n\r\n" + body;
  ::send(fd, response.data(), response.size(), MSG_NOSIGNAL);
}

bool known_mode(const std::string& m) {
  return m == "200" || m == "500" || m == "hang" || m == "close" ||
         (m.starts_with("fail-") && m.ends_with("-then-200") && m.size() > 14);
}

void serve(int fd) {
  std::string buffer;
  Request r;
  while (read_request(fd, buffer, r)) {
    if (r.method == "POST" && r.target == "/_mode") {
      if (!known_mode(r.body)) {
        answer(fd, 400, "{\"error\":\"unknown mode\"}");
        break;
      }
      {
        std::lock_guard lock(state_mutex);
        mode = r.body;
        failures_left = mode.starts_with("fail-") ? std::stoi(mode.substr(5)) : 0;
      }
      answer(fd, 200, "{\"mode\":" + json_string(r.body) + "}");
      if (r.headers["connection"] == "close") break;
      continue;
    }
    std::string now_mode;
    int status = 200;
    {
      std::lock_guard lock(state_mutex);
      now_mode = mode;
      if (mode == "500" || (mode.starts_with("fail-") && failures_left-- > 0)) status = 500;
    }
    if (now_mode == "hang" || now_mode == "close") {
      log_request(r, now_mode, 0);
      for (char probe; now_mode == "hang";) {  // hold the connection until the peer gives up
        ::usleep(200 * 1000);
        if (::recv(fd, &probe, 1, MSG_PEEK | MSG_DONTWAIT) == 0) break;
      }
      break;
    }
    log_request(r, now_mode, status);
    answer(fd, status, status == 200 ? "{\"ok\":true}" : "{\"error\":\"try again\"}");
    if (r.headers["connection"] == "close") break;
  }
  ::close(fd);
}

}  // namespace

int main(int argc, char** argv) {
  std::string port_file;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--port-file") port_file = argv[i + 1];
    if (flag == "--log") log_path = argv[i + 1];
    if (flag == "--mode") mode = argv[i + 1];
  }
  if (port_file.empty() || log_path.empty() || !known_mode(mode)) {
    std::fprintf(stderr, "usage: recipient_stub --port-file PATH --log PATH [--mode 200|500|hang|close|fail-N-then-200]\n");
    return 2;
  }
  if (mode.starts_with("fail-")) failures_left = std::stoi(mode.substr(5));
  ::signal(SIGPIPE, SIG_IGN);
  int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  int yes = 1;
  ::setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof addr;
  if (::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(listener, 64) != 0 ||
      ::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &length) != 0) {
    std::perror("recipient_stub: listen");
    return 1;
  }
  {
    std::ofstream(port_file + ".tmp") << ntohs(addr.sin_port) << "\n";
    std::rename((port_file + ".tmp").c_str(), port_file.c_str());
  }
  for (;;) {
    int fd = ::accept(listener, nullptr, nullptr);
    if (fd >= 0) std::thread(serve, fd).detach();
  }
}
