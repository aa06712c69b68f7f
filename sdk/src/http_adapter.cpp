#include <authplane/sdk/http_adapter.hpp>
#include <authplane/sdk/prm.hpp>

namespace authplane::sdk {

http::response to_response(const denial& d) {
  http::response r;
  r.status = d.status;
  r.headers = d.headers;
  r.body = d.body;
  return r;
}

http::handler protect(std::shared_ptr<const resource_guard> guard, protected_handler next,
                      std::vector<std::string> extra_scopes) {
  // The htu is rebuilt from the configured origin and the raw target; Host and X-Forwarded-*
  // never influence it.
  std::string origin = url_origin(guard->resource());
  return [guard = std::move(guard), next = std::move(next), extra = std::move(extra_scopes),
          origin = std::move(origin)](http::request& req, http::responder done) {
    const std::string url = origin + (req.target.empty() ? std::string("/") : req.target);
    outcome o = guard->check(req.method, url, req.headers, extra);
    if (!o) {
      done(to_response(o.denied));
      return;
    }
    next(req, *o.allowed, std::move(done));
  };
}

http::handler prm_handler(std::shared_ptr<const resource_guard> guard) {
  std::string body = prm_json(guard->opts());
  return [body = std::move(body)](http::request& req, http::responder done) {
    if (req.method != "GET" && req.method != "HEAD") {
      http::response r = http::response::json(405, R"({"error":"method_not_allowed"})");
      r.set_header("Allow", "GET, HEAD");
      done(std::move(r));
      return;
    }
    http::response r = http::response::json(200, req.method == "HEAD" ? std::string() : body);
    r.set_header("Cache-Control", "max-age=3600");
    done(std::move(r));
  };
}

}  // namespace authplane::sdk
