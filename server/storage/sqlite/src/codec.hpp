// Private: JSON text for the list columns (string arrays, scope definitions).
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "authplane/domain/entities.hpp"

namespace authplane::storage::sqlite::detail {
std::string encode_strings(const std::vector<std::string>& v);
// nullopt when the text is not a JSON array of strings.
std::optional<std::vector<std::string>> decode_strings(std::string_view text);
std::string encode_scopes(const std::vector<domain::scope_def>& v);
std::optional<std::vector<domain::scope_def>> decode_scopes(std::string_view text);
}  // namespace authplane::storage::sqlite::detail
