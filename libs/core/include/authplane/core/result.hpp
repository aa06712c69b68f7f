// result<T>: the return type of every fallible function in AuthPlane.
//
//   result<jwk> k = parse_jwk(text);
//   if (!k) return k.error();           // boost::system::error_code from a closed enum
//   use(*k);
//
// Expected failures are values, never exceptions. Each library declares one closed
// `enum class errc` and registers it as an error category (see jose/error.hpp).
#pragma once
#include <boost/system/result.hpp>

namespace authplane {
template <class T>
using result = boost::system::result<T, boost::system::error_code>;
using boost::system::error_code;
}  // namespace authplane
