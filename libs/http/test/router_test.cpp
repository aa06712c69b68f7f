#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "authplane/http/server.hpp"

namespace authplane::http {
namespace {

// Dispatches synchronously and returns what the responder received.
response call(const router& r, std::string method, std::string path, request* seen = nullptr) {
  request q;
  q.method = std::move(method);
  q.path = std::move(path);
  q.target = q.path;
  response out;
  out.status = -1;
  r.dispatch(q, responder([&](response&& x) { out = std::move(x); }));
  if (seen) *seen = q;
  return out;
}

handler reply(std::string text) {
  return [text](request&, responder done) { done(response::text(200, text)); };
}

TEST(Router, ExactMatchAndMethods) {
  router r;
  r.add("GET", "/health", reply("get"));
  r.add("POST", "/health", reply("post"));
  r.add("GET", "/", reply("root"));
  EXPECT_EQ(call(r, "GET", "/health").body, "get");
  EXPECT_EQ(call(r, "POST", "/health").body, "post");
  EXPECT_EQ(call(r, "GET", "/").body, "root");
  auto trailing = call(r, "GET", "/health/");
  EXPECT_EQ(trailing.status, 404);
  EXPECT_EQ(trailing.body, R"({"error":"not_found","error_description":"not found"})");
  EXPECT_EQ(trailing.headers.get("Content-Type"), "application/json");
  EXPECT_EQ(call(r, "GET", "/Health").status, 404);
  EXPECT_EQ(call(r, "GET", "").status, 404);
  EXPECT_EQ(call(r, "GET", "health").status, 404);
  EXPECT_EQ(call(r, "get", "/health").status, 405);  // methods are case-sensitive
}

TEST(Router, MethodNotAllowedListsAllow) {
  router r;
  r.add("GET", "/oauth/token", reply("x"));
  r.add("POST", "/oauth/token", reply("x"));
  r.add("POST", "/oauth/{x}", reply("x"));
  auto res = call(r, "DELETE", "/oauth/token");
  EXPECT_EQ(res.status, 405);
  EXPECT_EQ(res.headers.get("Allow"), "GET, POST");
  EXPECT_EQ(res.body, R"({"error":"method_not_allowed"})");
  EXPECT_EQ(res.headers.get("Content-Type"), "application/json");
}

TEST(Router, PathParams) {
  router r;
  r.add("POST", "/admin/clients/{id}/suspend", [](request& q, responder done) {
    done(response::text(200, q.path_params.at("id")));
  });
  r.add("GET", "/a/{x}/{y}", [](request& q, responder done) {
    done(response::text(200, q.path_params.at("x") + "|" + q.path_params.at("y")));
  });
  request seen;
  auto res = call(r, "POST", "/admin/clients/c%2F1/suspend", &seen);
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.body, "c%2F1");
  EXPECT_EQ(seen.path_params.size(), 1u);
  EXPECT_EQ(call(r, "GET", "/a/1/2").body, "1|2");
  EXPECT_EQ(call(r, "POST", "/admin/clients//suspend").status, 404);  // empty segment never matches
  EXPECT_EQ(call(r, "GET", "/a/1/").status, 404);
  EXPECT_EQ(call(r, "GET", "/a/1/2/3").status, 404);
  EXPECT_EQ(call(r, "GET", "/a/1").status, 404);
  EXPECT_THROW(r.add("GET", "nope", reply("x")), std::invalid_argument);
}

TEST(Router, FirstRegisteredRouteWins) {
  router r;
  r.add("GET", "/items/{id}", reply("param"));
  r.add("GET", "/items/new", reply("literal"));
  EXPECT_EQ(call(r, "GET", "/items/new").body, "param");
}

TEST(Router, MiddlewareRunsInOrderAroundEveryOutcome) {
  router r;
  std::vector<std::string> log;
  r.use([&](request& q, responder done, const handler& next) {
    log.push_back("m1 " + q.path);
    next(q, responder([&, d = std::move(done)](response&& res) mutable {
      log.push_back("m1 after " + std::to_string(res.status));
      res.set_header("X-Frame-Options", "DENY");
      d(std::move(res));
    }));
  });
  r.use([&](request& q, responder done, const handler& next) {
    log.push_back("m2");
    next(q, std::move(done));
  });
  r.add("GET", "/x/{id}", [&](request& q, responder done) {
    log.push_back("handler " + q.path_params["id"]);
    done(response::empty(204));
  });
  r.add("POST", "/only-post", reply("x"));

  auto ok = call(r, "GET", "/x/7");
  EXPECT_EQ(ok.status, 204);
  EXPECT_EQ(ok.headers.get("X-Frame-Options"), "DENY");
  EXPECT_EQ(log, (std::vector<std::string>{"m1 /x/7", "m2", "handler 7", "m1 after 204"}));
  log.clear();
  EXPECT_EQ(call(r, "GET", "/nope").headers.get("X-Frame-Options"), "DENY");
  EXPECT_EQ(log, (std::vector<std::string>{"m1 /nope", "m2", "m1 after 404"}));
  log.clear();
  EXPECT_EQ(call(r, "GET", "/only-post").status, 405);
  EXPECT_EQ(log, (std::vector<std::string>{"m1 /only-post", "m2", "m1 after 405"}));
}

TEST(Router, MiddlewareShortCircuitAndParamsVisible) {
  router r;
  bool handler_ran = false;
  bool second_ran = false;
  r.use([&](request& q, responder done, const handler& next) {
    if (q.path_params["id"] == "blocked") {
      done(response::json(403, R"({"error":"forbidden"})"));
      return;
    }
    next(q, std::move(done));
  });
  r.use([&](request& q, responder done, const handler& next) {
    second_ran = true;
    next(q, std::move(done));
  });
  r.add("GET", "/u/{id}", [&](request&, responder done) {
    handler_ran = true;
    done(response::empty(200));
  });
  EXPECT_EQ(call(r, "GET", "/u/blocked").status, 403);
  EXPECT_FALSE(handler_ran);
  EXPECT_FALSE(second_ran);
  EXPECT_EQ(call(r, "GET", "/u/ok").status, 200);
  EXPECT_TRUE(handler_ran);
  EXPECT_TRUE(second_ran);
}

TEST(Router, MiddlewareMayCallNextLater) {
  router r;
  handler saved;
  request* saved_req = nullptr;
  responder saved_done;
  r.use([&](request& q, responder done, const handler& next) {
    saved = next;  // copy: `next` is only valid during the call
    saved_req = &q;
    saved_done = std::move(done);
  });
  r.add("GET", "/late", reply("late"));
  request q;
  q.method = "GET";
  q.path = "/late";
  response out;
  r.dispatch(q, responder([&](response&& x) { out = std::move(x); }));
  EXPECT_EQ(out.status, 200);  // default-constructed: not answered yet
  EXPECT_TRUE(out.body.empty());
  saved(*saved_req, std::move(saved_done));
  EXPECT_EQ(out.body, "late");
}
}  // namespace
}  // namespace authplane::http
