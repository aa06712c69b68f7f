// Private: a refresh family's token chain (migration 0006): first_token → successor → … → the
// newest token. Revocation walks it to reach every access token the family minted; purge walks it
// to delete an expired head without cutting the chain.
#pragma once
#include <sqlite3.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "connection.hpp"

namespace authplane::storage::sqlite::detail {

struct chain_link {
  std::string key;         // refresh_tokens.token_hash
  std::string successor;   // '' for the newest token
  std::string access_jti;  // the access token minted with this token by a rotation ('' for the first)
  std::int64_t expires_at = 0;
};

// Calls fn(const chain_link&) for each link of `family_id` from `token` on, in chain order, until
// the chain ends or fn returns false. A link that is missing (or of another family) ends the chain.
template <class F>
result<void> walk_chain(connection& c, std::string_view family_id, std::string token, F&& fn) {
  while (!token.empty()) {
    chain_link l;
    {
      auto st = c.prepare("SELECT successor, access_jti, expires_at FROM refresh_tokens WHERE token_hash = ? AND family_id = ?");
      if (!st) return st.error();
      st->bind(1, token);
      st->bind(2, family_id);
      int rc = st->step();
      if (rc == SQLITE_DONE) return {};
      if (rc != SQLITE_ROW) return map_error(rc, "token_chain");
      l = {token, st->text(0), st->text(1), st->int64(2)};
    }
    token = l.successor == l.key ? std::string() : l.successor;  // a successor is always a new key
    if (!fn(static_cast<const chain_link&>(l))) return {};
  }
  return {};
}

}  // namespace authplane::storage::sqlite::detail
