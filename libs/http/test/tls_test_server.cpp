// Blocking Asio on one thread: tests need predictability, not throughput.
#include "tls_test_server.hpp"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <boost/asio/ssl.hpp>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "net.hpp"

namespace authplane::http::test {
using namespace authplane::http::detail;
namespace ssl = boost::asio::ssl;

namespace {
std::string bio_text(BIO* bio) {
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<std::size_t>(n));
}

void add_san(X509* x, const std::string& san) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, x, x, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, NID_subject_alt_name, san.c_str());
  if (!ext) throw std::runtime_error("SAN extension");
  X509_add_ext(x, ext, -1);
  X509_EXTENSION_free(ext);
}

// A self-signed certificate valid from an hour ago for a day.
tls_identity make_identity(const std::string& san, const std::string& file_tag) {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  X509* x = X509_new();
  X509_set_version(x, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
  X509_gmtime_adj(X509_getm_notBefore(x), -3600);
  X509_gmtime_adj(X509_getm_notAfter(x), 86400);
  X509_set_pubkey(x, key);
  X509_NAME* name = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("authplane test"), -1, -1, 0);
  X509_set_issuer_name(x, name);
  add_san(x, san);
  X509_sign(x, key, EVP_sha256());

  tls_identity id;
  BIO* cert = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(cert, x);
  id.cert_pem = bio_text(cert);
  BIO_free(cert);
  BIO* pkey = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(pkey, key, nullptr, nullptr, 0, nullptr, nullptr);
  id.key_pem = bio_text(pkey);
  BIO_free(pkey);
  X509_free(x);
  EVP_PKEY_free(key);

  auto path = std::filesystem::temp_directory_path() /
              ("authplane-test-" + file_tag + "-" + std::to_string(::getpid()) + ".pem");
  std::ofstream(path) << id.cert_pem;
  id.ca_file = path.string();
  return id;
}

void set_receive_timeout(tcp::socket& s) {
  timeval tv{3, 0};
  ::setsockopt(s.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
}

template <class Stream>
std::string read_head(Stream& s) {
  std::string buf;
  boost::system::error_code ec;
  net::read_until(s, net::dynamic_buffer(buf), "\r\n\r\n", ec);
  return buf;
}
}  // namespace

const tls_identity& localhost_identity() {
  static const tls_identity id = make_identity("DNS:localhost,IP:127.0.0.1", "localhost");
  return id;
}

const tls_identity& other_identity() {
  static const tls_identity id = make_identity("DNS:other.example", "other");
  return id;
}

std::string raw_response(int status, std::string_view body, std::string_view extra_headers) {
  return "HTTP/1.1 " + std::to_string(status) + " X\r\nContent-Type: application/json\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\n" + std::string(extra_headers) + "\r\n" + std::string(body);
}

struct raw_server::impl {
  respond_fn respond;
  bool tls;
  std::string bind_ip;
  net::io_context ioc;
  ssl::context ctx{ssl::context::tls_server};
  tcp::acceptor acceptor{ioc};
  std::uint16_t port = 0;
  std::atomic<bool> stopping{false};
  std::atomic<int> connections{0};
  mutable std::mutex mu;
  std::vector<std::string> requests;
  std::thread thread;

  void record(const std::string& head) {
    std::lock_guard lk(mu);
    requests.push_back(head);
  }

  template <class Stream>
  void answer(Stream& s) {
    std::string head = read_head(s);
    record(head);
    std::string out = respond(head);
    boost::system::error_code ec;
    net::write(s, net::buffer(out), ec);
  }

  void serve(tcp::socket& sock) {
    set_receive_timeout(sock);
    if (!tls) {
      answer(sock);
    } else {
      ssl::stream<tcp::socket&> stream(sock, ctx);
      boost::system::error_code ec;
      stream.handshake(ssl::stream_base::server, ec);
      if (!ec) answer(stream);
    }
    boost::system::error_code ignored;
    sock.shutdown(tcp::socket::shutdown_both, ignored);
    sock.close(ignored);
  }

  void loop() {
    while (!stopping) {
      tcp::socket sock(ioc);
      boost::system::error_code ec;
      acceptor.accept(sock, ec);
      if (stopping) break;
      if (ec) continue;
      ++connections;
      serve(sock);
    }
  }
};

raw_server::raw_server(respond_fn respond, bool tls, const tls_identity* identity, std::string bind_ip, std::uint16_t port)
    : impl_(std::make_unique<impl>()) {
  impl_->bind_ip = std::move(bind_ip);
  impl_->respond = std::move(respond);
  impl_->tls = tls;
  if (tls) {
    const tls_identity& id = identity ? *identity : localhost_identity();
    impl_->ctx.use_certificate_chain(net::buffer(id.cert_pem));
    impl_->ctx.use_private_key(net::buffer(id.key_pem), ssl::context::pem);
  }
  tcp::endpoint ep(net::ip::make_address(impl_->bind_ip), port);
  impl_->acceptor.open(ep.protocol());
  impl_->acceptor.set_option(tcp::acceptor::reuse_address(true));
  impl_->acceptor.bind(ep);
  impl_->acceptor.listen();
  impl_->port = impl_->acceptor.local_endpoint().port();
  impl_->thread = std::thread([this] { impl_->loop(); });
}

raw_server::~raw_server() {
  impl_->stopping = true;
  // Unblock the blocking accept() with one last connection.
  boost::system::error_code ec;
  tcp::socket poke(impl_->ioc);
  poke.connect(tcp::endpoint(net::ip::make_address(impl_->bind_ip), impl_->port), ec);
  impl_->thread.join();
}

std::uint16_t raw_server::port() const { return impl_->port; }

std::string raw_server::url(std::string_view path) const {
  return std::string(impl_->tls ? "https" : "http") + "://" + impl_->bind_ip + ":" + std::to_string(impl_->port) + std::string(path);
}

int raw_server::connections() const { return impl_->connections.load(); }

std::vector<std::string> raw_server::requests() const {
  std::lock_guard lk(impl_->mu);
  return impl_->requests;
}

}  // namespace authplane::http::test
