// Domain error identities. Storage and services report these; the API layer maps them to wire
// errors (admin: not_found→404, conflict→409, invalid→400; everything else 500 "internal error").
#pragma once
#include <boost/system/error_code.hpp>
#include <type_traits>

namespace authplane::domain {
enum class errc {
  ok = 0,
  not_found,          // the entity does not exist
  conflict,           // unique key taken, or invalid state transition, or version mismatch
  invalid,            // input failed validation
  storage_failure,    // the store could not complete the operation (I/O, corruption, busy)
};
const boost::system::error_category& domain_category() noexcept;
inline boost::system::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), domain_category()};
}
}  // namespace authplane::domain

template <>
struct boost::system::is_error_code_enum<authplane::domain::errc> : std::true_type {};
