// Canonical JSON for signatures: object keys sorted by their bytes, no
// insignificant whitespace, strings escaped as Boost.JSON does. Two equal
// values always give the same bytes, so a signature over them can be checked
// after a round trip through any JSON tool that keeps values intact.
#pragma once

#include <boost/json/value.hpp>

#include <string>

namespace dsr::api {

std::string canonical_json(const boost::json::value& value);

}  // namespace dsr::api
