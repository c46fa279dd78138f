// A staff token as GET /v1/tokens and `dsr token list --format json` show
// it: id, name, role, institution, status and times; never the secret.
#pragma once

#include <boost/json/object.hpp>

#include "engine/ports.hpp"

namespace dsr::api {

boost::json::object token_view(const TokenRecord& token, TimePoint now);

}  // namespace dsr::api
