// Private helpers shared by the authplane_jose sources.
#pragma once
#include "authplane/jose/jws.hpp"

#include <boost/json/value.hpp>

#include <optional>
#include <string_view>

namespace authplane::jose::detail {

// How parse_jws treats "typ" before the algorithm check.
enum class typ_rule {
  none,  // no check at parse time
  dpop,  // RFC 9449 §4.3 step 4: typ must be "dpop+jwt" (checked before alg, errc::dpop_typ)
};
result<jws> parse_jws(std::string_view compact, const alg_set& allowed, typ_rule rule);

// ASCII case-insensitive equality.
bool iequals(std::string_view a, std::string_view b) noexcept;

// The string at `name`, nullptr when absent or not a string.
const boost::json::string* get_string(const boost::json::object& o, std::string_view name) noexcept;

}  // namespace authplane::jose::detail
