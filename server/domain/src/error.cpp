#include "authplane/domain/error.hpp"

#include <string>

namespace authplane::domain {
namespace {
class category final : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "authplane.domain"; }
  std::string message(int ev) const override {
    switch (static_cast<errc>(ev)) {
      case errc::ok: return "ok";
      case errc::not_found: return "not found";
      case errc::conflict: return "conflict";
      case errc::invalid: return "invalid";
      case errc::storage_failure: return "storage failure";
    }
    return "unknown domain error";
  }
};
}  // namespace
const boost::system::error_category& domain_category() noexcept {
  static const category c;
  return c;
}
}  // namespace authplane::domain
