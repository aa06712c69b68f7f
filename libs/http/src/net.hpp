// Private Asio/Beast aliases for libs/http sources (never included by public headers).
#pragma once
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace authplane::http::detail {
namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = boost::asio::ip::tcp;
inline constexpr auto use_tuple = net::as_tuple(net::use_awaitable);
}  // namespace authplane::http::detail
