// Private: the embedded migrations (generated from migrations/*.sql) and the runner.
#pragma once
#include <string>
#include <vector>

#include "authplane/core/result.hpp"
#include "connection.hpp"

namespace authplane::storage::sqlite::detail {

struct migration {
  int version;
  const char* name;
  const char* sql;
};

// Sorted by version (generated file).
const std::vector<migration>& embedded_migrations();

// Applies every migration whose version is not in schema_migrations, each in one
// BEGIN IMMEDIATE transaction (so two processes migrating at once do not apply one twice).
// Returns the schema version afterwards.
result<int> run_migrations(connection& c);
result<int> current_version(connection& c);

}  // namespace authplane::storage::sqlite::detail
