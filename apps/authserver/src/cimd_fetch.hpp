// The network side of client ID metadata documents: http::fetch behind the shared SSRF address
// policy (libs/http address_policy.hpp). Lives in the composition root because services may
// not depend on libs/http.
#pragma once
#include "authplane/config/config.hpp"
#include "authplane/services/cimd.hpp"

namespace authplane::app {
// GET with Accept: application/json, no redirects, cimd.fetch_timeout for the whole exchange,
// a 64 KiB body cap. The host name "localhost" (and *.localhost) and IP-literal hosts are
// judged before anything is resolved; every resolved address is judged before any connection,
// and only the judged addresses are connected to. Loopback and private ranges are allowed only
// with cimd.allow_private_addresses (localhost issuer only). Trust anchors: the system store,
// which OpenSSL lets SSL_CERT_FILE / SSL_CERT_DIR replace.
services::cimd_fetcher make_cimd_fetcher(const config::cimd_config& c);
}  // namespace authplane::app
