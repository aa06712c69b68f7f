// RFC 8414 metadata, JWKS and RFC 9728 protected resource metadata documents.
#pragma once
#include <string>
#include <vector>

#include "authplane/ports/oauth.hpp"
#include "authplane/services/catalog.hpp"
#include "authplane/services/keys.hpp"

namespace authplane::services {

struct discovery_options {
  std::string issuer;
  std::vector<std::string> grant_types;  // metadata order
  bool introspection = true;
  bool dpop = true;
  bool registration = false;             // registration endpoint advertised (only when DCR is served)
  bool cimd = false;                     // client_id_metadata_document_supported
};

class discovery final : public ports::discovery_service {
 public:
  discovery(discovery_options opts, const resource_catalog& catalog, const signing_keys& keys)
      : opts_(std::move(opts)), catalog_(catalog), keys_(keys) {}
  std::string authorization_server_metadata() const override;
  std::string jwks() const override;
  std::optional<std::string> protected_resource_metadata(std::string_view ref) const override;

 private:
  discovery_options opts_;
  const resource_catalog& catalog_;
  const signing_keys& keys_;
};
}  // namespace authplane::services
