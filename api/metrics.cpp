#include "api/metrics.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace dsr::api {

std::string_view HttpMetrics::method_label(std::string_view method) {
  static constexpr std::array<std::string_view, 9> kMethods{"GET",    "HEAD",    "POST",  "PUT",    "DELETE",
                                                             "PATCH", "OPTIONS", "TRACE", "CONNECT"};
  if (auto known = std::find(kMethods.begin(), kMethods.end(), method); known != kMethods.end()) return *known;
  return "other";
}

void HttpMetrics::record(std::string_view method, std::string_view route, int status,
                         std::chrono::microseconds duration) {
  double seconds = static_cast<double>(duration.count()) / 1e6;
  std::string_view label = method_label(method);
  std::lock_guard lock(mutex_);
  auto counted = requests_.find(SeriesView{route, label, status});
  if (counted == requests_.end())
    counted = requests_.emplace(Series{std::string(route), std::string(label), status}, 0).first;
  ++counted->second;
  auto timed = latency_.find(route);
  if (timed == latency_.end()) timed = latency_.emplace(std::string(route), Histogram{}).first;
  auto& h = timed->second;
  for (std::size_t i = 0; i < kBuckets.size(); ++i)
    if (seconds <= kBuckets[i]) {
      ++h.le[i];
      break;
    }
  ++h.count;
  h.sum += seconds;
}

std::string HttpMetrics::render() const {
  std::lock_guard lock(mutex_);
  std::string out =
      "# HELP dsr_http_requests_total HTTP requests answered, by route, method and status.\n"
      "# TYPE dsr_http_requests_total counter\n";
  for (const auto& [key, n] : requests_) {
    const auto& [route, method, status] = key;
    out += fmt::format("dsr_http_requests_total{{route=\"{}\",method=\"{}\",status=\"{}\"}} {}\n", route, method, status, n);
  }
  out += "# HELP dsr_http_request_duration_seconds Time from a whole request read to its answer ready.\n"
         "# TYPE dsr_http_request_duration_seconds histogram\n";
  for (const auto& [route, h] : latency_) {
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i < kBuckets.size(); ++i) {
      cumulative += h.le[i];
      out += fmt::format("dsr_http_request_duration_seconds_bucket{{route=\"{}\",le=\"{}\"}} {}\n", route, kBuckets[i], cumulative);
    }
    out += fmt::format("dsr_http_request_duration_seconds_bucket{{route=\"{}\",le=\"+Inf\"}} {}\n", route, h.count);
    out += fmt::format("dsr_http_request_duration_seconds_sum{{route=\"{}\"}} {:.6f}\n", route, h.sum);
    out += fmt::format("dsr_http_request_duration_seconds_count{{route=\"{}\"}} {}\n", route, h.count);
  }
  return out;
}

}  // namespace dsr::api
