// Glue for a plain authplane::http handler: deny → the guard's response, allow → the next
// handler with the caller's principal. The DPoP htu is the configured origin + raw target.
//   router.add("POST", "/mcp", sdk::protect(guard, [](http::request& r, const sdk::principal& p,
//                                                     http::responder done) { ... }));
//   router.add("GET", sdk::prm_path(guard->resource()), sdk::prm_handler(guard));
#pragma once
#include <authplane/http/message.hpp>
#include <authplane/sdk/guard.hpp>

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace authplane::sdk {

using protected_handler = std::function<void(http::request&, const principal&, http::responder)>;

// extra_scopes are required for this route on top of options.scopes.
http::handler protect(std::shared_ptr<const resource_guard> guard, protected_handler next,
                      std::vector<std::string> extra_scopes = {});

// Serves the PRM document: GET and HEAD → 200 application/json with Cache-Control
// "max-age=3600"; other methods → 405 with Allow: GET, HEAD. No authentication.
http::handler prm_handler(std::shared_ptr<const resource_guard> guard);

// http::response for a denial.
http::response to_response(const denial& d);

}  // namespace authplane::sdk
