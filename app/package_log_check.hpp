// The offline check of an access package's audit_log section: its
// checkpoint signed by the trusted log key, and each entry's leaf (of this
// request, at its sequence) included in the tree that checkpoint signs,
// by its c2sp.org/tlog-proof@v1 proof (docs/audit-log.md).
#pragma once

#include <boost/json/object.hpp>

#include <cstdint>
#include <string>
#include <string_view>

#include "engine/result.hpp"

namespace dsr::app {

struct PackageLogCheck {
  std::uint64_t entries = 0;
  std::uint64_t checkpoint_size = 0;
};

// invalid_argument if the section is malformed, forbidden if a signature or
// a proof does not verify; the message names the entry.
Result<PackageLogCheck> check_package_log(const boost::json::object& package, std::string_view verifier_key);

}  // namespace dsr::app
