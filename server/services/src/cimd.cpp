// Client ID metadata documents: URL rules, document validation, cache lifetimes, and the
// service that fetches on its own threads with single flight, a concurrency cap and a bounded
// cache. Threat (reference §10 T10, T19): a client_id is attacker-chosen, so every authorize
// request could make us fetch; the negative cache, single flight and cap bound that, and the
// injected fetcher applies the SSRF address policy.
#include "authplane/services/cimd.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <boost/url/parse.hpp>
#include <cctype>
#include <exception>

#include "authplane/core/ascii.hpp"
#include "authplane/core/log.hpp"
#include "authplane/core/random.hpp"
#include "authplane/domain/error.hpp"

namespace authplane::services {
namespace json = boost::json;

namespace {
constexpr std::string_view doc_invalid = "The client metadata document is invalid: ";

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string shorten(std::string s, std::size_t max = 400) {
  if (s.size() > max) s = s.substr(0, max) + "…";
  return s;
}

bool is_dot_segment(std::string_view seg) {
  std::string decoded;
  for (std::size_t i = 0; i < seg.size(); ++i) {
    if (seg[i] == '%' && i + 2 < seg.size() && seg[i + 1] == '2' && (seg[i + 2] == 'e' || seg[i + 2] == 'E')) {
      decoded += '.';
      i += 2;
    } else {
      decoded += seg[i];
    }
  }
  return decoded == "." || decoded == "..";
}

ports::cimd_failure invalid_client(std::string message) { return {400, "Invalid Client", std::move(message), 0}; }
ports::cimd_failure server_error() {
  return {500, "Server Error", "An internal error occurred. Please try again later.", 0};
}
ports::cimd_failure busy() {
  return {503, "Temporarily Unavailable",
          "Too many client metadata documents are being fetched right now. Please try again shortly.",
          cimd_busy_retry_after};
}

bool same_metadata(const domain::client& a, const domain::client& b) {
  return a.name == b.name && a.redirect_uris == b.redirect_uris && a.grant_types == b.grant_types &&
         a.response_types == b.response_types && a.token_endpoint_auth_method == b.token_endpoint_auth_method &&
         a.scope == b.scope && a.application_type == b.application_type && a.agent == b.agent &&
         a.agent_description == b.agent_description;
}

void copy_metadata(domain::client& to, const domain::client& from) {
  to.name = from.name;
  to.redirect_uris = from.redirect_uris;
  to.grant_types = from.grant_types;
  to.response_types = from.response_types;
  to.token_endpoint_auth_method = from.token_endpoint_auth_method;
  to.scope = from.scope;
  to.application_type = from.application_type;
  to.agent = from.agent;
  to.agent_description = from.agent_description;
}

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's civil-day algorithm).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

bool digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

int to_int(std::string_view s) {
  int v = 0;
  for (char c : s) v = v * 10 + (c - '0');
  return v;
}
}  // namespace

std::string check_cimd_url(std::string_view url, bool require_https) {
  if (url.size() > cimd_max_url_length) return "The client_id URL is longer than 2048 characters.";
  for (char c : url)
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) return "The client_id URL is malformed.";
  auto u = boost::urls::parse_uri(url);
  if (!u) return "The client_id URL is malformed.";
  const auto scheme = u->scheme_id();
  if (scheme != boost::urls::scheme::https && !(scheme == boost::urls::scheme::http && !require_https))
    return "The client_id URL must use https.";
  if (u->has_userinfo()) return "The client_id URL must not contain user information.";
  if (u->has_fragment()) return "The client_id URL must not contain a fragment.";
  if (!u->has_authority() || u->encoded_host().empty()) return "The client_id URL has no host.";
  // draft-ietf-oauth-client-id-metadata-document §3: the URL must contain a path component,
  // so one origin cannot stand for every client it hosts.
  std::string_view path = u->encoded_path();
  if (path.empty() || path == "/") return "The client_id URL must have a path (an origin alone is not a client).";
  // ... and must not contain single-dot or double-dot path segments.
  std::size_t start = 1;
  while (start <= path.size()) {
    auto end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    if (is_dot_segment(path.substr(start, end - start))) return "The client_id URL must not contain dot segments.";
    start = end + 1;
  }
  return {};
}

std::variant<domain::client, std::string> validate_cimd_response(std::string_view url, const cimd_http_response& r,
                                                                 const registration_rules& rules) {
  if (r.status >= 300 && r.status < 400)
    return "The client metadata document could not be fetched: the server answered with a redirect (HTTP " +
           std::to_string(r.status) + "), which is not followed.";
  if (r.status != 200)
    return "The client metadata document could not be fetched: the server answered HTTP " + std::to_string(r.status) +
           ".";
  // RFC 9110 §8.3.1: the media type is case-insensitive; parameters (charset) are allowed.
  std::string media = ascii_lower(trim(std::string_view(r.content_type).substr(0, r.content_type.find(';'))));
  if (media != "application/json" && media != "application/client-id+json")
    return std::string("The client metadata document must be served as application/json.");
  if (r.body.size() > cimd_max_document_bytes) return std::string("The client metadata document is larger than 64 KiB.");

  boost::system::error_code ec;
  json::value doc = json::parse(r.body, ec);
  if (ec || !doc.is_object()) return std::string("The client metadata document is not a JSON object.");
  const json::object& o = doc.get_object();

  // The document must name itself: without this a document could claim another client's id.
  const json::value* id = o.if_contains("client_id");
  if (!id || !id->is_string()) return std::string(doc_invalid) + "client_id is missing.";
  if (id->get_string() != url) return std::string(doc_invalid) + "its client_id does not match the URL.";
  if (o.contains("client_secret") || o.contains("client_secret_expires_at"))
    return std::string(doc_invalid) + "it must not contain a client secret.";
  // We never issue a secret to a document client, so it can only be a public client.
  if (const json::value* m = o.if_contains("token_endpoint_auth_method"); m && !m->is_null()) {
    if (!m->is_string() || m->get_string() != "none")
      return std::string(doc_invalid) + "token_endpoint_auth_method must be \"none\".";
  }
  // The other grants need client authentication, which a public document client cannot do.
  if (const json::value* g = o.if_contains("grant_types"); g && g->is_array()) {
    for (const auto& e : g->get_array())
      if (e.is_string() && e.get_string() != "authorization_code" && e.get_string() != "refresh_token")
        return std::string(doc_invalid) + "grant_types may only contain authorization_code and refresh_token.";
  }
  auto parsed = parse_registration(r.body, rules);
  if (auto* e = std::get_if<domain::oauth_error>(&parsed)) {
    std::string why = e->description;
    constexpr std::string_view prefix = "invalid_client: client validation failed: ";
    if (why.starts_with(prefix)) why.erase(0, prefix.size());
    return shorten(std::string(doc_invalid) + why + ".");
  }
  return std::move(std::get<domain::client>(parsed));
}

std::optional<std::int64_t> parse_http_date(std::string_view t) {
  // "Sun, 06 Nov 1994 08:49:37 GMT": fixed width.
  if (t.size() != 29 || t[3] != ',' || t[4] != ' ' || t[7] != ' ' || t[11] != ' ' || t[16] != ' ' || t[19] != ':' ||
      t[22] != ':' || t.substr(25) != " GMT")
    return std::nullopt;
  static constexpr std::string_view months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  auto day = t.substr(5, 2), mon = t.substr(8, 3), year = t.substr(12, 4), hh = t.substr(17, 2), mm = t.substr(20, 2),
       ss = t.substr(23, 2);
  if (!digits(day) || !digits(year) || !digits(hh) || !digits(mm) || !digits(ss)) return std::nullopt;
  unsigned m = 0;
  while (m < 12 && months[m] != mon) ++m;
  if (m == 12) return std::nullopt;
  int d = to_int(day), h = to_int(hh), mi = to_int(mm), s = to_int(ss);
  if (d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return std::nullopt;
  return days_from_civil(to_int(year), m + 1, static_cast<unsigned>(d)) * 86400 + h * 3600 + mi * 60 + s;
}

std::int64_t cimd_cache_seconds(std::string_view cache_control, std::string_view expires, std::int64_t now,
                                std::int64_t ceiling) {
  const std::int64_t floor = std::min(cimd_min_cache_seconds, ceiling);
  auto clamp = [&](std::int64_t v) { return std::clamp(v, floor, ceiling); };
  std::optional<std::int64_t> max_age;
  std::string_view rest = cache_control;
  while (!rest.empty()) {
    auto comma = rest.find(',');
    std::string_view item = trim(rest.substr(0, comma));
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    auto eq = item.find('=');
    std::string name = ascii_lower(trim(item.substr(0, eq)));
    // RFC 9111 §5.2.2.4/.5: no-cache means revalidate before each use, no-store means keep
    // nothing; both get the floor (refetching on every request would be an amplifier).
    if (name == "no-store" || name == "no-cache") return floor;
    if (name == "max-age" && eq != std::string_view::npos) {
      std::string_view v = trim(item.substr(eq + 1));
      if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
      if (!digits(v)) {
        max_age = 0;  // §4.2.1: an invalid max-age means stale
        continue;
      }
      std::int64_t n = 0;
      for (char c : v) n = std::min<std::int64_t>(n * 10 + (c - '0'), ceiling);
      max_age = n;
    }
  }
  if (max_age) return clamp(*max_age);  // §5.3: max-age wins over Expires
  if (!trim(expires).empty()) {
    auto at = parse_http_date(trim(expires));
    return clamp(at ? *at - now : 0);  // an invalid Expires (e.g. "0") means already expired
  }
  return ceiling;
}

// ---- the service ---------------------------------------------------------------------------

cimd_service::cimd_service(cimd_options opts, cimd_deps deps) : opts_(std::move(opts)), deps_(std::move(deps)) {}

cimd_service::~cimd_service() {
  std::unordered_map<std::string, std::vector<waiter>> left;
  {
    std::lock_guard lk(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_) t.join();  // threads_ only grows under mu_, which stopping_ now freezes
  {
    std::lock_guard lk(mu_);
    left.swap(flights_);
  }
  for (auto& [url, waiters] : left)
    for (auto& w : waiters) w(busy());
}

std::optional<ports::cimd_result> cimd_service::cached(std::string_view url_view) {
  if (auto why = check_cimd_url(url_view, opts_.require_https); !why.empty()) return invalid_client(std::move(why));
  std::string url(url_view);
  const auto now = deps_.clk.now();
  {
    std::lock_guard lk(mu_);
    auto it = cache_.find(url);
    if (it == cache_.end() || it->second.expires <= now) return std::nullopt;
    if (!it->second.ok) return it->second.failure;
  }
  auto found = deps_.clients.find_client(url);
  if (!found) {
    log::error("cimd.client_lookup_failed", {{"url", url}, {"error", found.error().message()}});
    return server_error();
  }
  if (!*found || (*found)->registration_source != "cimd") {  // deleted by an operator: fetch again
    std::lock_guard lk(mu_);
    cache_.erase(url);
    return std::nullopt;
  }
  return std::move(**found);
}

void cimd_service::resolve(std::string url, std::function<void(ports::cimd_result)> done) {
  if (auto r = cached(url)) return done(std::move(*r));
  std::unique_lock lk(mu_);
  if (stopping_) {
    lk.unlock();
    return done(busy());
  }
  if (auto it = flights_.find(url); it != flights_.end()) {  // single flight: wait for the running fetch
    it->second.push_back(std::move(done));
    return;
  }
  if (flights_.size() >= opts_.max_in_flight) {
    lk.unlock();
    log::warn("cimd.fetch_suppressed", {{"url", url}, {"reason", "concurrency"}});
    return done(busy());
  }
  if (threads_.empty()) {  // started on first use: CLI commands that build the app never fetch
    const std::size_t n = std::max<std::size_t>(1, opts_.fetch_threads);
    for (std::size_t i = 0; i < n; ++i) threads_.emplace_back([this] { run(); });
  }
  flights_[url].push_back(std::move(done));
  queue_.push_back(std::move(url));
  lk.unlock();
  cv_.notify_one();
}

void cimd_service::run() {
  for (;;) {
    std::string url;
    {
      std::unique_lock lk(mu_);
      cv_.wait(lk, [this] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      url = std::move(queue_.front());
      queue_.pop_front();
    }
    std::int64_t lifetime = 0;
    ports::cimd_result result = fetch_and_store(url, lifetime);
    std::vector<waiter> waiters;
    {
      std::lock_guard lk(mu_);
      if (lifetime > 0) {
        entry e;
        e.ok = std::holds_alternative<domain::client>(result);
        if (!e.ok) e.failure = std::get<ports::cimd_failure>(result);
        e.expires = deps_.clk.now() + lifetime;
        remember(url, std::move(e));
      }
      if (auto it = flights_.find(url); it != flights_.end()) {
        waiters = std::move(it->second);
        flights_.erase(it);
      }
    }
    for (auto& w : waiters) {
      try {
        w(result);
      } catch (const std::exception& e) {
        log::error("cimd.callback_threw", {{"error", e.what()}});
      } catch (...) {
        log::error("cimd.callback_threw");
      }
    }
  }
}

void cimd_service::remember(const std::string& url, entry e) {
  if (cache_.size() >= opts_.max_entries && !cache_.contains(url)) {
    const auto now = deps_.clk.now();
    std::erase_if(cache_, [now](const auto& kv) { return kv.second.expires <= now; });
    if (cache_.size() >= opts_.max_entries) {  // none expired: drop the one closest to expiry
      auto oldest = std::min_element(cache_.begin(), cache_.end(),
                                     [](const auto& a, const auto& b) { return a.second.expires < b.second.expires; });
      if (oldest != cache_.end()) cache_.erase(oldest);
    }
  }
  cache_[url] = std::move(e);
}

ports::cimd_result cimd_service::fetch_and_store(const std::string& url, std::int64_t& lifetime) {
  lifetime = cimd_failure_cache_seconds;
  cimd_fetch_outcome out = cimd_fetch_error::unreachable;
  try {
    out = deps_.fetch(url);
  } catch (const std::exception& e) {
    log::error("cimd.fetcher_threw", {{"url", url}, {"error", e.what()}});
  }
  if (auto* err = std::get_if<cimd_fetch_error>(&out)) {
    std::string message, reason;
    switch (*err) {
      case cimd_fetch_error::blocked:
        reason = "blocked_address";
        message = "The client metadata document URL points to an address this server does not fetch from.";
        break;
      case cimd_fetch_error::timed_out:
        reason = "timeout";
        message = "The client metadata document could not be fetched: the request timed out.";
        break;
      case cimd_fetch_error::too_large:
        reason = "too_large";
        message = "The client metadata document is larger than 64 KiB.";
        break;
      case cimd_fetch_error::unreachable:
        reason = "unreachable";
        message = "The client metadata document could not be fetched.";
        break;
    }
    log::warn("cimd.fetch_failed", {{"url", url}, {"reason", reason}});
    return invalid_client(std::move(message));
  }
  const auto& resp = std::get<cimd_http_response>(out);

  registration_rules rules;
  rules.enabled_grants = opts_.enabled_grants;
  rules.offered_scopes = deps_.catalog.snapshot()->all_scopes;
  rules.default_client_scope = opts_.default_client_scope;
  auto checked = validate_cimd_response(url, resp, rules);
  if (auto* why = std::get_if<std::string>(&checked)) {
    log::warn("cimd.document_invalid", {{"url", url}, {"status", std::to_string(resp.status)}, {"reason", *why}});
    return invalid_client(std::move(*why));
  }
  domain::client doc = std::move(std::get<domain::client>(checked));

  // dcr.mode=approved_redirects binds documents too: every redirect URI must be approved.
  if (opts_.dcr_mode == dcr_mode::approved_redirects) {
    for (const auto& uri : doc.redirect_uris) {
      if (std::find(opts_.approved_redirects.begin(), opts_.approved_redirects.end(), uri) ==
          opts_.approved_redirects.end()) {
        log::warn("cimd.document_invalid", {{"url", url}, {"reason", "redirect_uri not approved"}});
        return invalid_client("The client metadata document lists a redirect URI this server has not approved.");
      }
    }
  }

  auto stored = store(url, std::move(doc));
  if (auto* f = std::get_if<ports::cimd_failure>(&stored); f && f->status >= 500) lifetime = 0;  // not cached
  else if (f) lifetime = cimd_failure_cache_seconds;
  else lifetime = cimd_cache_seconds(resp.cache_control, resp.expires, deps_.clk.now(), opts_.cache_ttl);
  return stored;
}

ports::cimd_result cimd_service::store(const std::string& url, domain::client doc) {
  // Two attempts: a concurrent writer (another process, an operator) may move the version.
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto found = deps_.clients.find_client(url);
    if (!found) {
      log::error("cimd.client_lookup_failed", {{"url", url}, {"error", found.error().message()}});
      return server_error();
    }
    const auto now = deps_.clk.now();
    domain::audit_event ev;
    ev.id = random_token(16);
    ev.actor_id = "cimd";
    ev.client_id = url;
    ev.created_at = now;
    if (!*found) {
      domain::client c = std::move(doc);
      c.id = url;
      c.cimd_url = url;
      c.registration_source = "cimd";
      c.status = domain::client_status::active;
      c.issued_at = c.updated_at = now;
      c.version = 1;
      auto r = deps_.clients.create_client(c);
      if (!r) {
        if (r.error() == domain::errc::conflict && attempt == 0) {
          doc = std::move(c);
          continue;
        }
        log::error("cimd.client_store_failed", {{"url", url}, {"error", r.error().message()}});
        return server_error();
      }
      ev.action = "client.registered";
      ev.detail = "source=cimd auth_method=none";
      if (auto a = deps_.audit.append_audit(ev); !a)
        log::warn("audit.write_failed", {{"action", ev.action}, {"error", a.error().message()}});
      log::info("cimd.client_registered", {{"url", url}});
      return c;
    }
    domain::client existing = std::move(**found);
    if (existing.registration_source != "cimd") {
      log::warn("cimd.id_taken", {{"url", url}, {"source", existing.registration_source}});
      return invalid_client("The client_id is already used by a client registered by other means.");
    }
    if (same_metadata(existing, doc)) return existing;
    copy_metadata(existing, doc);
    existing.updated_at = now;
    auto r = deps_.clients.update_client(existing);
    if (!r) {
      if (r.error() == domain::errc::conflict && attempt == 0) continue;
      log::error("cimd.client_store_failed", {{"url", url}, {"error", r.error().message()}});
      return server_error();
    }
    ++existing.version;
    ev.action = "client.updated";
    ev.detail = "source=cimd refetch";
    if (auto a = deps_.audit.append_audit(ev); !a)
      log::warn("audit.write_failed", {{"action", ev.action}, {"error", a.error().message()}});
    log::info("cimd.client_updated", {{"url", url}});
    return existing;
  }
  return server_error();
}

}  // namespace authplane::services
