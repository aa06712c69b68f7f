// GET /oauth/authorize (reference §2.2) and the URI rules it relies on.
#include <algorithm>

#include "authplane/core/ascii.hpp"
#include "authplane/core/base64url.hpp"
#include "authplane/core/log.hpp"
#include "authplane/core/scope.hpp"
#include "html.hpp"

namespace authplane::api {
namespace {
bool contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

authorize_page_error server_error_page() {
  return {500, "Server Error", "An internal error occurred. Please try again later."};
}
}  // namespace

bool is_loopback_host(std::string_view host) {
  auto h = ascii_lower(host);
  return h == "localhost" || h == "127.0.0.1" || h == "::1";
}

std::optional<uri_parts> split_uri(std::string_view uri) {
  auto colon = uri.find("://");
  if (colon == std::string_view::npos || colon == 0) return std::nullopt;
  uri_parts out;
  out.scheme = ascii_lower(uri.substr(0, colon));
  std::string_view rest = uri.substr(colon + 3);
  auto end = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, end);
  out.rest = end == std::string_view::npos ? std::string() : std::string(rest.substr(end));
  if (auto at = authority.rfind('@'); at != std::string_view::npos) {
    out.userinfo = true;
    authority.remove_prefix(at + 1);
  }
  std::string_view host, port;
  if (!authority.empty() && authority.front() == '[') {
    auto close = authority.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    host = authority.substr(1, close - 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return std::nullopt;
      port = after.substr(1);
    }
  } else {
    auto c = authority.find(':');
    host = authority.substr(0, c);
    if (c != std::string_view::npos) port = authority.substr(c + 1);
  }
  if (host.empty()) return std::nullopt;
  if (port.size() > 5 || !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return std::nullopt;
  out.host = ascii_lower(host);
  out.port = std::string(port);
  return out;
}

bool redirect_uri_matches(std::string_view registered, std::string_view presented) {
  if (registered == presented) return true;
  auto reg = split_uri(registered);
  auto pre = split_uri(presented);
  if (!reg || !pre || reg->userinfo || pre->userinfo) return false;
  if (!is_loopback_host(reg->host)) return false;
  return reg->scheme == pre->scheme && reg->host == pre->host && reg->rest == pre->rest;
}

bool is_safe_local_redirect(std::string_view t) {
  if (t.empty() || t.front() != '/' || t.size() > 4096) return false;
  if (t.starts_with("//") || t.starts_with("/\\")) return false;
  if (t.find("://") != std::string_view::npos) return false;
  for (char c : t)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f || c == '\\') return false;
  return true;
}

authorize_check check_authorize(const authorize_request& q, browser_deps& d) { return check_authorize(q, d, nullptr); }

authorize_check check_authorize(const authorize_request& q, browser_deps& d, const domain::client* resolved) {
  // 1. Only the authorization code flow.
  if (q.response_type != "code")
    return authorize_page_error{400, "Authorization Error", "The requested grant type or response type is not supported."};

  // 2. The client. A URL-shaped id names a client ID metadata document: the caller resolves it
  // through the CIMD service first (register_authorize_route) and passes the result here.
  domain::client client;
  if (resolved) {
    client = *resolved;
  } else {
    if (q.client_id.empty() || q.client_id.size() > 2048 || ports::is_url_client_id(q.client_id))
      return authorize_page_error{400, "Invalid Client", "The client is not registered with this server."};
    auto found = d.clients.find_client(q.client_id);
    if (!found) {
      log::error("authorize.client_lookup_failed", {{"error", found.error().message()}});
      return server_error_page();
    }
    if (!*found) return authorize_page_error{400, "Invalid Client", "The client is not registered with this server."};
    client = std::move(**found);
  }

  // 3. Suspended or revoked clients.
  if (!client.is_active())
    return authorize_page_error{403, "Client Suspended", "This client has been suspended and cannot sign users in."};

  // 4. The redirect URI: exact, except the port on loopback hosts (RFC 8252 §7.3).
  bool registered = !q.redirect_uri.empty() &&
                    std::any_of(client.redirect_uris.begin(), client.redirect_uris.end(),
                                [&](const std::string& r) { return redirect_uri_matches(r, q.redirect_uri); });
  if (!registered)
    return authorize_page_error{400, "Invalid Redirect URI",
                                "The redirect URI is not registered for this client."};

  // From here on errors go back to the client.
  if (!client.grant_types.empty() && !client.has_grant("authorization_code"))
    return authorize_redirect_error{"unauthorized_client", "the client may not use the authorization_code grant"};

  // 5. PKCE, S256 only (plain is never accepted).
  if (q.code_challenge.empty() || q.code_challenge_method != "S256")
    return authorize_redirect_error{"invalid_grant", "code_challenge with code_challenge_method=S256 is required"};
  if (q.code_challenge.size() != 43 || !base64url_alphabet_only(q.code_challenge))
    return authorize_redirect_error{"invalid_grant", "code_challenge must be a base64url SHA-256 digest (43 characters)"};

  // 6. The resource (RFC 8707), by URI or slug.
  ports::pending_authorization p;
  p.client_id = client.id;
  p.redirect_uri = q.redirect_uri;
  p.state = q.state;
  p.code_challenge = q.code_challenge;
  std::optional<domain::resource> resource;
  if (!q.resource.empty()) {
    auto by_uri = d.resources.find_resources_by_uri(q.resource);
    if (!by_uri) return server_error_page();
    if (by_uri->size() > 1)
      return authorize_page_error{400, "Ambiguous Resource", "More than one resource has this identifier."};
    if (by_uri->size() == 1) {
      resource = std::move(by_uri->front());
    } else {
      auto by_slug = d.resources.find_resource_by_slug(q.resource);
      if (!by_slug) return server_error_page();
      if (!*by_slug) return authorize_page_error{400, "Unknown Resource", "The requested resource is not registered."};
      resource = std::move(**by_slug);
    }
    if (resource->backend_kind == "broker")
      return authorize_page_error{400, "Invalid Resource", "This resource cannot be requested here."};
    p.resource = resource->uri.empty() ? resource->slug : resource->uri;
    p.resource_id = resource->id;
  }

  // 7. Scope: required unless oauth.require_scope=false, which defaults to the resource's
  // scopes (or every registered scope) within the client's ceiling.
  // `offline_access` (OIDC; Inspector and mcp-remote send it) only asks for a refresh token,
  // which clients with the refresh_token grant get anyway: it is accepted and dropped, so it is
  // neither checked against a resource catalog nor put into the access token.
  auto ceiling = split_scopes(client.scope);
  std::vector<std::string> scopes = split_scopes(q.scope);
  std::erase(scopes, std::string("offline_access"));
  if (scopes.empty()) {
    if (d.require_scope)
      return authorize_redirect_error{"invalid_scope", "scope parameter is required (oauth.require_scope=true)"};
    std::vector<domain::resource> pool;
    if (resource) {
      pool.push_back(*resource);
    } else {
      auto all = d.resources.list_resources({.limit = 10'000, .offset = 0});
      if (!all) return server_error_page();
      pool = std::move(*all);
    }
    for (const auto& r : pool)
      for (const auto& s : r.scopes)
        if (!contains(scopes, s.name) && (ceiling.empty() || contains(ceiling, s.name))) scopes.push_back(s.name);
    if (scopes.empty()) return authorize_redirect_error{"invalid_scope", "no scopes are available for this request"};
  }

  // 8. Scopes must be in the resource's catalog, and within the client's ceiling (an empty
  // ceiling is not enforced, as in the reference).
  if (resource) {
    if (resource->scopes.empty()) return authorize_redirect_error{"invalid_scope", "no scopes registered for resource"};
    for (const auto& s : scopes)
      if (!resource->has_scope(s))
        return authorize_redirect_error{"invalid_scope", "scope " + s + " is not registered for resource " + resource->slug};
  }
  if (!ceiling.empty())
    for (const auto& s : scopes)
      if (!contains(ceiling, s))
        return authorize_redirect_error{"invalid_scope", "scope " + s + " is not allowed for this client"};

  std::string joined;
  for (const auto& s : scopes) joined += (joined.empty() ? "" : " ") + s;
  p.scope = std::move(joined);
  return authorize_accepted{std::move(client), std::move(p)};
}

namespace browser {
namespace {
bool covers(const std::string& granted, const std::string& wanted) {
  auto g = split_scopes(granted);
  for (const auto& s : split_scopes(wanted))
    if (!contains(g, s)) return false;
  return true;
}

// Everything after the parameters are read: the checks, then the session and consent. Runs on
// an I/O thread, or on a CIMD fetch thread when the client's document had to be fetched.
void proceed(const http::request& req, browser_deps& d, const authorize_request& q, const domain::client* resolved,
             http::responder done) {
  auto checked = check_authorize(q, d, resolved);
  if (auto* e = std::get_if<authorize_page_error>(&checked)) return done(error_page(e->status, e->title, e->message));
  if (auto* e = std::get_if<authorize_redirect_error>(&checked))
    return done(see_other(error_redirect(q.redirect_uri, e->error, e->description, q.state, d.issuer)));
  auto& ok = std::get<authorize_accepted>(checked);

  bool clear = false;
  auto who = current_user(req, d, clear);
  const auto prompts = split_scopes(q.prompt);  // space-separated, like scope
  const bool prompt_none = contains(prompts, "none");
  if (prompt_none && prompts.size() > 1)
    return done(see_other(error_redirect(q.redirect_uri, "invalid_request", "prompt=none cannot be combined with other values",
                                         q.state, d.issuer)));
  if (!who) {
    if (prompt_none)
      return done(see_other(error_redirect(q.redirect_uri, "login_required", "the user is not signed in", q.state, d.issuer)));
    auto resp = see_other("/login?redirect=" + http::url_encode(req.target));
    if (clear) resp.headers.add("Set-Cookie", set_cookie(d, d.cookie_name, "", 0));
    return done(std::move(resp));
  }
  auto grant = d.consents.find_consent(who->user.id, ok.client.id, ok.request.resource);
  if (!grant) {
    log::error("authorize.consent_lookup_failed", {{"error", grant.error().message()}});
    return done(see_other(error_redirect(q.redirect_uri, "server_error", "an internal error occurred", q.state, d.issuer)));
  }
  const bool covered = *grant && covers((*grant)->scopes, ok.request.scope);
  if (covered && !contains(prompts, "consent")) return done(issue_code(d, ok.request, who->user.id, (*grant)->id));
  if (prompt_none)
    return done(see_other(error_redirect(q.redirect_uri, "consent_required", "the user has not approved this client",
                                         q.state, d.issuer)));
  auto id = d.pending.put(ok.request, d.clk.now());
  done(see_other("/consent?session_id=" + http::url_encode(id)));
}

// The outcome of the CIMD service: an error page (never a redirect: the redirect URI is not
// trusted before the document is), or the document's client for the usual checks.
void proceed_with_document(const http::request& req, browser_deps& d, const authorize_request& q,
                           ports::cimd_result r, http::responder done) {
  if (auto* f = std::get_if<ports::cimd_failure>(&r)) {
    auto resp = error_page(f->status, f->title, f->message);
    if (f->retry_after > 0) resp.headers.add("Retry-After", std::to_string(f->retry_after));
    return done(std::move(resp));
  }
  proceed(req, d, q, &std::get<domain::client>(r), std::move(done));
}
}  // namespace

void register_authorize_route(http::router& r, browser_deps& d) {
  r.add("GET", "/oauth/authorize", [&d](http::request& req, http::responder done) {
    auto form = http::parse_form(req.query);
    if (!form) return done(error_page(400, "Authorization Error", "The request could not be read."));
    for (auto key : {"response_type", "client_id", "redirect_uri", "scope", "state", "resource", "code_challenge",
                     "code_challenge_method", "prompt"})
      if (param_count(*form, key) > 1)
        return done(error_page(400, "Authorization Error", std::string("The parameter ") + key + " is repeated."));
    authorize_request q{param(*form, "response_type"), param(*form, "client_id"),      param(*form, "redirect_uri"),
                        param(*form, "scope"),         param(*form, "state"),          param(*form, "resource"),
                        param(*form, "code_challenge"), param(*form, "code_challenge_method"), param(*form, "prompt")};
    if (q.response_type != "code" || !ports::is_url_client_id(q.client_id)) return proceed(req, d, q, nullptr, std::move(done));

    // A client ID metadata document. Refused outright when CIMD is not served (cimd.enabled=false
    // or dcr.mode=admin_only); a fresh cached document stays on this thread.
    if (!d.cimd) return done(error_page(400, "Invalid Client", "The client is not registered with this server."));
    if (auto now = d.cimd->cached(q.client_id)) return proceed_with_document(req, d, q, std::move(*now), std::move(done));
    // The fetch runs on the service's thread and answers from there; the request is copied
    // because the connection may end (shutdown) before the fetch does.
    auto keep = std::make_shared<const http::request>(req);
    auto answer = std::make_shared<http::responder>(std::move(done));
    std::string url = q.client_id;
    d.cimd->resolve(std::move(url), [&d, keep, answer, q = std::move(q)](ports::cimd_result res) {
      proceed_with_document(*keep, d, q, std::move(res), std::move(*answer));
    });
  });
}
}  // namespace browser
}  // namespace authplane::api
