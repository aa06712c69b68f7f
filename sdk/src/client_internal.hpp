// Private parts of the OAuth client: URL splitting, a small LRU map, the circuit breaker and the
// response parsers. Not installed; used by client*.cpp only.
#pragma once
#include <authplane/core/result.hpp>
#include <authplane/sdk/client.hpp>

#include <boost/json/object.hpp>
#include <cstdint>
#include <list>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

namespace authplane::sdk::detail {

// An absolute http(s) URL split for DPoP: lower-case scheme and host, explicit port.
struct url_parts {
  std::string scheme, host, port, path;
  std::string default_port() const;
  std::string htu() const;     // scheme://host[:port]path, default port dropped
  std::string origin() const;  // scheme://host:port, port always explicit (nonce store key)
};
std::optional<url_parts> split_url(std::string_view url);

// Bounded map with least-recently-used eviction; get() and put() both touch. Not thread-safe.
template <class V>
class lru_map {
 public:
  explicit lru_map(std::size_t cap) : cap_(cap) {}
  V* get(const std::string& k) {
    auto it = index_.find(k);
    if (it == index_.end()) return nullptr;
    order_.splice(order_.begin(), order_, it->second);
    return &it->second->second;
  }
  void put(const std::string& k, V v) {
    if (V* old = get(k)) {
      *old = std::move(v);
      return;
    }
    order_.emplace_front(k, std::move(v));
    index_[k] = order_.begin();
    if (order_.size() > cap_) {
      index_.erase(order_.back().first);
      order_.pop_back();
    }
  }
  void erase(const std::string& k) {
    auto it = index_.find(k);
    if (it == index_.end()) return;
    order_.erase(it->second);
    index_.erase(it);
  }
  std::size_t size() const { return order_.size(); }

 private:
  std::size_t cap_;
  std::list<std::pair<std::string, V>> order_;
  std::unordered_map<std::string, typename std::list<std::pair<std::string, V>>::iterator> index_;
};

// Closed -> open after `threshold` consecutive failures; open refuses until `cooldown` passed,
// then admits exactly one probe (half-open); the probe's success closes, its failure reopens
// with a fresh timer. Not thread-safe (the client holds its mutex).
class circuit_breaker {
 public:
  circuit_breaker(int threshold, std::int64_t cooldown) : threshold_(threshold), cooldown_(cooldown) {}
  bool admit(std::int64_t now);
  void success();
  void failure(std::int64_t now);
  breaker_state state() const { return state_; }

 private:
  int threshold_;
  std::int64_t cooldown_;
  int failures_ = 0;
  breaker_state state_ = breaker_state::closed;
  std::int64_t opened_at_ = 0;
};

// RFC 6749 §5.1 / RFC 9449 §5 checks of a token answer; `reason` names the first problem.
result<token_response> parse_token_response(const boost::json::object& body, bool dpop_requested,
                                            std::string& reason);
introspection_response parse_introspection(boost::json::object body);

// Maps a non-2xx answer to a client_errc and fills `why` (status, error, description).
error_code map_error_response(int status, const boost::json::object* body, client_error& why);

}  // namespace authplane::sdk::detail
