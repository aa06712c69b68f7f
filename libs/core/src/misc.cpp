#include <pthread.h>
#include <sys/random.h>

#include <atomic>
#include <cstring>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "authplane/core/base64url.hpp"
#include "authplane/core/clock.hpp"
#include "authplane/core/constant_time.hpp"
#include "authplane/core/random.hpp"
#include "authplane/core/scope.hpp"

namespace authplane {

namespace {
void fill_from_kernel(char* p, std::size_t n) {
  std::size_t got = 0;
  while (got < n) {
    ssize_t r = ::getrandom(p + got, n - got, 0);
    if (r < 0) {
      if (errno == EINTR) continue;
      std::fputs("fatal: getrandom failed\n", stderr);
      std::abort();
    }
    got += static_cast<std::size_t>(r);
  }
}

// Small requests are served from a per-thread buffer of kernel randomness, refilled with one
// getrandom(2) per 1 KiB (a token request needs ~60 random bytes). A fork bumps the generation
// so a child never reuses bytes its parent has handed out.
std::atomic<unsigned> g_fork_generation{0};
struct random_pool {
  char buf[1024];
  std::size_t pos = sizeof buf;
  unsigned generation = ~0u;
};
thread_local random_pool t_pool;
[[maybe_unused]] const int g_atfork = ::pthread_atfork(nullptr, nullptr, [] { g_fork_generation.fetch_add(1); });
}  // namespace

std::string random_bytes(std::size_t n) {
  std::string out(n, '\0');
  auto& p = t_pool;
  if (n > sizeof p.buf / 4) {
    fill_from_kernel(out.data(), n);
    return out;
  }
  unsigned gen = g_fork_generation.load(std::memory_order_relaxed);
  if (p.generation != gen || p.pos + n > sizeof p.buf) {
    fill_from_kernel(p.buf, sizeof p.buf);
    p.pos = 0;
    p.generation = gen;
  }
  std::memcpy(out.data(), p.buf + p.pos, n);
  std::memset(p.buf + p.pos, 0, n);  // handed-out bytes do not linger
  p.pos += n;
  return out;
}

std::string random_token(std::size_t n) { return base64url_encode(random_bytes(n)); }

std::string random_identifier(std::size_t n) {
  // Redraw rather than patch the first character, so every value stays uniformly distributed.
  for (;;) {
    std::string id = random_token(n);
    if (id.empty() || id.front() != '-') return id;
  }
}

bool constant_time_equal(std::string_view a, std::string_view b) noexcept {
  // Always walk the longer input so the time depends only on the lengths.
  std::size_t n = a.size() > b.size() ? a.size() : b.size();
  volatile unsigned char diff = static_cast<unsigned char>(a.size() != b.size());
  for (std::size_t i = 0; i < n; ++i) {
    unsigned char x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
    unsigned char y = i < b.size() ? static_cast<unsigned char>(b[i]) : 0;
    diff = diff | static_cast<unsigned char>(x ^ y);
  }
  return diff == 0;
}

std::int64_t system_clock::now() const {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::vector<std::string> split_scopes(std::string_view s) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && s[i] == ' ') ++i;
    std::size_t j = i;
    while (j < s.size() && s[j] != ' ') ++j;
    if (j > i) {
      std::string tok(s.substr(i, j - i));
      bool dup = false;
      for (const auto& e : out) dup = dup || e == tok;
      if (!dup) out.push_back(std::move(tok));
    }
    i = j;
  }
  return out;
}

std::string join_scopes(const std::vector<std::string>& scopes) {
  std::string out;
  for (const auto& s : scopes) {
    if (!out.empty()) out += ' ';
    out += s;
  }
  return out;
}

bool scopes_subset(const std::vector<std::string>& want, const std::vector<std::string>& have) {
  for (const auto& w : want) {
    bool found = false;
    for (const auto& h : have) found = found || h == w;
    if (!found) return false;
  }
  return true;
}

bool valid_scope_token(std::string_view token) {
  if (token.empty()) return false;
  for (char ch : token) {
    auto c = static_cast<unsigned char>(ch);
    if (!(c == 0x21 || (c >= 0x23 && c <= 0x5B) || (c >= 0x5D && c <= 0x7E))) return false;
  }
  return true;
}
}  // namespace authplane
