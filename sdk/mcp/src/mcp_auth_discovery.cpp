// The discovering constructors (RFC 8414 + first JWKS fetch through sdk::protected_resource).
#include <authplane/sdk/fetch.hpp>
#include <authplane/sdk/mcp_auth.hpp>
#include <authplane/sdk/prm.hpp>
#include <authplane/sdk/protected_resource.hpp>

namespace authplane::mcp {

std::shared_ptr<sdk::resource_guard> require_guard(std::shared_ptr<sdk::resource_guard> g);
std::shared_ptr<principal_memo> make_memo(const sdk::resource_guard& g);

static std::unique_ptr<sdk::protected_resource> discover(sdk::options o, const sdk::fetch_settings* fetch) {
  auto r = sdk::protected_resource::create(std::move(o), fetch ? std::optional<sdk::fetch_settings>(*fetch) : std::nullopt);
  if (!r) throw auth_error("authplane: " + r.error().message());
  return std::move(*r);
}

auth::auth(sdk::options o) : owner_(discover(std::move(o), nullptr)), guard_(require_guard(owner_->guard())) {
  origin_ = sdk::url_origin(guard_->resource());
  memo_ = make_memo(*guard_);
}

auth::auth(sdk::options o, const sdk::fetch_settings& fetch)
    : owner_(discover(std::move(o), &fetch)), guard_(require_guard(owner_->guard())) {
  origin_ = sdk::url_origin(guard_->resource());
  memo_ = make_memo(*guard_);
}

auth::~auth() = default;

boost::json::object auth::issuer_metadata() const {
  if (!owner_) return {};
  auto m = owner_->metadata();
  return m ? m->raw : boost::json::object{};
}

}  // namespace authplane::mcp
