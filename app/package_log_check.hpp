// The offline check of an access package's audit_log section: its
// checkpoint signed by a trusted log key (the one its signature names, so
// that a package from before a rotation checks with the key of its time), and each entry's leaf (of this
// request, at its sequence) included in the tree that checkpoint signs,
// by its c2sp.org/tlog-proof@v1 proof (docs/audit-log.md).
#pragma once

#include <boost/json/object.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "engine/result.hpp"

namespace dsr::app {

struct PackageLogCheck {
  std::uint64_t entries = 0;
  std::uint64_t checkpoint_size = 0;
  std::string verifier_key;  // the trusted key that signed the checkpoint
};

// invalid_argument if the section is malformed, forbidden if a signature or
// a proof does not verify; the message names the entry.
Result<PackageLogCheck> check_package_log(const boost::json::object& package,
                                         const std::vector<std::string>& verifier_keys);

}  // namespace dsr::app
