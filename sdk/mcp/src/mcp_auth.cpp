#include <authplane/sdk/http_adapter.hpp>
#include <authplane/sdk/mcp_auth.hpp>
#include <authplane/sdk/prm.hpp>
#include <authplane/sdk/protected_resource.hpp>

#include <algorithm>
#include <mutex>
#include <unordered_map>

namespace authplane::mcp {
namespace {

// The guard's wording (sdk/src/guard.cpp): "Token missing required scope 'a'. Token has scopes: 'b'".
std::string quoted_list(const std::vector<std::string>& v) {
  if (v.empty()) return "(none)";
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "'" : ", '") + s + "'";
  return out;
}

std::string missing_scopes_text(const std::vector<std::string>& required, const std::vector<std::string>& have) {
  std::vector<std::string> missing;
  for (const auto& s : required)
    if (std::find(have.begin(), have.end(), s) == have.end()) missing.push_back(s);
  return std::string("Token missing required scope") + (missing.size() > 1 ? "s " : " ") + quoted_list(missing) +
         ". Token has scopes: " + quoted_list(have);
}

auth_denial to_auth_denial(const sdk::denial& d) {
  auth_denial a;
  a.status = d.status;
  a.message = d.description.empty() ? d.error : d.description;
  a.headers = d.headers.items;
  a.body = d.body;
  return a;
}

}  // namespace

std::shared_ptr<sdk::resource_guard> require_guard(std::shared_ptr<sdk::resource_guard> g) {
  if (!g) throw auth_error("authplane: auth needs a resource guard");
  return g;
}

std::shared_ptr<const principal> to_principal(std::shared_ptr<const sdk::resource_guard> guard,
                                              const sdk::principal& p) {
  auto out = std::make_shared<principal>();
  const auto& c = *p.claims;
  out->subject = c.subject;
  out->client_id = c.client_id;
  out->scopes = c.scopes;
  out->claims = c.raw;
  // The refusal names every scope the tool needs (checklist 86) and, in dev mode, what the
  // token carried — the most common setup mistake.
  out->insufficient_scope = [guard = std::move(guard), have = c.scopes](const std::vector<std::string>& required) {
    return to_auth_denial(guard->deny(sdk::errc::insufficient_scope, missing_scopes_text(required, have), required));
  };
  return out;
}

// The MCP principal of a verified token is the same on every request that presents it (the
// verified-token cache hands out one immutable verified_claims per token), and building it copies
// the whole claims object: so it is built once per verified_claims and shared. Bounded: a full
// memo starts over. The weak_ptr keeps the claims' control block alive, so a recycled address
// can never match a stale entry.
class principal_memo {
 public:
  explicit principal_memo(std::size_t cap) : cap_(cap == 0 ? 1 : cap) {}

  std::shared_ptr<const principal> get(const std::shared_ptr<const sdk::resource_guard>& guard,
                                       const std::shared_ptr<const sdk::verified_claims>& c) {
    {
      std::lock_guard lk(mu_);
      auto it = map_.find(c.get());
      if (it != map_.end() && same_owner(it->second.owner, c)) return it->second.value;
    }
    auto p = to_principal(guard, sdk::principal{.claims = c});
    std::lock_guard lk(mu_);
    if (map_.size() >= cap_) map_.clear();
    map_[c.get()] = entry{c, p};
    return p;
  }

 private:
  struct entry {
    std::weak_ptr<const sdk::verified_claims> owner;
    std::shared_ptr<const principal> value;
  };
  static bool same_owner(const std::weak_ptr<const sdk::verified_claims>& w,
                         const std::shared_ptr<const sdk::verified_claims>& c) {
    return !w.owner_before(c) && !c.owner_before(w);
  }
  std::mutex mu_;
  std::size_t cap_;
  std::unordered_map<const sdk::verified_claims*, entry> map_;
};

std::shared_ptr<principal_memo> make_memo(const sdk::resource_guard& g) {
  return std::make_shared<principal_memo>(g.opts().token_cache_entries);
}

auth::auth(std::shared_ptr<sdk::resource_guard> guard) : guard_(require_guard(std::move(guard))) {
  origin_ = sdk::url_origin(guard_->resource());
  memo_ = make_memo(*guard_);
}


// htu and the audience come from the configured origin plus the raw target: Host and
// X-Forwarded-* never influence them.
static std::optional<http::response> check_request(const std::shared_ptr<sdk::resource_guard>& guard,
                                                   principal_memo& memo, const std::string& origin,
                                                   const http::request& q, std::shared_ptr<const principal>& who) {
  thread_local std::string url;   // reused: no allocation per request
  url.assign(origin);
  if (q.target.empty()) url += '/';
  else url += q.target;
  sdk::claims_outcome o = guard->check_claims(q.method, url, q.headers);
  if (!o) return sdk::to_response(o.denied);
  who = memo.get(guard, o.claims);
  return std::nullopt;
}

std::optional<http::response> auth::check(const http::request& q, std::shared_ptr<const principal>& who) const {
  return check_request(guard_, *memo_, origin_, q, who);
}

transport_options auth::transport(transport_options t) const {
  t.path = guard_->opts().mcp_path.empty() ? "/" : guard_->opts().mcp_path;
  // Copies, not `this`: the routes may outlive this object (its refresh work stops, the keys stay).
  t.gate = [guard = guard_, memo = memo_, origin = origin_](const http::request& q,
                                                            std::shared_ptr<const principal>& who) {
    return check_request(guard, *memo, origin, q, who);
  };
  return t;
}

void auth::add_metadata_route(http::router& r) const {
  auto h = sdk::prm_handler(guard_);
  const std::string path = sdk::prm_path(guard_->resource());
  r.add("GET", path, h);
  r.add("HEAD", path, h);
}

run_options auth::protect(run_options o) const {
  o.transport = transport(std::move(o.transport));
  auto previous = std::move(o.configure);
  o.configure = [guard = guard_, previous = std::move(previous)](http::router& r) {
    auto h = sdk::prm_handler(guard);
    const std::string path = sdk::prm_path(guard->resource());
    r.add("GET", path, h);
    r.add("HEAD", path, h);
    if (previous) previous(r);
  };
  return o;
}

}  // namespace authplane::mcp
