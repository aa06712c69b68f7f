#include "cli_admin.hpp"

#include <boost/json.hpp>
#include <iostream>
#include <iterator>

#include "app.hpp"
#include "authplane/core/random.hpp"
#include "authplane/http/message.hpp"

namespace authplane::app {
namespace json = boost::json;

namespace {
std::vector<std::string> split_list(const std::string& s) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : s) {
    if (c == ',') {
      if (!cur.empty()) out.push_back(cur);
      cur.clear();
    } else if (c != ' ' || !cur.empty()) {
      cur += c;
    }
  }
  while (!cur.empty() && cur.back() == ' ') cur.pop_back();
  if (!cur.empty()) out.push_back(cur);
  return out;
}

json::array to_array(const std::vector<std::string>& v) {
  json::array a;
  for (const auto& s : v) a.emplace_back(s);
  return a;
}

// "name" or "name|description" entries, comma-separated.
json::array scope_defs(const std::string& s) {
  json::array a;
  for (const auto& item : split_list(s)) {
    auto bar = item.find('|');
    json::object o;
    o["name"] = item.substr(0, bar);
    if (bar != std::string::npos) o["description"] = item.substr(bar + 1);
    a.push_back(std::move(o));
  }
  return a;
}

// The whole of stdin minus one trailing line break (so `echo pw |` and here-strings work).
std::string read_password_stdin() {
  std::string s(std::istreambuf_iterator<char>(std::cin), {});
  if (!s.empty() && s.back() == '\n') s.pop_back();
  if (!s.empty() && s.back() == '\r') s.pop_back();
  return s;
}
}  // namespace

void admin_cli::attach(CLI::App& root, std::optional<std::string>& config_path) {
  admin_ = root.add_subcommand("admin", "Administer resources, clients and keys directly in the datastore");
  admin_->add_option("--config", config_path, "YAML configuration file");
  admin_->require_subcommand(1);
  auto set = [this](std::string m, std::string p, std::string b = {}) {
    method_ = std::move(m);
    path_ = std::move(p);
    body_ = std::move(b);
  };

  // ---- resources ----
  auto* res = admin_->add_subcommand("resource", "Protected resources (MCP servers)");
  res->require_subcommand(1);
  {
    auto* c = res->add_subcommand("create", "Register a resource");
    auto slug = std::make_shared<std::string>(), uri = std::make_shared<std::string>(),
         name = std::make_shared<std::string>(), scopes = std::make_shared<std::string>();
    c->add_option("--slug", *slug, "Slug (^[a-z0-9][a-z0-9-]{0,63}$)")->required();
    c->add_option("--uri", *uri, "Resource URI (the token audience), e.g. http://localhost:8080/mcp");
    c->add_option("--display-name", *name, "Display name");
    c->add_option("--scopes", *scopes, "Comma-separated scopes, each name or name|description");
    c->callback([=, this] {
      json::object o{{"slug", *slug}, {"display_name", name->empty() ? *slug : *name}, {"scopes", scope_defs(*scopes)}};
      if (!uri->empty()) o["uri"] = *uri;
      set("POST", "/admin/resources", json::serialize(o));
    });
    res->add_subcommand("list", "List resources")->callback([=] { set("GET", "/admin/resources"); });
    auto id = std::make_shared<std::string>();
    auto* g = res->add_subcommand("get", "Show a resource");
    g->add_option("id", *id, "Resource id or slug")->required();
    g->callback([=] { set("GET", "/admin/resources/" + http::url_encode(*id)); });
    auto* d = res->add_subcommand("delete", "Delete a resource");
    d->add_option("id", *id, "Resource id or slug")->required();
    d->callback([=] { set("DELETE", "/admin/resources/" + http::url_encode(*id)); });
    auto* u = res->add_subcommand("update", "Change a resource");
    u->add_option("id", *id, "Resource id or slug")->required();
    u->add_option("--uri", *uri, "New URI");
    u->add_option("--display-name", *name, "New display name");
    u->add_option("--scopes", *scopes, "Replace the scopes");
    u->callback([=] {
      json::object o;
      if (!uri->empty()) o["uri"] = *uri;
      if (!name->empty()) o["display_name"] = *name;
      if (!scopes->empty()) o["scopes"] = scope_defs(*scopes);
      set("PATCH", "/admin/resources/" + http::url_encode(*id), json::serialize(o));
    });
    auto* rc = res->add_subcommand("runtime-client", "Clients allowed to act as the resource (introspection)");
    rc->require_subcommand(1);
    auto rslug = std::make_shared<std::string>(), cid = std::make_shared<std::string>();
    auto base = [=] { return "/admin/resources/" + http::url_encode(*rslug) + "/policy/runtime/client-ids"; };
    auto* add = rc->add_subcommand("add", "Allow a client");
    add->add_option("--slug", *rslug)->required();
    add->add_option("--client-id", *cid)->required();
    add->callback([=] { set("POST", base(), json::serialize(json::object{{"client_id", *cid}})); });
    auto* ls = rc->add_subcommand("list", "List allowed clients");
    ls->add_option("--slug", *rslug)->required();
    ls->callback([=] { set("GET", base()); });
    auto* rm = rc->add_subcommand("remove", "Remove a client");
    rm->add_option("--slug", *rslug)->required();
    rm->add_option("--client-id", *cid)->required();
    rm->callback([=] { set("DELETE", base() + "/" + http::url_encode(*cid)); });
  }

  // ---- clients ----
  auto* cl = admin_->add_subcommand("client", "OAuth clients");
  cl->require_subcommand(1);
  {
    auto name = std::make_shared<std::string>(), method = std::make_shared<std::string>("client_secret_basic"),
         grants = std::make_shared<std::string>("client_credentials"), redirects = std::make_shared<std::string>(),
         scope = std::make_shared<std::string>(), agent_desc = std::make_shared<std::string>();
    auto agent = std::make_shared<bool>(false);
    auto* c = cl->add_subcommand("create", "Create a client (prints the secret once)");
    c->add_option("--name", *name, "Client name")->required();
    c->add_option("--auth-method", *method, "none | client_secret_basic | client_secret_post")->capture_default_str();
    c->add_option("--grant-types", *grants, "Comma-separated grant types")->capture_default_str();
    c->add_option("--redirect-uris", *redirects, "Comma-separated redirect URIs");
    c->add_option("--scope", *scope, "Scope ceiling (space- or comma-separated)");
    c->add_flag("--agent", *agent, "Mark the client as an agent");
    c->add_option("--agent-description", *agent_desc, "Agent description");
    c->callback([=] {
      std::string sc = *scope;
      for (auto& ch : sc)
        if (ch == ',') ch = ' ';
      json::object o{{"client_name", *name},
                     {"token_endpoint_auth_method", *method},
                     {"grant_types", to_array(split_list(*grants))},
                     {"redirect_uris", to_array(split_list(*redirects))},
                     {"scope", sc},
                     {"agent", *agent}};
      if (!agent_desc->empty()) o["agent_description"] = *agent_desc;
      set("POST", "/admin/clients", json::serialize(o));
    });
    auto status = std::make_shared<std::string>(), source = std::make_shared<std::string>();
    auto limit = std::make_shared<int>(100);
    auto* l = cl->add_subcommand("list", "List clients");
    l->add_option("--status", *status);
    l->add_option("--source", *source);
    l->add_option("--limit", *limit)->capture_default_str();
    l->callback([=] {
      std::string q = "/admin/clients?limit=" + std::to_string(*limit);
      if (!status->empty()) q += "&status=" + http::url_encode(*status);
      if (!source->empty()) q += "&source=" + http::url_encode(*source);
      set("GET", q);
    });
    auto id = std::make_shared<std::string>();
    auto force = std::make_shared<bool>(false);
    auto one = [&](const char* verb, const char* help, std::function<void()> cb) {
      auto* s = cl->add_subcommand(verb, help);
      s->add_option("id", *id, "Client id")->required();
      s->callback(std::move(cb));
      return s;
    };
    one("get", "Show a client", [=] { set("GET", "/admin/clients/" + http::url_encode(*id)); });
    one("delete", "Delete a client", [=] {
      set("DELETE", "/admin/clients/" + http::url_encode(*id) + (*force ? "?force=true" : ""));
    })->add_flag("--force", *force, "Revoke its active tokens and delete");
    one("rotate-secret", "Issue a new secret", [=] { set("POST", "/admin/clients/" + http::url_encode(*id) + "/rotate-secret"); });
    for (const char* verb : {"suspend", "revoke", "reactivate"}) {
      std::string v = verb;
      one(verb, "Change the client's status", [=] { set("PATCH", "/admin/clients/" + http::url_encode(*id) + "/" + v); });
    }
    auto* u = one("update", "Change a client", [=] {
      json::object o;
      if (!name->empty()) o["client_name"] = *name;
      if (!scope->empty()) {
        std::string sc = *scope;
        for (auto& ch : sc)
          if (ch == ',') ch = ' ';
        o["scope"] = sc;
      }
      if (!redirects->empty()) o["redirect_uris"] = to_array(split_list(*redirects));
      set("PATCH", "/admin/clients/" + http::url_encode(*id), json::serialize(o));
    });
    u->add_option("--name", *name);
    u->add_option("--scope", *scope);
    u->add_option("--redirect-uris", *redirects);
  }

  // ---- users ----
  attach_users(set);

  // ---- consent grants (/admin/grants/consent) ----
  {
    auto* gr = admin_->add_subcommand("grant", "Consent grants (what users allowed clients to do)");
    gr->require_subcommand(1);
    auto user = std::make_shared<std::string>(), client = std::make_shared<std::string>(),
         gid = std::make_shared<std::string>();
    auto limit = std::make_shared<int>(100);
    auto* l = gr->add_subcommand("list", "List consent grants (revoked ones included)")->alias("list-user-grants");
    l->add_option("--user", *user, "Only this user's grants");
    l->add_option("--client", *client, "Only grants to this client");
    l->add_option("--limit", *limit)->capture_default_str();
    l->callback([=] {
      std::string q = "/admin/grants/consent?limit=" + std::to_string(*limit);
      if (!user->empty()) q += "&user_id=" + http::url_encode(*user);
      if (!client->empty()) q += "&client_id=" + http::url_encode(*client);
      set("GET", q, "");
    });
    auto* g = gr->add_subcommand("get", "Show a consent grant");
    g->add_option("--id", *gid, "Grant id")->required();
    g->callback([=] { set("GET", "/admin/grants/consent/" + http::url_encode(*gid), ""); });
    auto* rv = gr->add_subcommand("revoke", "Revoke a consent grant, its refresh families and their access tokens")
                   ->alias("revoke-consent");
    rv->add_option("--id", *gid, "Grant id")->required();
    rv->callback([=] { set("DELETE", "/admin/grants/consent/" + http::url_encode(*gid), ""); });
  }

  // ---- keys ----
  auto* k = admin_->add_subcommand("key", "Signing keys");
  k->require_subcommand(1);
  k->add_subcommand("list", "List signing keys")->callback([=] { set("GET", "/admin/keys"); });
  k->add_subcommand("rotate", "Make a fresh key current (a running server picks it up within a second)")
      ->callback([=] { set("POST", "/admin/keys/rotate"); });
}

// `admin user …`: the /admin/users routes. Passwords come from --password or, to keep them out
// of shell history and the process list, from stdin with --password-stdin.
void admin_cli::attach_users(const setter& set) {
  auto* us = admin_->add_subcommand("user", "Users who sign in interactively");
  us->require_subcommand(1);
  auto email = std::make_shared<std::string>(), name = std::make_shared<std::string>(),
       role = std::make_shared<std::string>(), password = std::make_shared<std::string>(),
       id = std::make_shared<std::string>(), status = std::make_shared<std::string>();
  auto from_stdin = std::make_shared<bool>(false), force = std::make_shared<bool>(false);
  auto limit = std::make_shared<int>(100);
  auto take_password = [=](json::object& o) {
    if (*from_stdin) *password = read_password_stdin();
    if (*from_stdin || !password->empty()) o["password"] = *password;
  };
  auto password_opts = [=](CLI::App* c) {
    auto* flag = c->add_flag("--password-stdin", *from_stdin, "Read the password from stdin");
    c->add_option("--password", *password, "Password (prefer --password-stdin)")->excludes(flag);
  };
  auto* c = us->add_subcommand("create", "Create a local user");
  c->add_option("--email", *email, "Email (the sign-in name, unique ignoring case)")->required();
  c->add_option("--name", *name, "Display name");
  c->add_option("--role", *role, "user | admin");
  password_opts(c);
  c->callback([=] {
    json::object o{{"email", *email}};
    if (!name->empty()) o["name"] = *name;
    if (!role->empty()) o["role"] = *role;
    take_password(o);
    set("POST", "/admin/users", json::serialize(o));
  });
  auto* l = us->add_subcommand("list", "List users");
  l->add_option("--status", *status, "active | disabled");
  l->add_option("--role", *role, "user | admin");
  l->add_option("--limit", *limit)->capture_default_str();
  l->callback([=] {
    std::string q = "/admin/users?limit=" + std::to_string(*limit);
    if (!status->empty()) q += "&status=" + http::url_encode(*status);
    if (!role->empty()) q += "&role=" + http::url_encode(*role);
    set("GET", q, "");
  });
  auto one = [=](const char* verb, const char* help, std::function<void()> cb) {
    auto* s = us->add_subcommand(verb, help);
    s->add_option("id", *id, "User id")->required();
    s->callback(std::move(cb));
    return s;
  };
  auto path = [=] { return "/admin/users/" + http::url_encode(*id); };
  one("get", "Show a user", [=] { set("GET", path(), ""); });
  one("disable", "Disable a user and end their sessions", [=] { set("PATCH", path() + "/disable", ""); });
  one("enable", "Enable a disabled user", [=] { set("PATCH", path() + "/enable", ""); });
  one("force-logout", "End every session and revoke every token of a user", [=] {
    set("DELETE", path() + "/tokens", "");
  })->alias("logout");
  one("delete", "Delete a user", [=] { set("DELETE", path() + (*force ? "?force=true" : ""), ""); })
      ->add_flag("--force", *force, "Revoke their active tokens and delete");
  auto* u = one("update", "Change a user", [=] {
    json::object o;
    if (!email->empty()) o["email"] = *email;
    if (!name->empty()) o["name"] = *name;
    if (!role->empty()) o["role"] = *role;
    take_password(o);
    set("PATCH", path(), json::serialize(o));
  });
  u->add_option("--email", *email);
  u->add_option("--name", *name);
  u->add_option("--role", *role);
  password_opts(u);
}

bool admin_cli::selected() const { return admin_ && admin_->parsed(); }

int admin_cli::run(const std::optional<std::string>& config_path) {
  auto cfg = load_config(config_path);
  if (!cfg) return 2;
  // The CLI authenticates to its own in-process handlers with a one-off key.
  cfg->admin.api_key = random_token(32);
  std::string error;
  auto a = build(*cfg, error);
  if (!a) {
    std::cerr << "authserver: " << error << "\n";
    return 1;
  }
  http::request req;
  req.method = method_;
  req.target = path_;
  auto q = path_.find('?');
  req.path = path_.substr(0, q);
  if (q != std::string::npos) req.query = path_.substr(q + 1);
  req.headers.add("Authorization", "Bearer " + cfg->admin.api_key);
  if (!body_.empty()) req.headers.add("Content-Type", "application/json");
  req.body = body_;
  req.remote_ip = "cli";
  http::response out;
  out.status = 500;
  a->admin_router.dispatch(req, http::responder([&out](http::response&& r) { out = std::move(r); }));
  if (!out.body.empty()) std::cout << out.body << "\n";
  if (out.status >= 200 && out.status < 300) return 0;
  if (out.status == 404) return 4;
  return 1;
}
}  // namespace authplane::app
