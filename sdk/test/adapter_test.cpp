// The authplane::http adapter and the PRM endpoint (checklist items 30, 31, 96).
#include "helpers.hpp"

using namespace sdktest;

namespace {
struct Adapter : Guard {
  http::response run(const http::handler& h, http::request& req) {
    http::response out;
    out.status = 0;
    h(req, http::responder([&out](http::response&& r) { out = std::move(r); }));
    return out;
  }
};
http::request make(std::string method, std::string target, http::header_list h = {}) {
  http::request r;
  r.method = std::move(method);
  r.target = std::move(target);
  r.path = r.target.substr(0, r.target.find('?'));
  r.headers = std::move(h);
  return r;
}
}  // namespace

TEST_F(Adapter, DenyBecomesResponse) {
  int calls = 0;
  auto h = sdk::protect(std::shared_ptr<const sdk::resource_guard>(guard = *sdk::resource_guard::create(opts, keys, nullptr, clk)),
                        [&](http::request&, const sdk::principal&, http::responder done) {
                          ++calls;
                          done(http::response::empty(204));
                        });
  auto req = make("POST", "/mcp");
  auto r = run(h, req);
  EXPECT_EQ(calls, 0);
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(*r.headers.get("WWW-Authenticate"), "Bearer scope=\"mcp:echo\", " + rm);
  EXPECT_EQ(*r.headers.get("Content-Type"), "application/json");
  EXPECT_EQ(r.body, R"({"error":"invalid_token","error_description":"Missing Authorization header"})");
}

TEST_F(Adapter, AllowCallsNextWithPrincipal) {
  std::string seen;
  auto h = sdk::protect(std::shared_ptr<const sdk::resource_guard>(guard = *sdk::resource_guard::create(opts, keys, nullptr, clk)),
                        [&](http::request&, const sdk::principal& p, http::responder done) {
                          seen = p.claims->subject;
                          done(http::response::json(200, "{}"));
                        });
  auto req = make("POST", "/mcp", auth("Bearer " + mint(good_claims())));
  EXPECT_EQ(run(h, req).status, 200);
  EXPECT_EQ(seen, "user-1");
}

TEST_F(Adapter, PerRouteScopes) {
  auto h = sdk::protect(std::shared_ptr<const sdk::resource_guard>(guard = *sdk::resource_guard::create(opts, keys, nullptr, clk)),
                        [&](http::request&, const sdk::principal&, http::responder done) {
                          done(http::response::empty(204));
                        },
                        {"mcp:admin"});
  auto req = make("POST", "/mcp", auth("Bearer " + mint(good_claims())));
  auto r = run(h, req);
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(*r.headers.get("WWW-Authenticate"),
            "Bearer error=\"insufficient_scope\", error_description=\"The access token lacks a required scope\", "
            "scope=\"mcp:echo mcp:admin\", " + rm);
}

TEST_F(Adapter, HtuFromConfiguredOriginNotHost) {
  opts.dpop = sdk::dpop_mode::required;
  auto h = sdk::protect(std::shared_ptr<const sdk::resource_guard>(guard = *sdk::resource_guard::create(opts, keys, nullptr, clk)),
                        [&](http::request&, const sdk::principal&, http::responder done) {
                          done(http::response::empty(204));
                        });
  auto c = good_claims();
  c["cnf"] = json::object{{"jkt", jkt_of("ES256d")}};
  std::string t = mint(c);
  auto hdrs = auth("DPoP " + t);
  hdrs.add("Host", "evil.example");
  hdrs.add("X-Forwarded-Host", "evil.example");
  hdrs.add("DPoP", proof("POST", "https://mcp.example/mcp", t));
  auto req = make("POST", "/mcp?x=1", hdrs);
  EXPECT_EQ(run(h, req).status, 204);
  auto hdrs2 = auth("DPoP " + t);
  hdrs2.add("Host", "evil.example");
  hdrs2.add("DPoP", proof("POST", "https://evil.example/mcp", t, "p-2"));
  auto req2 = make("POST", "/mcp", hdrs2);
  EXPECT_EQ(run(h, req2).status, 401);
}

TEST_F(Adapter, PrmEndpoint) {
  auto h = sdk::prm_handler(std::shared_ptr<const sdk::resource_guard>(&g(), [](const sdk::resource_guard*) {}));
  auto get = make("GET", "/.well-known/oauth-protected-resource/mcp?x=1");
  auto r = run(h, get);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(*r.headers.get("Content-Type"), "application/json");
  EXPECT_EQ(*r.headers.get("Cache-Control"), "max-age=3600");
  EXPECT_EQ(r.body, sdk::prm_json(opts));
  auto head = make("HEAD", "/.well-known/oauth-protected-resource/mcp");
  auto rh = run(h, head);
  EXPECT_EQ(rh.status, 200);
  EXPECT_TRUE(rh.body.empty());
  auto post = make("POST", "/.well-known/oauth-protected-resource/mcp");
  auto rp = run(h, post);
  EXPECT_EQ(rp.status, 405);
  EXPECT_EQ(*rp.headers.get("Allow"), "GET, HEAD");
  EXPECT_EQ(sdk::prm_path(g().resource()), "/.well-known/oauth-protected-resource/mcp");
  EXPECT_EQ(g().resource_metadata_url(), prm);
}
