// Adapter for a plain Boost.Beast server (header-only, opt-in: the only SDK header that includes
// Beast). Checks one request with the guard and, when refused, builds the exact response.
//
//   http::request<http::string_body> req = …;                       // read by your Beast code
//   auto who = sdk::beast::authorize(*guard, "https://mcp.example", req);
//   if (!who) return send(sdk::beast::refusal(who.denied, req.version(), req.keep_alive()));
//   handle(req, who.allowed->claims->subject);
//
// The absolute URL used for DPoP `htu` is `origin` (your public scheme://host[:port]) plus the
// raw request target; the Host header never influences it.
#pragma once
#include <authplane/http/message.hpp>
#include <authplane/sdk/guard.hpp>

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace authplane::sdk::beast {

// Every header of a Beast message, in order (repeated headers stay repeated, as check() needs
// to see duplicate Authorization and DPoP headers).
template <class Fields>
authplane::http::header_list headers_of(const Fields& fields) {
  authplane::http::header_list out;
  for (const auto& f : fields) out.add(std::string(f.name_string()), std::string(f.value()));
  return out;
}

template <class Body, class Fields>
outcome authorize(const resource_guard& guard, std::string_view origin,
                  const boost::beast::http::request<Body, Fields>& req,
                  const std::vector<std::string>& extra_scopes = {}) {
  std::string url(origin);
  url += req.target().empty() ? std::string_view("/") : std::string_view(req.target().data(), req.target().size());
  return guard.check(std::string_view(req.method_string().data(), req.method_string().size()), url,
                     headers_of(req), extra_scopes);
}

// The refusal as a Beast response: status, WWW-Authenticate, Content-Type, Cache-Control, body.
inline boost::beast::http::response<boost::beast::http::string_body> refusal(const denial& d, unsigned version,
                                                                             bool keep_alive) {
  boost::beast::http::response<boost::beast::http::string_body> res{
      static_cast<boost::beast::http::status>(d.status), version};
  for (const auto& [name, value] : d.headers.items) res.insert(name, value);
  res.body() = d.body;
  res.keep_alive(keep_alive);
  res.prepare_payload();
  return res;
}

}  // namespace authplane::sdk::beast
