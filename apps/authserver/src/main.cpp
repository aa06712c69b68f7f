// authserver: serve | migrate | purge | version | admin …
#include <CLI/CLI.hpp>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <sstream>

#include "app.hpp"
#include "cli_admin.hpp"
#include "authplane/storage/sqlite/sqlite_store.hpp"

namespace {

// `authserver purge`: storage::sqlite::purge on the configured database. Safe beside a running
// server (short transactions); audit events are never purged.
int run_purge(const authplane::config::config& cfg, const std::string& only, const std::string& grace_text,
              const std::string& timeout_text) {
  using namespace authplane;
  if (cfg.storage.driver != "sqlite") {
    std::cerr << "authserver: purge: storage.driver \"" << cfg.storage.driver << "\" is not supported by this build\n";
    return 2;
  }
  storage::sqlite::purge_options o;
  o.wal = cfg.storage.sqlite.wal;
  o.codes = o.refresh_tokens = o.issuances = false;
  std::stringstream kinds(only);
  for (std::string k; std::getline(kinds, k, ',');) {
    if (k == "authorization-codes") o.codes = true;
    else if (k == "refresh-tokens") o.refresh_tokens = true;
    else if (k == "issuances") o.issuances = true;
    else {
      std::cerr << "authserver: purge: unknown kind \"" << k
                << "\" (--only takes authorization-codes, refresh-tokens, issuances)\n";
      return 2;
    }
  }
  auto grace = config::parse_duration(grace_text);
  if (!grace || *grace < std::chrono::hours(1)) {
    std::cerr << "authserver: purge: --grace \"" << grace_text << "\" must be a duration of at least 1h (e.g. 24h)\n";
    return 2;
  }
  o.grace = std::chrono::duration_cast<std::chrono::seconds>(*grace).count();
  auto timeout = config::parse_duration(timeout_text);
  if (!timeout || timeout->count() < 0) {
    std::cerr << "authserver: purge: --timeout \"" << timeout_text << "\" must be a duration (e.g. 10m)\n";
    return 2;
  }
  o.deadline = std::chrono::steady_clock::now() + *timeout;
  std::error_code ec;
  if (!std::filesystem::is_regular_file(cfg.storage.sqlite.path, ec)) {
    std::cerr << "authserver: purge: no database at " << cfg.storage.sqlite.path << " (storage.sqlite.path)\n";
    return 1;
  }
  o.now = static_cast<std::int64_t>(std::time(nullptr));
  auto n = storage::sqlite::purge(cfg.storage.sqlite.path, o);
  if (!n) {
    std::cerr << "authserver: purge " << cfg.storage.sqlite.path << ": " << n.error().message() << "\n";
    return 1;
  }
  std::cout << "purged " << n->codes << " authorization codes, " << n->refresh_families << " refresh families, "
            << n->refresh_tokens << " refresh tokens, " << n->issuances << " issuances (expired or revoked more than "
            << grace_text << " ago)\n";
  if (!n->complete) {
    std::cerr << "authserver: purge: stopped at --timeout " << timeout_text
              << " before it was done; what was purged stays purged, run again to continue\n";
    return 3;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace authplane;
  CLI::App root{"AuthPlane authorization server for MCP"};
  root.require_subcommand(1);
  std::optional<std::string> config_path;

  auto* serve = root.add_subcommand("serve", "Run the public (:9000) and admin (:9001) listeners");
  serve->add_option("--config", config_path, "YAML configuration file (AUTHPLANE_* variables win)");
  auto* migrate = root.add_subcommand("migrate", "Apply database migrations and exit");
  migrate->add_option("--config", config_path, "YAML configuration file");
  auto* purge = root.add_subcommand("purge", "Delete expired codes, refresh tokens and access-token records, then exit");
  purge->add_option("--config", config_path, "YAML configuration file");
  std::string purge_only = "authorization-codes,refresh-tokens,issuances";
  purge->add_option("--only", purge_only, "Comma-separated kinds: authorization-codes, refresh-tokens, issuances")
      ->capture_default_str();
  std::string purge_grace = "24h";
  purge->add_option("--grace", purge_grace, "Keep what expired or was revoked less than this long ago (at least 1h)")
      ->capture_default_str();
  std::string purge_timeout = "10m";
  purge->add_option("--timeout", purge_timeout, "Start no batch after this long; exit 3 if it stopped before it was done (run again)")
      ->capture_default_str();
  auto* version = root.add_subcommand("version", "Print the version");
  app::admin_cli admin;
  admin.attach(root, config_path);

  try {
    root.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return root.exit(e);
  }

  if (version->parsed()) {
    std::cout << "authserver " << AUTHPLANE_VERSION << "\n";
    return 0;
  }
  if (admin.selected()) return admin.run(config_path);

  auto cfg = app::load_config(config_path);
  if (!cfg) return 2;
  if (migrate->parsed()) {
    auto v = storage::sqlite::migrate(cfg->storage.sqlite.path, cfg->storage.sqlite.wal);
    if (!v) {
      std::cerr << "authserver: migrate " << cfg->storage.sqlite.path << ": " << v.error().message() << "\n";
      return 1;
    }
    std::cout << "schema version " << *v << "\n";
    return 0;
  }
  if (purge->parsed()) return run_purge(*cfg, purge_only, purge_grace, purge_timeout);
  std::string error;
  auto a = app::build(*cfg, error);
  if (!a) {
    std::cerr << "authserver: " << error << "\n";
    return 1;
  }
  return app::serve(*a);
}
