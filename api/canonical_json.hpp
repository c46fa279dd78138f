// Canonical JSON for signatures: object keys sorted by their bytes, no
// insignificant whitespace, strings escaped as Boost.JSON does. Two equal
// values always give the same bytes, so a signature over them can be checked
// after a round trip through any JSON tool that keeps values intact.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <string>

#include "engine/ports.hpp"

namespace dsr::api {

std::string canonical_json(const boost::json::value& value);

// Signs `document` with the key in force: "signing_key_id" names the key
// (signed with the rest), "signature" holds the base64 Ed25519 signature
// over the canonical JSON of everything else.
void sign_document(const PackageSigner& signer, boost::json::object& document);

}  // namespace dsr::api
