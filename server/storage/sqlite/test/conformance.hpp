// The storage conformance suite: every backend of the storage ports must pass it. A backend is a
// factory that opens a store on a directory; opening twice on one directory must reach the same
// data (that is how the durability tests "restart" the store). To add a backend (PostgreSQL),
// write a factory and add one INSTANTIATE_TEST_SUITE_P(<name>, store_conformance, ...) line.
#pragma once
#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>

#include "authplane/domain/error.hpp"
#include "authplane/ports/stores.hpp"

namespace authplane::storage::test {

// Borrowed views of one open store. `owner` keeps it alive; resetting it closes the store.
struct store_handle {
  std::shared_ptr<void> owner;
  ports::client_store* clients = nullptr;
  ports::resource_store* resources = nullptr;
  ports::issuance_store* issuances = nullptr;
  ports::audit_store* audit = nullptr;
  ports::settings_store* settings = nullptr;
  ports::health_store* health = nullptr;
};

struct store_backend {
  std::string name;
  // Opens (creating if needed) the store kept under `dir`. Fails the test on error.
  std::function<store_handle(const std::string& dir)> open;
};

inline void PrintTo(const store_backend& b, std::ostream* os) { *os << b.name; }

// A fresh directory under /tmp, removed (with everything in it) on destruction.
class temp_dir {
 public:
  temp_dir();
  ~temp_dir();
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

class store_conformance : public ::testing::TestWithParam<store_backend> {
 protected:
  void SetUp() override;
  void TearDown() override;
  // Closes the current store and opens a new one on the same directory.
  void reopen();
  store_handle open_another() { return GetParam().open(dir_->path()); }

  std::unique_ptr<temp_dir> dir_;
  store_handle s_;
};

}  // namespace authplane::storage::test
