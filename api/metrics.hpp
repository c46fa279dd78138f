// HTTP metrics for /metrics (Prometheus text format): requests by route,
// method and status, and a latency histogram per route. Routes are
// patterns ("/v1/requests/{id}"), never paths, and methods are HTTP's own
// or "other", so the label set stays small and holds no identifiers: a
// client cannot add series (any token is a method to the parser, and one
// made-up method a request would otherwise grow the table without bound).
// Thread-safe: one mutex, held only to add.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <tuple>

namespace dsr::api {

class HttpMetrics {
 public:
  void record(std::string_view method, std::string_view route, int status, std::chrono::microseconds duration);
  // The metrics in Prometheus text exposition format.
  std::string render() const;
  // The label for `method`: itself if HTTP defines it, else "other".
  static std::string_view method_label(std::string_view method);

  static constexpr std::array<double, 11> kBuckets{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5};

 private:
  struct Histogram {
    std::array<std::uint64_t, kBuckets.size()> le{};  // cumulative at render time
    std::uint64_t count = 0;
    double sum = 0;
  };
  mutable std::mutex mutex_;
  // A series of dsr_http_requests_total: route, method, status. Looked up
  // by views (transparent), so that a request already counted builds no
  // strings.
  using Series = std::tuple<std::string, std::string, int>;
  using SeriesView = std::tuple<std::string_view, std::string_view, int>;
  struct SeriesLess {
    using is_transparent = void;
    static SeriesView view(const Series& s) { return {std::get<0>(s), std::get<1>(s), std::get<2>(s)}; }
    static SeriesView view(const SeriesView& s) { return s; }
    template <class A, class B>
    bool operator()(const A& a, const B& b) const { return view(a) < view(b); }
  };
  std::map<Series, std::uint64_t, SeriesLess> requests_;  // guarded by mutex_
  std::map<std::string, Histogram, std::less<>> latency_;                                     // guarded by mutex_
};

}  // namespace dsr::api
