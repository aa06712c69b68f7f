// Loading: defaults < YAML file < AUTHPLANE_* environment.
#include <authplane/config/config.hpp>
#include <authplane/core/ascii.hpp>

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

extern char** environ;

namespace authplane::config {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::optional<std::int64_t> parse_int(std::string_view s) {
  s = trim(s);
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  std::int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || p != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

std::optional<double> parse_float(std::string_view s) {
  s = trim(s);
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  double v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || p != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

std::vector<std::string> split_list(std::string_view s) {
  std::vector<std::string> out;
  while (true) {
    auto comma = s.find(',');
    auto item = trim(s.substr(0, comma));
    if (!item.empty()) out.emplace_back(item);
    if (comma == std::string_view::npos) break;
    s.remove_prefix(comma + 1);
  }
  return out;
}

// ---- environment ----------------------------------------------------------------------------

struct env_apply {
  const setting& s;
  std::string_view raw;
  std::vector<std::string>& warnings;

  void warn(std::string_view what, const std::string& kept) const {
    warnings.push_back(std::string(s.env) + ": " + std::string(what) + " \"" + std::string(raw) + "\"; keeping " + kept);
  }
  // An empty value counts as unset for scalars; for lists it means "empty list".
  void operator()(std::string* v) const {
    if (!raw.empty()) *v = std::string(raw);
  }
  void operator()(bool* v) const {
    if (trim(raw).empty()) return;
    auto t = ascii_lower(trim(raw));
    *v = t == "true" || t == "1" || t == "yes";
  }
  void operator()(std::int64_t* v) const {
    if (trim(raw).empty()) return;
    if (auto p = parse_int(raw)) *v = *p;
    else warn("not an integer", std::to_string(*v));
  }
  void operator()(double* v) const {
    if (trim(raw).empty()) return;
    if (auto p = parse_float(raw)) *v = *p;
    else {
      std::ostringstream o;
      o << *v;
      warn("not a number", o.str());
    }
  }
  void operator()(duration* v) const {
    if (trim(raw).empty()) return;
    if (auto p = parse_duration(trim(raw))) *v = *p;
    else warn("not a duration (use Go syntax such as 30s, 15m, 1h30m)", format_duration(*v));
  }
  void operator()(std::vector<std::string>* v) const { *v = split_list(raw); }
};

void apply_env(config& c, const environment& env, std::vector<std::string>& warnings) {
  for (const auto& s : settings()) {
    if (s.env.empty()) continue;
    auto it = env.find(s.env);
    if (it == env.end()) continue;
    std::visit(env_apply{s, it->second, warnings}, s.field(c));
  }
}

// ---- YAML -----------------------------------------------------------------------------------

struct yaml_failure {
  std::string message;
};

class yaml_loader {
 public:
  yaml_loader(std::string_view file, config& c, std::vector<std::string>& warnings)
      : file_(file), cfg_(c), warnings_(warnings) {
    for (const auto& s : settings()) {
      if (s.key.empty()) continue;
      std::string_view k = s.key;
      for (auto dot = k.find('.'); dot != std::string_view::npos; dot = k.find('.', dot + 1))
        sections_.insert(std::string(k.substr(0, dot)));
    }
  }

  void load_root(const YAML::Node& root) {
    if (!root || root.IsNull()) return;
    if (!root.IsMap()) fail(root, "the top level must be a mapping of sections");
    walk(root, "");
  }

 private:
  [[noreturn]] void fail(const YAML::Node& n, const std::string& msg) const { throw yaml_failure{where(n) + msg}; }
  std::string where(const YAML::Node& n) const {
    auto m = n.Mark();
    if (m.is_null()) return file_ + ": ";
    return file_ + ":" + std::to_string(m.line + 1) + ": ";
  }
  void warn(const YAML::Node& n, const std::string& msg) { warnings_.push_back(where(n) + msg); }

  static std::optional<std::string> legacy_message(const std::string& key) {
    if (key == "resource_servers")
      return "resource_servers is no longer supported; declare protected resources in the resources: list "
             "(slug, uri, display_name, scopes)";
    if (key == "vault_connectors" || key == "vault_connect")
      return key + " is no longer supported; use broker_providers: and resources: with backend_kind broker";
    if (key == "token_exchange.cross_client_allowlist")
      return "token_exchange.cross_client_allowlist is no longer supported; allow cross-client exchange per resource "
             "with policy.exchange.allowed_client_ids (admin API)";
    return std::nullopt;
  }

  void walk(const YAML::Node& map, const std::string& prefix) {
    for (const auto& kv : map) {
      const YAML::Node& keynode = kv.first;
      const YAML::Node& value = kv.second;
      if (!keynode.IsScalar()) fail(keynode, "keys must be plain names");
      std::string full = prefix.empty() ? keynode.Scalar() : prefix + "." + keynode.Scalar();
      if (auto legacy = legacy_message(full)) fail(keynode, *legacy);
      if (const setting* s = find_by_key(full)) {
        if (value.IsNull()) continue;  // "key:" with no value keeps the default
        std::visit([&](auto* field) { convert(*s, value, field); }, s->field(cfg_));
      } else if (full == "resources") {
        load_resources(value);
      } else if (full == "broker_providers") {
        load_broker_providers(value);
      } else if (sections_.count(full)) {
        if (value.IsNull()) continue;
        if (!value.IsMap()) fail(value, full + " must be a mapping");
        walk(value, full);
      } else {
        warn(keynode, "unknown key " + full + " (ignored)");
      }
    }
  }

  std::string scalar(const setting& s, const YAML::Node& v) const {
    if (!v.IsScalar()) fail(v, std::string(s.key) + ": expected a single value");
    return v.Scalar();
  }

  void convert(const setting& s, const YAML::Node& v, std::string* out) { *out = scalar(s, v); }
  void convert(const setting& s, const YAML::Node& v, bool* out) {
    auto t = ascii_lower(scalar(s, v));
    if (t == "true" || t == "yes" || t == "on") *out = true;
    else if (t == "false" || t == "no" || t == "off") *out = false;
    else fail(v, std::string(s.key) + ": expected true or false, got \"" + v.Scalar() + "\"");
  }
  void convert(const setting& s, const YAML::Node& v, std::int64_t* out) {
    auto p = parse_int(scalar(s, v));
    if (!p) fail(v, std::string(s.key) + ": expected an integer, got \"" + v.Scalar() + "\"");
    *out = *p;
  }
  void convert(const setting& s, const YAML::Node& v, double* out) {
    auto p = parse_float(scalar(s, v));
    if (!p) fail(v, std::string(s.key) + ": expected a number, got \"" + v.Scalar() + "\"");
    *out = *p;
  }
  void convert(const setting& s, const YAML::Node& v, duration* out) {
    auto p = parse_duration(trim(scalar(s, v)));
    if (!p)
      fail(v, std::string(s.key) + ": invalid duration \"" + v.Scalar() +
                  "\" (use Go syntax such as \"30s\", \"15m\", \"1h30m\")");
    *out = *p;
  }
  void convert(const setting& s, const YAML::Node& v, std::vector<std::string>* out) {
    if (!v.IsSequence()) fail(v, std::string(s.key) + ": expected a list");
    out->clear();
    for (const auto& e : v) {
      if (!e.IsScalar()) fail(e, std::string(s.key) + ": list entries must be single values");
      out->push_back(e.Scalar());
    }
  }

  std::string entry_string(const YAML::Node& v, const std::string& what) const {
    if (v.IsNull()) return {};
    if (!v.IsScalar()) fail(v, what + ": expected a single value");
    return v.Scalar();
  }

  void load_resources(const YAML::Node& list) {
    if (list.IsNull()) return;
    if (!list.IsSequence()) fail(list, "resources: expected a list of resources");
    cfg_.resources.clear();
    std::size_t index = 0;
    for (const auto& item : list) {
      std::string what = "resources[" + std::to_string(index++) + "]";
      if (!item.IsMap()) fail(item, what + ": expected a mapping with slug, uri, display_name, scopes");
      resource_entry r;
      for (const auto& kv : item) {
        std::string k = kv.first.Scalar();
        const YAML::Node& v = kv.second;
        if (k == "slug") r.slug = entry_string(v, what + ".slug");
        else if (k == "uri") r.uri = entry_string(v, what + ".uri");
        else if (k == "display_name") r.display_name = entry_string(v, what + ".display_name");
        else if (k == "backend_kind") r.backend_kind = entry_string(v, what + ".backend_kind");
        else if (k == "broker_provider_slug" || k == "broker_provider")
          r.broker_provider_slug = entry_string(v, what + "." + k);
        else if (k == "scopes") load_scopes(v, what + ".scopes", r.scopes);
        else warn(kv.first, "unknown key " + what + "." + k + " (ignored)");
      }
      cfg_.resources.push_back(std::move(r));
    }
  }

  void load_scopes(const YAML::Node& v, const std::string& what, std::vector<resource_scope>& out) {
    if (v.IsNull()) return;
    if (!v.IsSequence()) fail(v, what + ": expected a list");
    for (const auto& e : v) {
      resource_scope sc;
      if (e.IsScalar()) {
        sc.name = e.Scalar();
      } else if (e.IsMap()) {
        for (const auto& kv : e) {
          std::string k = kv.first.Scalar();
          if (k == "name") sc.name = entry_string(kv.second, what + ".name");
          else if (k == "description") sc.description = entry_string(kv.second, what + ".description");
          else if (k == "upstream") continue;  // broker scope translation: accepted, not used
          else warn(kv.first, "unknown key " + what + "." + k + " (ignored)");
        }
      } else {
        fail(e, what + ": entries must be a name or {name, description}");
      }
      out.push_back(std::move(sc));
    }
  }

  void load_broker_providers(const YAML::Node& list) {
    if (list.IsNull()) return;
    if (!list.IsSequence()) fail(list, "broker_providers: expected a list");
    cfg_.broker_providers.clear();
    std::size_t index = 0;
    for (const auto& item : list) {
      std::string what = "broker_providers[" + std::to_string(index++) + "]";
      if (!item.IsMap()) fail(item, what + ": expected a mapping");
      broker_provider_config b;
      std::pair<const char*, std::string*> fields[] = {
          {"slug", &b.slug},
          {"display_name", &b.display_name},
          {"protocol", &b.protocol},
          {"client_id", &b.client_id},
          {"client_secret_env", &b.client_secret_env},
          {"client_secret_ref", &b.client_secret_ref},
          {"authorize_url", &b.authorize_url},
          {"token_url", &b.token_url},
          {"response_format", &b.response_format},
      };
      for (const auto& kv : item) {
        std::string k = kv.first.Scalar();
        bool known = false;
        for (auto& [name, field] : fields) {
          if (k == name) {
            *field = entry_string(kv.second, what + "." + k);
            known = true;
          }
        }
        // Protocol-specific blocks (config_data etc.) are accepted as-is: this build does not broker.
        if (!known && k != "config_data" && k != "config") warn(kv.first, "unknown key " + what + "." + k + " (ignored)");
      }
      cfg_.broker_providers.push_back(std::move(b));
    }
  }

  std::string file_;
  config& cfg_;
  std::vector<std::string>& warnings_;
  std::set<std::string, std::less<>> sections_;
};

load_result finish(config c, std::vector<std::string> warnings, const environment& env) {
  apply_env(c, env, warnings);
  return loaded{std::move(c), std::move(warnings)};
}

load_result from_text(std::string_view text, std::string_view file_name, const environment& env,
                      std::vector<std::string> warnings) {
  config c;
  try {
    YAML::Node root = YAML::Load(std::string(text));
    yaml_loader(file_name, c, warnings).load_root(root);
  } catch (const yaml_failure& f) {
    return load_error{f.message, std::move(warnings)};
  } catch (const YAML::Exception& e) {
    std::string where = std::string(file_name);
    if (!e.mark.is_null()) where += ":" + std::to_string(e.mark.line + 1) + ":" + std::to_string(e.mark.column + 1);
    return load_error{where + ": invalid YAML: " + e.msg, std::move(warnings)};
  }
  return finish(std::move(c), std::move(warnings), env);
}
}  // namespace

load_result load_from_string(std::string_view yaml_text, std::string_view file_name, const environment& env) {
  return from_text(yaml_text, file_name, env, {});
}

load_result load(const std::optional<std::string>& yaml_path, const environment& env) {
  std::vector<std::string> warnings;
  if (!yaml_path || yaml_path->empty()) return finish(config{}, std::move(warnings), env);
  std::error_code ec;
  if (!std::filesystem::exists(*yaml_path, ec)) {
    warnings.push_back(*yaml_path + ": config file not found; using defaults and AUTHPLANE_* environment");
    return finish(config{}, std::move(warnings), env);
  }
  std::ifstream in(*yaml_path, std::ios::binary);
  if (!in) return load_error{*yaml_path + ": cannot read config file", std::move(warnings)};
  std::ostringstream buf;
  buf << in.rdbuf();
  return from_text(buf.str(), *yaml_path, env, std::move(warnings));
}

environment process_environment() {
  environment env;
  for (char** e = environ; e && *e; ++e) {
    std::string_view entry(*e);
    if (entry.substr(0, 10) != "AUTHPLANE_") continue;
    auto eq = entry.find('=');
    if (eq == std::string_view::npos) continue;
    env.emplace(std::string(entry.substr(0, eq)), std::string(entry.substr(eq + 1)));
  }
  return env;
}
}  // namespace authplane::config
