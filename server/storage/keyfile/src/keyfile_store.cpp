#include "authplane/storage/keyfile/keyfile_store.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <ctime>
#include <filesystem>
#include <optional>
#include <string_view>

#include "authplane/core/log.hpp"
#include "authplane/core/random.hpp"
#include "authplane/domain/error.hpp"

namespace authplane::storage::keyfile {
namespace {

using domain::errc;

constexpr std::string_view current_name = "current.pem";
constexpr std::string_view rotated_prefix = "rotated-";
constexpr std::string_view pem_suffix = ".pem";
constexpr std::string_view tmp_prefix = ".current.pem.tmp-";
constexpr std::string_view kid_header = "authplane-kid: ";
constexpr std::string_view alg_header = "authplane-alg: ";
constexpr std::string_view created_header = "authplane-created-at: ";

error_code fail(errc e) { return domain::make_error_code(e); }

error_code io_failure(std::string_view what) {
  log::warn("keyfile.io_error", {{"op", what}});
  return fail(errc::storage_failure);
}

std::string join(const std::string& dir, std::string_view name) { return dir + "/" + std::string(name); }

// Reads a whole file. nullopt when it does not exist; storage_failure on other errors.
result<std::optional<std::string>> read_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) {
    if (errno == ENOENT) return std::optional<std::string>();
    return io_failure("read");
  }
  std::string out;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      ::close(fd);
      return io_failure("read");
    }
    if (n == 0) break;
    out.append(buf, static_cast<std::size_t>(n));
    if (out.size() > (1u << 20)) {  // a key file is a few KiB
      ::close(fd);
      return io_failure("read");
    }
  }
  ::close(fd);
  return std::optional<std::string>(std::move(out));
}

bool write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

// Creates `path` exclusively with mode 0600, writes `data`, fsyncs.
bool write_new_file(const std::string& path, std::string_view data) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return false;
  bool ok = ::fchmod(fd, 0600) == 0 && write_all(fd, data) && ::fsync(fd) == 0;
  ok = (::close(fd) == 0) && ok;
  if (!ok) ::unlink(path.c_str());
  return ok;
}

bool fsync_dir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return false;
  bool ok = ::fsync(fd) == 0;
  ::close(fd);
  return ok;
}

std::optional<std::int64_t> parse_int(std::string_view s) {
  std::int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

// Parses header lines + PEM. nullopt when there is no PEM block.
std::optional<domain::signing_key> parse_key_file(std::string_view text) {
  auto begin = text.find("-----BEGIN");
  if (begin == std::string_view::npos) return std::nullopt;
  domain::signing_key k;
  k.private_pem = std::string(text.substr(begin));
  std::string_view head = text.substr(0, begin);
  while (!head.empty()) {
    auto eol = head.find('\n');
    std::string_view line = head.substr(0, eol);
    head = eol == std::string_view::npos ? std::string_view() : head.substr(eol + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.starts_with(kid_header)) k.kid = std::string(line.substr(kid_header.size()));
    else if (line.starts_with(alg_header)) k.alg = std::string(line.substr(alg_header.size()));
    else if (line.starts_with(created_header)) k.created_at = parse_int(line.substr(created_header.size())).value_or(0);
  }
  return k;
}

std::string render_key_file(const domain::signing_key& k) {
  std::string out;
  out.reserve(k.private_pem.size() + 128);
  out.append(kid_header).append(k.kid).append("\n");
  out.append(alg_header).append(k.alg).append("\n");
  out.append(created_header).append(std::to_string(k.created_at)).append("\n");
  out.append(k.private_pem);
  if (!k.private_pem.empty() && k.private_pem.back() != '\n') out.push_back('\n');
  return out;
}

bool has_line_break(std::string_view s) { return s.find_first_of("\r\n") != std::string_view::npos; }

// Creates the missing directories of `dir` (each 0700).
bool make_dirs(const std::string& dir) {
  std::filesystem::path prefix;
  for (const auto& part : std::filesystem::path(dir)) {
    prefix /= part;
    if (::mkdir(prefix.c_str(), 0700) != 0 && errno != EEXIST) return false;
  }
  struct stat st{};
  return ::stat(dir.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// rotated-<digits>.pem → digits.
std::optional<std::int64_t> rotated_stamp(std::string_view name) {
  if (!name.starts_with(rotated_prefix) || !name.ends_with(pem_suffix)) return std::nullopt;
  auto digits = name.substr(rotated_prefix.size(), name.size() - rotated_prefix.size() - pem_suffix.size());
  if (digits.empty() || digits.find_first_not_of("0123456789") != std::string_view::npos) return std::nullopt;
  return parse_int(digits);
}

// Lists directory entries (names only).
result<std::vector<std::string>> list_dir(const std::string& dir) {
  DIR* d = ::opendir(dir.c_str());
  if (!d) {
    if (errno == ENOENT) return std::vector<std::string>();
    return io_failure("list");
  }
  std::vector<std::string> names;
  while (dirent* e = ::readdir(d)) names.emplace_back(e->d_name);
  ::closedir(d);
  return names;
}

}  // namespace

result<std::unique_ptr<keyfile_store>> keyfile_store::open(const options& opts) {
  if (opts.directory.empty() || !make_dirs(opts.directory)) {
    log::error("keyfile.open_failed", {{"error", "cannot create key directory"}});
    return fail(errc::storage_failure);
  }
  std::unique_ptr<keyfile_store> s(new keyfile_store(opts));
  s->tighten(opts.directory, 0700);
  auto names = list_dir(opts.directory);
  if (!names) return names.error();
  for (const auto& n : *names)
    if (n == current_name || rotated_stamp(n)) s->tighten(join(opts.directory, n), 0600);
  return s;
}

void keyfile_store::tighten(const std::string& path, unsigned mode) {
  struct stat st{};
  if (::lstat(path.c_str(), &st) != 0 || S_ISLNK(st.st_mode)) return;
  if ((st.st_mode & 0777 & ~mode) == 0) return;
  if (::chmod(path.c_str(), mode) != 0) {
    log::warn("keyfile.permissions_too_open", {{"path", path}});
  } else {
    log::warn("keyfile.permissions_tightened", {{"path", path}});
  }
  std::lock_guard lk(mu_);
  warnings_.push_back(path);
}

std::vector<std::string> keyfile_store::permission_warnings() const {
  std::lock_guard lk(mu_);
  return warnings_;
}

result<std::vector<domain::signing_key>> keyfile_store::load_keys() {
  std::lock_guard rot(rotate_mu_);
  const std::string& dir = opts_.directory;
  std::vector<domain::signing_key> out;

  const std::string current_path = join(dir, current_name);
  auto cur_text = read_file(current_path);
  if (!cur_text) return cur_text.error();
  if (*cur_text) {
    tighten(current_path, 0600);
    auto k = parse_key_file(**cur_text);
    if (!k) {
      log::error("keyfile.unreadable", {{"path", current_path}});
      return fail(errc::storage_failure);
    }
    if (k->created_at == 0) {
      struct stat st{};
      if (::stat(current_path.c_str(), &st) == 0) k->created_at = st.st_mtime;
    }
    k->current = true;
    out.push_back(std::move(*k));
  }

  auto names = list_dir(dir);
  if (!names) return names.error();
  std::vector<std::pair<std::int64_t, std::string>> rotated;
  for (const auto& n : *names)
    if (auto ts = rotated_stamp(n)) rotated.emplace_back(*ts, n);
  std::sort(rotated.begin(), rotated.end(), [](const auto& a, const auto& b) { return a.first > b.first; });

  std::size_t previous = 0;
  for (const auto& [ts, name] : rotated) {
    if (previous >= opts_.max_previous) break;
    const std::string path = join(dir, name);
    auto text = read_file(path);
    if (!text) return text.error();
    if (!*text) continue;  // removed meanwhile
    tighten(path, 0600);
    auto k = parse_key_file(**text);
    if (!k) {
      log::warn("keyfile.unreadable", {{"path", path}});
      continue;  // a damaged old key must not stop signing with the current one
    }
    // The same key under two names (a rotation interrupted after the link): list it once.
    if (std::any_of(out.begin(), out.end(), [&](const auto& o) { return o.private_pem == k->private_pem; })) continue;
    if (k->created_at == 0) k->created_at = ts;
    k->current = false;
    out.push_back(std::move(*k));
    ++previous;
  }
  if (!out.empty() && !out.front().current)
    log::warn("keyfile.current_missing", {{"directory", dir}});
  return out;
}

result<void> keyfile_store::rotate_in(const domain::signing_key& k) {
  if (has_line_break(k.kid) || has_line_break(k.alg) || k.private_pem.find("-----BEGIN") == std::string::npos)
    return fail(errc::invalid);
  std::lock_guard rot(rotate_mu_);
  const std::string& dir = opts_.directory;
  if (!make_dirs(dir)) return io_failure("mkdir");

  // Leftovers of an interrupted rotation.
  if (auto names = list_dir(dir)) {
    for (const auto& n : *names)
      if (std::string_view(n).starts_with(tmp_prefix)) ::unlink(join(dir, n).c_str());
  }

  const std::string tmp = join(dir, std::string(tmp_prefix) + random_token(8));
  const std::string content = render_key_file(k);
  if (!write_new_file(tmp, content)) return io_failure("write");

  const std::string current_path = join(dir, current_name);
  struct stat st{};
  if (::stat(current_path.c_str(), &st) == 0) {
    std::int64_t ts = k.created_at > 0 ? k.created_at : static_cast<std::int64_t>(std::time(nullptr));
    bool kept = false;
    for (int attempt = 0; attempt < 1000 && !kept; ++attempt, ++ts) {
      const std::string rotated = join(dir, std::string(rotated_prefix) + std::to_string(ts) + std::string(pem_suffix));
      if (::link(current_path.c_str(), rotated.c_str()) == 0) {
        kept = true;
      } else if (errno == EEXIST) {
        continue;
      } else if (errno == EPERM || errno == ENOTSUP || errno == EXDEV || errno == EMLINK) {
        // No hard links here: keep a copy instead.
        auto old = read_file(current_path);
        if (!old || !*old) break;
        if (write_new_file(rotated, **old)) kept = true;
        else if (errno != EEXIST) break;
      } else {
        break;
      }
    }
    if (!kept) {
      ::unlink(tmp.c_str());
      return io_failure("retire");
    }
  } else if (errno != ENOENT) {
    ::unlink(tmp.c_str());
    return io_failure("stat");
  }

  if (::rename(tmp.c_str(), current_path.c_str()) != 0) {
    ::unlink(tmp.c_str());
    return io_failure("rename");
  }
  if (!fsync_dir(dir)) return io_failure("fsync_dir");
  log::info("keyfile.rotated", {{"kid", k.kid}, {"alg", k.alg}});
  return {};
}

}  // namespace authplane::storage::keyfile
