// `authserver admin resource|client|key …`: the admin API's operations from the command line,
// run in-process against the datastore through the same handlers as the admin port.
#pragma once
#include <CLI/CLI.hpp>
#include <optional>
#include <string>

namespace authplane::app {
// Adds the `admin` subcommand tree to `app`. `run()` is set on the parsed command.
struct admin_cli {
  void attach(CLI::App& root, std::optional<std::string>& config_path);
  bool selected() const;
  int run(const std::optional<std::string>& config_path);

 private:
  CLI::App* admin_ = nullptr;
  std::string method_, path_, body_;
  std::function<void()> prepare_;
};
}  // namespace authplane::app
