// How a background worker reports trouble it retries by itself (a database
// that cannot be reached or written, a failover under way): once when it
// begins, and once when it is over, not on every attempt in between.
//
// Thread-safety: one TroubleLog per worker thread.
#pragma once

#include <string>

namespace dsr::app {

class TroubleLog {
 public:
  explicit TroubleLog(std::string worker) : worker_(std::move(worker)) {}
  void failed(const std::string& message);
  void succeeded();

 private:
  std::string worker_;
  long failures_ = 0;  // in this spell of trouble; 0: none
};

}  // namespace dsr::app
