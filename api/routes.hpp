// The API's routes (API.md), registered on a Router. Each group of routes
// lives in its own file; this is the one place that lists them all.
#pragma once

#include <memory>

#include "api/api_context.hpp"
#include "api/router.hpp"

namespace dsr::api {

void add_portal_routes(Router& router, ApiContext& context);   // filing, code, withdrawal
void add_request_routes(Router& router, ApiContext& context);  // reading and working requests
void add_subject_routes(Router& router, ApiContext& context);  // the records on file
void add_package_routes(Router& router, ApiContext& context);  // access package, keys, recipients, disclosures, audit
void add_notification_routes(Router& router, ApiContext& context);  // recipient notices and their acknowledgements
void add_report_routes(Router& router, ApiContext& context);   // SLA reports
void add_ops_routes(Router& router, ApiContext& context);      // health, readiness, OpenAPI
void add_console_routes(Router& router, ApiContext& context);  // the back-office console's files, whoami
void add_workflow_routes(Router& router, ApiContext& context); // the workflows, as data
void add_token_routes(Router& router, ApiContext& context);    // staff tokens: list, revoke
void add_log_routes(Router& router, ApiContext& context);      // the audit log: key, checkpoints, proofs, leaves
void add_policy_routes(Router& router, ApiContext& context);
void add_breach_routes(Router& router, ApiContext& context);    // breach notices' deliveries   // the privacy policy's versions

// Every route of the API, ready to dispatch.
std::unique_ptr<Router> build_router(ApiContext& context);

// The OpenAPI 3.1 document describing `router`'s routes.
std::string openapi_document();

}  // namespace dsr::api
