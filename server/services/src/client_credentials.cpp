// RFC 6749 §4.4: the client credentials grant, with RFC 8707 resource binding.
#include "authplane/core/scope.hpp"
#include "authplane/services/oauth.hpp"

namespace authplane::services {
namespace {
using domain::oauth_errc;
using domain::oauth_error;

ports::token_outcome fail(oauth_errc c, std::string desc) {
  return ports::endpoint_failure{oauth_error{c, std::move(desc), {}}, {}};
}

class client_credentials_grant final : public grant_handler {
 public:
  std::string_view grant_type() const override { return "client_credentials"; }

  void handle(oauth_service& svc, const grant_context& ctx, const std::string& dpop_jkt,
              std::function<void(ports::token_outcome)> done) override {
    const auto& client = ctx.client;
    const auto ceiling = split_scopes(client.scope);
    const std::string scope_param = ctx.param("scope");
    auto requested = split_scopes(scope_param);
    for (const auto& s : requested) {
      if (!valid_scope_token(s)) {
        done(fail(oauth_errc::invalid_scope, "scope contains an invalid scope token"));
        return;
      }
    }
    // §4.4.2 + reference §4.3: requested ⊆ client ceiling; nothing requested = the whole ceiling.
    if (!scopes_subset(requested, ceiling)) {
      done(fail(oauth_errc::invalid_scope, "requested scope exceeds the client's allowed scopes (allowed: \"" +
                                               client.scope + "\")"));
      return;
    }

    std::string audience = svc.options().issuer;
    std::string resource_id;
    std::size_t n_resources = 0;
    for (const auto& [k, v] : ctx.req.form) n_resources += (k == "resource");
    if (n_resources > 1) {
      done(fail(oauth_errc::invalid_target, "only one resource may be requested per token"));
      return;
    }
    if (n_resources == 1) {
      domain::resource res;
      auto found = svc.deps().catalog.resolve(ctx.param("resource"), res);
      if (found != resource_catalog::lookup::found || res.uri.empty()) {
        done(fail(oauth_errc::invalid_target, found == resource_catalog::lookup::ambiguous
                                                  ? "the requested resource target is ambiguous"
                                                  : "the requested resource target is unavailable"));
        return;
      }
      // Scopes must belong to the resource's catalog (when it has one): a token for resource A
      // never carries scopes that only mean something to resource B.
      if (!res.scopes.empty()) {
        if (requested.empty()) {
          for (const auto& s : ceiling)
            if (res.has_scope(s)) requested.push_back(s);
        } else {
          for (const auto& s : requested) {
            if (!res.has_scope(s)) {
              done(fail(oauth_errc::invalid_scope, "scope \"" + s + "\" is not defined for resource \"" + res.slug + "\""));
              return;
            }
          }
        }
      }
      audience = res.uri;
      resource_id = res.id;
    }
    if (requested.empty() && scope_param.empty() && n_resources == 0) requested = ceiling;

    oauth_service::issue_params p;
    p.grant_type = "client_credentials";
    p.subject = client.id;
    p.client = &client;
    p.audience = std::move(audience);
    p.resource_id = std::move(resource_id);
    p.scopes = std::move(requested);
    p.ttl = svc.options().client_credentials_ttl;
    p.dpop_jkt = dpop_jkt;
    p.remote_ip = ctx.req.remote_ip;
    svc.issue(p, std::move(done));
  }
};
}  // namespace

std::unique_ptr<grant_handler> make_client_credentials_grant() { return std::make_unique<client_credentials_grant>(); }
}  // namespace authplane::services
