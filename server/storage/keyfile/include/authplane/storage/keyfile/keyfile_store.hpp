// ports::key_store over a directory of PEM files (single instance; no cross-process locking).
//
//   auto ks = keyfile_store::open({.directory = "data/keys"});
//   auto keys = (*ks)->load_keys();          // current first, then previous keys newest first
//   (*ks)->rotate_in(new_key);               // new_key.private_pem: PKCS#8 PEM from the crypto layer
//
// Layout. `current.pem` is the signing key; `rotated-<unix seconds>.pem` are previous keys (the
// number is when the key was retired). Older previous keys stay on disk, but load_keys returns at
// most `max_previous` of them (the newest).
//
// Metadata. kid, alg and created_at are stored in the key file itself, as header lines before the
// PEM block (PEM readers, OpenSSL included, skip text before "-----BEGIN"):
//     authplane-kid: 5nq1yQ...
//     authplane-alg: ES256
//     authplane-created-at: 1700000000
//     -----BEGIN PRIVATE KEY-----
// One file per key means one atomic rename moves key and metadata together (a sidecar file could
// disagree with its key after a crash). signing_key::private_pem is returned without the header
// lines. A PEM file without them (placed by an operator) loads with kid "" and alg "" (the caller
// derives them from the key) and created_at from the rotated-<ts> name or the file's mtime.
//
// Permissions. The directory is created 0700 and files are written 0600; key files that are
// symbolic links are refused (storage_failure for current.pem). open() and load_keys()
// tighten a looser directory (to 0700) or key file (to 0600) and log "keyfile.permissions_tightened"
// (the path only); both are listed by permission_warnings().
//
// Crash safety of rotate_in: (1) the new key is written to a temporary file in the directory and
// fsync'ed; (2) current.pem is hard-linked as rotated-<ts>.pem (a copy where hard links are not
// supported); (3) the temporary file is renamed over current.pem (atomic); (4) the directory is
// fsync'ed. current.pem exists at every moment. A crash between (2) and (3) leaves the old key
// under both names: load_keys skips a previous key whose PEM equals the current one; leftover
// temporary files are removed by the next rotate_in.
//
// Torn state: rotated files present but current.pem missing (deleted by hand, or never
// completed by another tool). load_keys then returns the previous keys, all with current=false,
// and logs "keyfile.current_missing". It never promotes a retired key to signer: the caller
// (key manager) must generate a fresh key and rotate_in it, which simply creates current.pem.
#pragma once
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "authplane/core/result.hpp"
#include "authplane/ports/stores.hpp"

namespace authplane::storage::keyfile {

struct options {
  std::string directory;          // created (with parents) mode 0700 when missing
  std::size_t max_previous = 5;   // previous keys returned by load_keys
};

class keyfile_store final : public ports::key_store {
 public:
  // storage_failure when the directory cannot be created or opened.
  static result<std::unique_ptr<keyfile_store>> open(const options& opts);

  // storage_failure on I/O errors or an unreadable current.pem.
  result<std::vector<domain::signing_key>> load_keys() override;
  // invalid when kid/alg contain line breaks or the PEM has no "-----BEGIN" line;
  // storage_failure on I/O errors.
  result<void> rotate_in(const domain::signing_key& k) override;

  // Paths whose permissions were found too open (and tightened) since open().
  std::vector<std::string> permission_warnings() const;

 private:
  explicit keyfile_store(options opts) : opts_(std::move(opts)) {}
  void tighten(const std::string& path, unsigned mode);

  options opts_;
  std::mutex rotate_mu_;   // serializes rotate_in and load_keys (in-process)
  mutable std::mutex mu_;  // warnings_
  std::vector<std::string> warnings_;
};

}  // namespace authplane::storage::keyfile
