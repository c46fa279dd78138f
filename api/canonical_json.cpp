#include "api/canonical_json.hpp"

#include <boost/json/serialize.hpp>

#include <algorithm>
#include <vector>

namespace dsr::api {

namespace {
void write(const boost::json::value& v, std::string& out) {
  if (const auto* o = v.if_object()) {
    std::vector<std::pair<std::string_view, const boost::json::value*>> members;
    for (const auto& [k, val] : *o) members.emplace_back(k, &val);
    std::sort(members.begin(), members.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    out += '{';
    for (std::size_t i = 0; i < members.size(); ++i) {
      if (i > 0) out += ',';
      out += boost::json::serialize(boost::json::value(members[i].first));
      out += ':';
      write(*members[i].second, out);
    }
    out += '}';
  } else if (const auto* a = v.if_array()) {
    out += '[';
    for (std::size_t i = 0; i < a->size(); ++i) {
      if (i > 0) out += ',';
      write((*a)[i], out);
    }
    out += ']';
  } else {
    out += boost::json::serialize(v);
  }
}
}  // namespace

std::string canonical_json(const boost::json::value& value) {
  std::string out;
  write(value, out);
  return out;
}

void sign_document(const PackageSigner& signer, boost::json::object& document) {
  auto key = signer.in_force();
  document["signing_key_id"] = key.key_id;
  document["signature"] = key.sign(canonical_json(document));
}

}  // namespace dsr::api
