// Appends `s` to `out` escaped for use inside a JSON string literal (RFC 8259 §7): quotes,
// backslashes and control characters; other bytes (UTF-8 included) pass through.
//   std::string j = "\""; json_escape_append(j, name); j += '"';
#pragma once
#include <string>
#include <string_view>

namespace authplane {
void json_escape_append(std::string& out, std::string_view s);
}
