// authserver: serve | migrate | version | admin …
#include <CLI/CLI.hpp>
#include <iostream>

#include "app.hpp"
#include "cli_admin.hpp"
#include "authplane/storage/sqlite/sqlite_store.hpp"

int main(int argc, char** argv) {
  using namespace authplane;
  CLI::App root{"AuthPlane authorization server for MCP"};
  root.require_subcommand(1);
  std::optional<std::string> config_path;

  auto* serve = root.add_subcommand("serve", "Run the public (:9000) and admin (:9001) listeners");
  serve->add_option("--config", config_path, "YAML configuration file (AUTHPLANE_* variables win)");
  auto* migrate = root.add_subcommand("migrate", "Apply database migrations and exit");
  migrate->add_option("--config", config_path, "YAML configuration file");
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
    auto v = storage::sqlite::migrate(cfg->storage.sqlite.path);
    if (!v) {
      std::cerr << "authserver: migrate " << cfg->storage.sqlite.path << ": " << v.error().message() << "\n";
      return 1;
    }
    std::cout << "schema version " << *v << "\n";
    return 0;
  }
  std::string error;
  auto a = app::build(*cfg, error);
  if (!a) {
    std::cerr << "authserver: " << error << "\n";
    return 1;
  }
  return app::serve(*a);
}
