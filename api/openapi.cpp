// The OpenAPI document is docs/openapi.json, compiled into the binary, so
// the file in the repository and the one served are the same bytes; a test
// checks that it lists every route of the router.
#include "api/routes.hpp"
#include "workflows/embedded_file.hpp"

namespace dsr {
std::span<const EmbeddedFile> embedded_openapi();
}

namespace dsr::api {

std::string openapi_document() {
  auto files = embedded_openapi();
  return files.empty() ? std::string("{}") : std::string(files.front().content);
}

}  // namespace dsr::api
