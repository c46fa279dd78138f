// A third party that receives dsr's webhooks, for the wire tests: the
// receiver (tests/recipient_stub.cpp) as a process of its own, and the
// HMAC a recipient signs its acknowledgement with (docs/webhooks.md),
// computed with OpenSSL, independently of the server's libsodium.
#pragma once

#include <catch2/catch.hpp>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/json/parse.hpp>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "server_process.hpp"

namespace dsr::test {

inline std::string hmac_hex(const std::string& secret, const std::string& text) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()), reinterpret_cast<const unsigned char*>(text.data()),
       text.size(), mac, &length);
  std::string hex;
  for (unsigned i = 0; i < length; ++i) {
    char b[3];
    std::snprintf(b, sizeof b, "%02x", mac[i]);
    hex += b;
  }
  return hex;
}

inline std::int64_t now_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// A third-party recipient: the test receiver as a process of its own.
class Receiver {  // tests/recipient_stub.cpp
 public:
  explicit Receiver(std::string mode = "200") {
    std::string port_file = dir_.file("port"), log = dir_.file("requests.jsonl");
    pid_ = ::fork();
    REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      ::execl(DSR_RECIPIENT_STUB, DSR_RECIPIENT_STUB, "--port-file", port_file.c_str(), "--log", log.c_str(),
              "--mode", mode.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    for (int i = 0; i < 200 && port_ == 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
      std::ifstream in(port_file);
      int port = 0;
      if (in >> port) port_ = static_cast<std::uint16_t>(port);
    }
    REQUIRE(port_ != 0);
  }
  ~Receiver() {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }

  std::string url(const std::string& path) const { return "http://127.0.0.1:" + std::to_string(port_) + path; }

  void set_mode(const std::string& mode) {
    int fd = connect_loopback(port_);
    std::string request = "POST /_mode HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: " +
                          std::to_string(mode.size()) + "\r\n\r\n" + mode;
    REQUIRE(::send(fd, request.data(), request.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(request.size()));
    char buf[512];
    std::string answer;
    for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;) answer.append(buf, static_cast<std::size_t>(n));
    ::close(fd);
    REQUIRE(answer.starts_with("HTTP/1.1 200"));
  }

  // Every request received so far (JSON objects: method, target, headers, body, answered).
  std::vector<boost::json::object> received() const {
    std::ifstream in(dir_.file("requests.jsonl"));
    std::vector<boost::json::object> out;
    for (std::string line; std::getline(in, line);)
      if (!line.empty()) out.push_back(boost::json::parse(line).as_object());
    return out;
  }

  // Waits until at least `n` requests arrived (or fails after `seconds`).
  std::vector<boost::json::object> wait_for(std::size_t n, int seconds = 15) const {
    for (int i = 0; i < seconds * 20; ++i) {
      auto got = received();
      if (got.size() >= n) return got;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    FAIL("the receiver got " << received().size() << " request(s), expected " << n);
    return {};
  }

 private:
  TempDir dir_;
  int pid_ = -1;
  std::uint16_t port_ = 0;
};


}  // namespace dsr::test
