#include "authplane/services/keys.hpp"

#include <boost/json.hpp>

#include "authplane/core/random.hpp"

namespace authplane::services {

result<void> signing_keys::init() {
  auto keys = store_.load_keys();
  if (!keys) return keys.error();
  if (keys->empty()) {
    auto r = rotate_key();
    if (!r) return r.error();
    return {};
  }
  return reload();
}

result<void> signing_keys::reload() {
  auto keys = store_.load_keys();
  if (!keys) return keys.error();
  auto set = std::make_shared<key_set>();
  bool first = true;
  for (const auto& k : *keys) {
    auto pk = crypto::private_key::from_pem(k.private_pem);
    if (!pk) return pk.error();
    auto a = jose::alg_from_string(k.alg);
    if (!a) return jose::make_error_code(jose::errc::alg_not_allowed);
    set->verify_keys.keys.push_back(jose::jwk_from_key(pk->public_part(), k.kid, k.alg));
    set->infos.push_back({k.kid, k.alg, "sig", first ? "current" : "previous", k.created_at});
    if (first) {
      set->signer = std::make_shared<const crypto::private_key>(std::move(*pk));
      set->kid = k.kid;
      set->alg = *a;
    }
    first = false;
  }
  if (!set->signer) return jose::make_error_code(jose::errc::no_matching_key);
  set->jwks_json = jose::serialize_jwks(set->verify_keys);
  std::atomic_store(&set_, std::shared_ptr<const key_set>(std::move(set)));
  return {};
}

std::shared_ptr<const key_set> signing_keys::snapshot() const {
  auto current = std::atomic_load(&set_);
  if (!recheck_enabled_ || !current || !recheck_.due()) return current;
  auto keys = store_.load_keys();
  if (!keys || keys->empty()) return current;  // keep signing with what we have
  bool same = keys->size() == current->infos.size();
  for (std::size_t i = 0; same && i < keys->size(); ++i) same = (*keys)[i].kid == current->infos[i].kid;
  if (same) return current;
  std::lock_guard lk(rotate_mu_);
  if (auto r = const_cast<signing_keys*>(this)->reload(); !r) return current;
  return std::atomic_load(&set_);
}

std::vector<ports::key_info> signing_keys::list_keys() const {
  auto s = snapshot();
  return s ? s->infos : std::vector<ports::key_info>{};
}

result<ports::key_info> signing_keys::rotate_key() {
  std::lock_guard lk(rotate_mu_);
  auto pk = crypto::private_key::generate(algorithm_);
  if (!pk) return pk.error();
  domain::signing_key k;
  k.kid = random_identifier(16);
  k.alg = algorithm_;
  k.private_pem = pk->to_pem();
  k.created_at = clock_.now();
  k.current = true;
  if (auto r = store_.rotate_in(k); !r) return r.error();
  if (auto r = reload(); !r) return r.error();
  return ports::key_info{k.kid, k.alg, "sig", "current", k.created_at};
}
}  // namespace authplane::services
