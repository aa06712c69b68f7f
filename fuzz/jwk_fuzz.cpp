// libFuzzer target: JWK and JWKS parsing, serialization round trip and thumbprints on
// arbitrary input. Any crash, leak, sanitizer report or failed round trip is a bug.
#include <authplane/jose/jose.hpp>

#include <boost/json/serialize.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

namespace jose = authplane::jose;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  if (auto k = jose::parse_jwk(in)) {
    std::string tp = jose::thumbprint(*k);
    auto again = jose::parse_jwk(boost::json::serialize(jose::to_json(*k)));
    // A key we accepted must survive its own serialization with the same key material.
    if (!again || again->key.type() != k->key.type()) std::abort();
    (void)tp;
  }
  if (auto s = jose::parse_jwks(in)) {
    auto again = jose::parse_jwks(jose::serialize_jwks(*s));
    if (!again || again->keys.size() != s->keys.size()) std::abort();
    for (const auto& k : s->keys) (void)jose::thumbprint(k);
  }
  return 0;
}
