// Comparison whose duration does not depend on where the inputs differ.
// Use for secrets, MACs, PKCE challenges and API keys. The length of the inputs may leak.
#pragma once
#include <string_view>

namespace authplane {
bool constant_time_equal(std::string_view a, std::string_view b) noexcept;
}
