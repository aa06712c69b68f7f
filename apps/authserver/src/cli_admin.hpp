// `authserver admin resource|client|user|key …`: the admin API's operations from the command line,
// run in-process against the datastore through the same handlers as the admin port.
#pragma once
#include <CLI/CLI.hpp>
#include <functional>
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
  // (method, path, body) of the request the parsed command will send.
  using setter = std::function<void(std::string, std::string, std::string)>;
  void attach_users(const setter& set);
  std::string method_, path_, body_;
  std::function<void()> prepare_;
};
}  // namespace authplane::app
