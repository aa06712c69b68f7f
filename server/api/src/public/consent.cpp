// GET/POST /consent (reference §2.8, plus the redirect back with access_denied on deny).
#include <algorithm>

#include "authplane/core/log.hpp"
#include "authplane/core/random.hpp"
#include "authplane/core/scope.hpp"
#include "html.hpp"

namespace authplane::api::browser {
namespace {

http::response login_redirect(browser_deps& d, std::string_view back, bool clear) {
  auto resp = see_other("/login?redirect=" + http::url_encode(back));
  if (clear) resp.headers.add("Set-Cookie", set_cookie(d, d.cookie_name, "", 0));
  return resp;
}

http::response render_consent(browser_deps& d, const signed_in& who, const ports::pending_authorization& p,
                              const domain::client& client) {
  std::optional<domain::resource> resource;
  if (!p.resource_id.empty())
    if (auto r = d.resources.find_resource_by_id(p.resource_id); r && *r) resource = std::move(**r);
  const std::string client_name = client.name.empty() ? client.id : client.name;
  std::string target = resource ? (resource->display_name.empty() ? resource->slug : resource->display_name)
                                : std::string("your account");
  std::string body = "<p><strong>" + esc(client_name) + "</strong> wants permission to access <strong>" +
                     esc(target) + "</strong>";
  if (resource) {
    body += " <span class=\"muted\">(" + esc(resource->slug);
    if (!resource->uri.empty()) body += " &middot; " + esc(resource->uri);
    body += ")</span>";
  }
  body += ".</p>\n";
  auto dest = split_uri(p.redirect_uri);
  std::string host = dest ? dest->host : std::string("(unknown)");
  body += "<p>After you decide you will be sent to <strong>" + esc(host) + "</strong>.</p>\n";
  if (dest && is_loopback_host(dest->host))
    body += "<p class=\"warn\">This destination is a program on this device (a loopback address). Only allow if you "
            "started this sign-in yourself.</p>\n";
  body += "<p class=\"muted\">Signed in as " + esc(who.user.email) + "</p>\n";
  body += "<form method=\"post\" action=\"/consent\">\n<fieldset><legend>Permissions</legend>\n";
  for (const auto& s : split_scopes(p.scope)) {
    std::string desc;
    if (resource)
      for (const auto& def : resource->scopes)
        if (def.name == s) desc = def.description;
    body += "<div class=\"scope\"><label><input type=\"checkbox\" name=\"scopes\" value=\"" + esc(s) + "\" checked> " +
            (desc.empty() ? esc(s) : esc(desc) + " <span class=\"muted\">" + esc(s) + "</span>") + "</label></div>\n";
  }
  body += "</fieldset>\n<input type=\"hidden\" name=\"session_id\" value=\"" + esc(p.id) + "\">\n"
          "<input type=\"hidden\" name=\"csrf_token\" value=\"" + esc(d.sessions.csrf_token("consent", who.cookie)) +
          "\">\n<button type=\"submit\" name=\"action\" value=\"allow\">Allow</button>\n"
          "<button type=\"submit\" name=\"action\" value=\"deny\">Deny</button>\n</form>";
  return page(200, "Authorize " + client_name, body);
}

// The pending request and its client, or the page explaining why not.
std::variant<http::response, std::pair<ports::pending_authorization, domain::client>> load(browser_deps& d,
                                                                                         const std::string& id) {
  if (id.empty()) return error_page(400, "Missing Session", "The authorization request is missing. Start again from the application.");
  auto p = d.pending.find(id, d.clk.now());
  if (!p)
    return error_page(400, "Invalid Session", "This authorization request has expired or is unknown. Start again from the application.");
  auto c = d.clients.find_client(p->client_id);
  if (!c) return error_page(500, "Server Error", "An internal error occurred. Please try again later.");
  if (!*c) return error_page(400, "Invalid Client", "The client is not registered with this server.");
  if (!(*c)->is_active()) return error_page(403, "Client Suspended", "This client has been suspended and cannot sign users in.");
  return std::make_pair(std::move(*p), std::move(**c));
}
}  // namespace

void register_consent_routes(http::router& r, browser_deps& d) {
  r.add("GET", "/consent", [&d](http::request& req, http::responder done) {
    bool clear = false;
    auto who = current_user(req, d, clear);
    if (!who) return done(login_redirect(d, req.target, clear));
    auto q = http::parse_form(req.query);
    auto loaded = load(d, q ? param(*q, "session_id") : std::string());
    if (auto* resp = std::get_if<http::response>(&loaded)) return done(std::move(*resp));
    auto& [p, client] = std::get<1>(loaded);
    done(render_consent(d, *who, p, client));
  });

  r.add("POST", "/consent", [&d](http::request& req, http::responder done) {
    bool clear = false;
    auto who = current_user(req, d, clear);
    if (!who) return done(login_redirect(d, "/", clear));
    auto form = req.body.size() <= d.max_form_bytes ? http::parse_form(req.body) : std::nullopt;
    if (!form) return done(error_page(400, "Invalid Request", "The form could not be read."));
    if (!d.sessions.csrf_valid("consent", who->cookie, param(*form, "csrf_token")))
      return done(error_page(403, "Invalid Request", "The request could not be verified. Please try again."));
    auto loaded = load(d, param(*form, "session_id"));
    if (auto* resp = std::get_if<http::response>(&loaded)) return done(std::move(*resp));
    auto& [p, client] = std::get<1>(loaded);

    const std::string action = param(*form, "action");
    if (action == "deny") {
      d.pending.erase(p.id);
      log::info("consent.denied", {{"client_id", p.client_id}, {"user_id", who->user.id}});
      return done(see_other(error_redirect(p.redirect_uri, "access_denied", "the user denied the request", p.state, d.issuer)));
    }
    if (action != "allow") return done(error_page(400, "Invalid Request", "Choose Allow or Deny."));

    // The user may narrow the request, never widen it.
    auto offered = split_scopes(p.scope);
    std::string chosen;
    for (const auto& [k, v] : *form) {
      if (k != "scopes") continue;
      if (std::find(offered.begin(), offered.end(), v) == offered.end())
        return done(error_page(400, "Invalid Request", "A permission that was not requested was selected."));
      if ((" " + chosen + " ").find(" " + v + " ") == std::string::npos) chosen += (chosen.empty() ? "" : " ") + v;
    }
    if (chosen.empty())
      return done(error_page(400, "No Permissions Selected", "Select at least one permission, or choose Deny."));

    const auto now = d.clk.now();
    domain::consent_grant g{.id = random_token(16),
                            .user_id = who->user.id,
                            .client_id = p.client_id,
                            .resource = p.resource,
                            .scopes = chosen,
                            .created_at = now,
                            .updated_at = now,
                            .revoked_at = std::nullopt};
    auto stored = d.consents.upsert_consent(g);
    if (!stored) {
      log::error("consent.store_failed", {{"error", stored.error().message()}});
      return done(error_page(500, "Server Error", "An internal error occurred. Please try again later."));
    }
    d.pending.erase(p.id);
    p.scope = chosen;
    log::info("consent.granted", {{"client_id", p.client_id}, {"user_id", who->user.id}, {"scope", chosen}});
    done(issue_code(d, p, who->user.id, stored->id));
  });
}

}  // namespace authplane::api::browser
