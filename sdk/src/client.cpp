// The OAuth client: form posts with client authentication, the client-credentials cache, the
// circuit breaker and the DPoP nonce dance (RFC 9449 §8).
#include "client_internal.hpp"

#include <authplane/core/base64url.hpp>
#include <authplane/sdk/client.hpp>

#include <boost/json/parse.hpp>

#include <algorithm>
#include <mutex>

namespace authplane::sdk {

namespace json = boost::json;

namespace detail {

bool circuit_breaker::admit(std::int64_t now) {
  if (state_ == breaker_state::closed) return true;
  if (state_ == breaker_state::open && now - opened_at_ >= cooldown_) {
    state_ = breaker_state::half_open;  // this caller is the single probe
    return true;
  }
  return false;  // still cooling down, or the probe is already out
}

void circuit_breaker::success() {
  state_ = breaker_state::closed;
  failures_ = 0;
}

void circuit_breaker::failure(std::int64_t now) {
  if (state_ == breaker_state::open) return;  // a late answer must not restart the timer
  if (state_ == breaker_state::half_open || ++failures_ >= threshold_) {
    state_ = breaker_state::open;
    opened_at_ = now;
  }
}

}  // namespace detail

namespace {

struct cached_token {
  token_response token;
  std::int64_t expires_at = 0;  // stop serving at this time (already buffer-adjusted)
};

std::string form_pair(std::string_view k, std::string_view v) {
  return http::url_encode(k) + "=" + http::url_encode(v);
}

void add_field(std::string& form, std::string_view k, std::string_view v) {
  if (!form.empty()) form += '&';
  form += form_pair(k, v);
}

std::string cache_key(std::vector<std::string> scopes, std::vector<std::string> resources) {
  std::sort(scopes.begin(), scopes.end());
  std::sort(resources.begin(), resources.end());
  std::string key;
  for (const auto& s : scopes) key += s + " ";
  key += "\n";  // neither scope-tokens nor URIs contain a line feed
  for (const auto& r : resources) key += r + " ";
  return key;
}

bool is_http_url(std::string_view u) { return u.starts_with("http://") || u.starts_with("https://"); }

error_code fail(client_error* why, client_error& local, std::string_view op, error_code ec, std::string reason) {
  local.message = "authplane: " + std::string(op) + ": " + reason;
  if (why != nullptr) *why = std::move(local);
  return ec;
}

}  // namespace

struct oauth_client::impl {
  transport send;
  std::shared_ptr<const dpop_signer> dpop;
  std::shared_ptr<const clock> clk;
  mutable std::mutex mu;  // guards the three members below; never held across a request
  detail::lru_map<cached_token> cache;
  mutable detail::lru_map<std::string> nonces;
  detail::circuit_breaker breaker;

  impl(const client_config& c, transport t, std::shared_ptr<const dpop_signer> d, std::shared_ptr<const clock> k)
      : send(std::move(t)), dpop(std::move(d)), clk(std::move(k)), cache(c.cache_max_entries),
        nonces(c.nonce_store_entries), breaker(c.breaker_threshold, c.breaker_cooldown_seconds) {}

  std::optional<std::string> nonce(const std::string& origin) const {
    std::lock_guard lk(mu);
    if (const std::string* n = nonces.get(origin)) return *n;
    return std::nullopt;
  }
  void remember_nonce(const std::string& origin, const http::client_response& r) {
    auto n = r.headers.get("DPoP-Nonce");  // case-insensitive lookup (RFC 9110 §5.1)
    if (!n || n->empty()) return;
    std::lock_guard lk(mu);
    nonces.put(origin, std::string(*n));
  }
};

oauth_client::oauth_client(client_config cfg, transport t, std::shared_ptr<const dpop_signer> dpop,
                           std::shared_ptr<const clock> clk)
    : cfg_(std::move(cfg)) {
  if (!t) t = default_transport(std::chrono::seconds(10), cfg_.max_response_bytes);
  if (!clk) clk = std::make_shared<system_clock>();
  impl_ = std::make_unique<impl>(cfg_, std::move(t), std::move(dpop), std::move(clk));
}

oauth_client::~oauth_client() = default;

result<std::shared_ptr<oauth_client>> oauth_client::create(client_config cfg, transport t,
                                                           std::shared_ptr<const dpop_signer> dpop,
                                                           std::shared_ptr<const clock> clk) {
  const error_code bad = client_errc::invalid_config;
  for (const std::string* e : {&cfg.endpoints.token_endpoint, &cfg.endpoints.introspection_endpoint,
                               &cfg.endpoints.revocation_endpoint})
    if (!e->empty() && !is_http_url(*e)) return bad;
  if (cfg.client_id.empty() && !cfg.client_secret.empty()) return bad;
  if (cfg.cache_buffer_seconds < 0 || cfg.default_ttl_seconds <= 0 || cfg.cache_max_entries == 0) return bad;
  if (cfg.breaker_threshold < 1 || cfg.breaker_cooldown_seconds < 0) return bad;
  if (cfg.max_response_bytes == 0 || cfg.nonce_store_entries == 0) return bad;
  return std::make_shared<oauth_client>(std::move(cfg), std::move(t), std::move(dpop), std::move(clk));
}

breaker_state oauth_client::circuit() const {
  std::lock_guard lk(impl_->mu);
  return impl_->breaker.state();
}

std::size_t oauth_client::cached_tokens() const {
  std::lock_guard lk(impl_->mu);
  return impl_->cache.size();
}

std::optional<std::string> oauth_client::nonce_for(std::string_view url) const {
  auto p = detail::split_url(url);
  return p ? impl_->nonce(p->origin()) : std::nullopt;
}

result<std::string> oauth_client::resource_proof(std::string_view method, std::string_view url,
                                                 std::string_view access_token) const {
  if (!impl_->dpop) return error_code(client_errc::no_dpop_signer);
  auto p = detail::split_url(url);
  if (!p) return error_code(client_errc::invalid_argument);
  const std::string nonce = impl_->nonce(p->origin()).value_or("");
  return impl_->dpop->proof(method, url, impl_->clk->now(), access_token, nonce);
}

namespace {

// One form POST as the client sees it: the answer, or the error already mapped.
struct post_result {
  http::client_response response;
  std::optional<json::object> body;  // a JSON object body, when the answer has one
};

// Client authentication (RFC 6749 §2.3.1): Basic with form-urlencoded id and secret, or form
// fields; a public client sends its client_id only; no client_id sends nothing.
void authenticate(const client_config& c, http::header_list& h, std::string& form) {
  if (c.client_id.empty()) return;
  if (c.auth_method == client_auth::basic && !c.client_secret.empty()) {
    h.add("Authorization", "Basic " + base64_encode(http::url_encode(c.client_id) + ":" +
                                                    http::url_encode(c.client_secret)));
    return;
  }
  add_field(form, "client_id", c.client_id);
  if (!c.client_secret.empty()) add_field(form, "client_secret", c.client_secret);
}

std::optional<json::object> json_object_of(std::string_view text) {
  boost::system::error_code ec;
  auto v = json::parse(text, ec);
  if (ec || !v.is_object()) return std::nullopt;
  return std::move(v.as_object());
}

bool wants_nonce(const http::client_response& r, const std::optional<json::object>& body) {
  if (r.status != 400 && r.status != 401) return false;
  if (!r.headers.get("DPoP-Nonce")) return false;
  const auto* e = body ? body->if_contains("error") : nullptr;
  return e != nullptr && e->is_string() && e->as_string() == "use_dpop_nonce";
}

}  // namespace

// Sends the POST; with DPoP, a use_dpop_nonce answer carrying a DPoP-Nonce is retried exactly
// once with that nonce (RFC 9449 §8), and every nonce the server returns is stored per origin.
static result<post_result> exchange(oauth_client::impl& m, const detail::url_parts& at, const std::string& url,
                                    const http::header_list& headers, const std::string& form, bool dpop,
                                    std::string& reason) {
  post_result out;
  for (int attempt = 0; attempt < 2; ++attempt) {
    http::header_list hs = headers;
    if (dpop) {
      auto proof = m.dpop->proof("POST", url, m.clk->now(), {}, m.nonce(at.origin()).value_or(""));
      if (!proof) {
        reason = "cannot sign a DPoP proof";
        return proof.error();
      }
      hs.add("DPoP", *proof);
    }
    auto r = m.send("POST", url, hs, form);
    if (!r && r.error() == boost::system::errc::message_size) {
      reason = "response larger than the configured cap";
      return error_code(client_errc::response_too_large);
    }
    if (!r) {
      reason = "transport failure: " + r.error().message();
      return error_code(client_errc::transport_failure);
    }
    out.response = std::move(*r);
    if (dpop) m.remember_nonce(at.origin(), out.response);
    out.body = json_object_of(out.response.body);
    if (!dpop || attempt > 0 || !wants_nonce(out.response, out.body)) break;
  }
  return out;
}

// One form POST through the breaker: endpoint check, admission, exchange, failure accounting,
// size cap and error mapping.
static result<post_result> post_form(oauth_client::impl& m, const client_config& cfg, std::string_view op,
                                     const std::string& url, std::string form, bool dpop, client_error* why) {
  client_error local;
  if (url.empty())
    return fail(why, local, op, client_errc::missing_endpoint, "no endpoint configured for this operation");
  auto parts = detail::split_url(url);
  if (!parts) return fail(why, local, op, client_errc::missing_endpoint, "endpoint is not an absolute http(s) URL");
  {
    std::lock_guard lk(m.mu);
    if (!m.breaker.admit(m.clk->now()))
      return fail(why, local, op, client_errc::circuit_open, "circuit breaker is open; the server may be unavailable");
  }
  http::header_list h;
  h.add("Content-Type", "application/x-www-form-urlencoded");
  h.add("Accept", "application/json");
  authenticate(cfg, h, form);
  std::string reason;
  auto out = exchange(m, *parts, url, h, form, dpop, reason);
  {
    std::lock_guard lk(m.mu);
    // Only a silent or failing server counts; an answered 4xx says nothing about its health.
    if (!out || out->response.status >= 500) m.breaker.failure(m.clk->now());
    else m.breaker.success();
  }
  if (!out) return fail(why, local, op, out.error(), std::move(reason));
  const int status = out->response.status;
  if (out->response.body.size() > cfg.max_response_bytes)
    return fail(why, local, op, client_errc::response_too_large,
                "response larger than " + std::to_string(cfg.max_response_bytes) + " bytes");
  if (status >= 200 && status <= 299) return out;
  error_code ec = detail::map_error_response(status, out->body ? &*out->body : nullptr, local);
  std::string text = !local.description.empty() ? local.description
                     : !local.error.empty()     ? local.error
                                                : "HTTP " + std::to_string(status);
  return fail(why, local, op, ec, std::move(text));
}

result<token_response> oauth_client::client_credentials(const std::vector<std::string>& scopes,
                                                        const std::vector<std::string>& resources,
                                                        client_error* why) {
  static constexpr std::string_view op = "client_credentials";
  const std::string key = cache_key(scopes, resources);
  {
    std::lock_guard lk(impl_->mu);
    if (cached_token* hit = impl_->cache.get(key)) {
      if (impl_->clk->now() < hit->expires_at) return hit->token;
      impl_->cache.erase(key);
    }
  }
  std::string form = form_pair("grant_type", "client_credentials");
  std::vector<std::string> scope_list;
  for (const auto& s : scopes)
    if (!s.empty()) scope_list.push_back(s);
  if (!scope_list.empty()) {
    std::string joined;
    for (const auto& s : scope_list) joined += (joined.empty() ? "" : " ") + s;
    add_field(form, "scope", joined);
  }
  for (const auto& r : resources)
    if (!r.empty()) add_field(form, "resource", r);
  const bool dpop = impl_->dpop != nullptr;
  auto r = post_form(*impl_, cfg_, op, cfg_.endpoints.token_endpoint, std::move(form), dpop, why);
  if (!r) return r.error();
  client_error local;
  if (!r->body) return fail(why, local, op, client_errc::protocol_error, "token response is not a JSON object");
  std::string reason;
  auto t = detail::parse_token_response(*r->body, dpop, reason);
  if (!t) return fail(why, local, op, t.error(), reason);
  // expires_in 0 means "do not reuse"; absent means the default lifetime (RFC 6749 §5.1).
  const std::int64_t ttl = t->expires_in.value_or(cfg_.default_ttl_seconds) - cfg_.cache_buffer_seconds;
  if (t->expires_in != 0 && ttl > 0) {
    std::lock_guard lk(impl_->mu);
    impl_->cache.put(key, cached_token{*t, impl_->clk->now() + ttl});
  }
  return t;
}

result<introspection_response> oauth_client::introspect(std::string_view token, client_error* why) {
  static constexpr std::string_view op = "introspection";
  client_error local;
  if (token.empty()) return fail(why, local, op, client_errc::invalid_argument, "token is empty");
  std::string form = form_pair("token", token) + "&" + form_pair("token_type_hint", "access_token");
  auto r = post_form(*impl_, cfg_, op, cfg_.endpoints.introspection_endpoint, std::move(form), false, why);
  if (!r) return r.error();
  if (!r->body) return fail(why, local, op, client_errc::protocol_error, "introspection response is not a JSON object");
  return detail::parse_introspection(std::move(*r->body));
}

result<void> oauth_client::revoke(std::string_view token, client_error* why) {
  static constexpr std::string_view op = "revocation";
  client_error local;
  if (token.empty()) return fail(why, local, op, client_errc::invalid_argument, "token is empty");
  std::string form = form_pair("token", token) + "&" + form_pair("token_type_hint", "access_token");
  auto r = post_form(*impl_, cfg_, op, cfg_.endpoints.revocation_endpoint, std::move(form), false, why);
  if (!r) return r.error();
  return {};  // RFC 7009 §2.2: any 2xx, also for a token that was already invalid
}

transport default_transport(std::chrono::milliseconds timeout, std::size_t max_response_bytes) {
  http::fetch_options o;
  o.timeout = timeout;
  o.max_response_bytes = max_response_bytes;  // enforced while reading, not after
  return [o](std::string_view method, std::string_view url, const http::header_list& headers,
             std::string_view body) { return http::fetch(method, url, headers, body, o); };
}

as_endpoints endpoints_from_metadata(const json::object& metadata) {
  auto get = [&](std::string_view name) {
    const auto* v = metadata.if_contains(name);
    return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
  };
  return {get("token_endpoint"), get("introspection_endpoint"), get("revocation_endpoint")};
}

revocation_checker introspection_revocation_checker(std::shared_ptr<oauth_client> client) {
  return [client = std::move(client)](const verified_claims&, std::string_view token) -> result<bool> {
    auto r = client->introspect(token);
    // result<bool> is constructible from both bool and error_code: name the error explicitly.
    if (!r) return result<bool>(boost::system::in_place_error, r.error());
    return !r->active;
  };
}

}  // namespace authplane::sdk
