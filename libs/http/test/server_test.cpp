#include "authplane/http/server.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <thread>

#include "authplane/http/client.hpp"
#include "test_support.hpp"

namespace authplane::http {
namespace {
using namespace std::chrono_literals;
using test::raw_conn;
using test::running_server;
using test::test_options;

router basic_router() {
  router r;
  r.add("GET", "/hello", [](request& q, responder done) {
    response res = response::json(200, R"({"hello":"world"})");
    res.set_header("X-Query", q.query);
    res.set_header("X-Remote", q.remote_ip);
    done(std::move(res));
  });
  r.add("POST", "/echo", [](request& q, responder done) {
    response res = response::text(200, q.body, "application/octet-stream");
    res.set_header("X-Method", q.method);
    res.set_header("X-Target", q.target);
    res.set_header("X-Path", q.path);
    if (auto h = q.headers.get("x-custom")) res.set_header("X-Custom-Echo", std::string(*h));
    done(std::move(res));
  });
  r.add("GET", "/items/{id}", [](request& q, responder done) { done(response::text(200, q.path_params["id"])); });
  r.add("GET", "/plain", [](request&, responder done) {
    response res;
    res.body = "no type";
    done(std::move(res));
  });
  r.add("GET", "/nocontent", [](request&, responder done) { done(response::empty(204)); });
  return r;
}

TEST(Server, RoutingOverTheWire) {
  router r = basic_router();
  running_server s(r);
  auto ok = fetch("GET", s.url("/hello?a=1&b=2"), {}, "", 5s);
  ASSERT_TRUE(ok) << ok.error().message();
  EXPECT_EQ(ok->status, 200);
  EXPECT_EQ(ok->body, R"({"hello":"world"})");
  EXPECT_EQ(ok->headers.get("Content-Type"), "application/json");
  EXPECT_EQ(ok->headers.get("Content-Length"), "17");
  EXPECT_EQ(ok->headers.get("X-Query"), "a=1&b=2");
  EXPECT_EQ(ok->headers.get("X-Remote"), "127.0.0.1");

  auto nf = fetch("GET", s.url("/missing"), {}, "", 5s);
  ASSERT_TRUE(nf);
  EXPECT_EQ(nf->status, 404);
  EXPECT_EQ(nf->body, R"({"error":"not_found","error_description":"not found"})");
  EXPECT_EQ(nf->headers.get("Content-Type"), "application/json");

  auto na = fetch("DELETE", s.url("/hello"), {}, "", 5s);
  ASSERT_TRUE(na);
  EXPECT_EQ(na->status, 405);
  EXPECT_EQ(na->headers.get("Allow"), "GET");
  EXPECT_EQ(na->body, R"({"error":"method_not_allowed"})");

  auto item = fetch("GET", s.url("/items/abc"), {}, "", 5s);
  ASSERT_TRUE(item);
  EXPECT_EQ(item->status, 200);
  EXPECT_EQ(item->body, "abc");

  header_list h;
  h.add("X-Custom", "v1");
  h.add("Content-Type", "application/x-www-form-urlencoded");
  auto echo = fetch("POST", s.url("/echo?z=9"), h, "a=1&b=2", 5s);
  ASSERT_TRUE(echo);
  EXPECT_EQ(echo->status, 200);
  EXPECT_EQ(echo->body, "a=1&b=2");
  EXPECT_EQ(echo->headers.get("Content-Type"), "application/octet-stream");
  EXPECT_EQ(echo->headers.get("X-Method"), "POST");
  EXPECT_EQ(echo->headers.get("X-Target"), "/echo?z=9");
  EXPECT_EQ(echo->headers.get("X-Path"), "/echo");
  EXPECT_EQ(echo->headers.get("X-Custom-Echo"), "v1");

  auto plain = fetch("GET", s.url("/plain"), {}, "", 5s);
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->headers.get("Content-Type"), "text/plain; charset=utf-8");
  EXPECT_EQ(plain->headers.count("Content-Type"), 1u);

  raw_conn c(s.port);
  ASSERT_TRUE(c.send("GET /nocontent HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto nc = c.read_response();
  ASSERT_TRUE(nc);
  EXPECT_EQ(nc->status, 204);
  EXPECT_FALSE(nc->headers.get("Content-Length"));
  EXPECT_FALSE(nc->headers.get("Content-Type"));
}

TEST(Server, DeferredResponderFromAnotherThread) {
  router r;
  std::vector<std::thread> workers;
  std::mutex m;
  r.add("POST", "/slow", [&](request& q, responder done) {
    std::string body = q.body;
    std::lock_guard lock(m);
    workers.emplace_back([body, d = std::move(done)]() mutable {
      std::this_thread::sleep_for(50ms);
      d(response::json(201, "{\"got\":\"" + body + "\"}"));
    });
  });
  {
    running_server s(r);
    auto start = std::chrono::steady_clock::now();
    auto res = fetch("POST", s.url("/slow"), {}, "x", 5s);
    auto elapsed = std::chrono::steady_clock::now() - start;
    ASSERT_TRUE(res) << res.error().message();
    EXPECT_EQ(res->status, 201);
    EXPECT_EQ(res->body, R"({"got":"x"})");
    EXPECT_GE(elapsed, 50ms);

    // Several deferred requests on one keep-alive connection.
    raw_conn c(s.port);
    for (int i = 0; i < 3; ++i) {
      std::string b = std::to_string(i);
      ASSERT_TRUE(c.send("POST /slow HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\n" + b));
      auto rr = c.read_response();
      ASSERT_TRUE(rr);
      EXPECT_EQ(rr->status, 201);
      EXPECT_EQ(rr->body, "{\"got\":\"" + b + "\"}");
    }
  }
  for (auto& t : workers) t.join();
}

TEST(Server, DroppedResponderAnswers500) {
  router r;
  std::vector<std::thread> workers;
  r.add("GET", "/drop", [](request&, responder) {});
  r.add("GET", "/drop-later", [&](request&, responder done) {
    workers.emplace_back([d = std::move(done)]() mutable {
      std::this_thread::sleep_for(20ms);
      responder gone = std::move(d);
    });
  });
  r.add("GET", "/throw", [](request&, responder) { throw std::runtime_error("boom"); });
  {
    running_server s(r);
    for (const char* path : {"/drop", "/drop-later", "/throw"}) {
      auto res = fetch("GET", s.url(path), {}, "", 5s);
      ASSERT_TRUE(res) << path;
      EXPECT_EQ(res->status, 500) << path;
      EXPECT_EQ(res->body, R"({"error":"server_error","error_description":"internal error"})");
      EXPECT_EQ(res->headers.get("Content-Type"), "application/json");
    }
  }
  for (auto& t : workers) t.join();
}

TEST(Server, HeaderTooLargeIs431) {
  router r = basic_router();
  auto o = test_options();
  o.max_header_bytes = 1024;
  running_server s(r, o);
  raw_conn c(s.port);
  ASSERT_TRUE(c.send("GET /hello HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(4000, 'a') + "\r\n\r\n"));
  auto res = c.read_response();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 431);
  EXPECT_EQ(res->headers.get("Connection"), "close");
  EXPECT_EQ(res->headers.get("Content-Type"), "application/json");
  EXPECT_NE(res->body.find("\"error\""), std::string::npos);
  EXPECT_TRUE(c.closed_within(2s));
}

TEST(Server, BodyTooLargeIs413) {
  router r = basic_router();
  auto o = test_options();
  o.max_body_bytes = 100;
  running_server s(r, o);
  {
    raw_conn c(s.port);  // declared length over the limit
    ASSERT_TRUE(c.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n" + std::string(200, 'a')));
    auto res = c.read_response();
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 413);
    EXPECT_EQ(res->headers.get("Connection"), "close");
    EXPECT_EQ(res->headers.get("Content-Type"), "application/json");
    EXPECT_TRUE(c.closed_within(3s));
  }
  {
    raw_conn c(s.port);  // chunked body growing past the limit
    ASSERT_TRUE(c.send("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                       "50\r\n" + std::string(0x50, 'b') + "\r\n50\r\n" + std::string(0x50, 'b') + "\r\n0\r\n\r\n"));
    auto res = c.read_response();
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 413);
  }
  {
    raw_conn c(s.port);  // exactly at the limit is fine
    ASSERT_TRUE(c.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n" + std::string(100, 'c')));
    auto res = c.read_response();
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 200);
    EXPECT_EQ(res->body, std::string(100, 'c'));
  }
}

TEST(Server, MalformedRequestsAre400) {
  router r = basic_router();
  running_server s(r);
  for (const std::string& bad : std::vector<std::string>{"GARBAGE\r\n\r\n", "GET /hello HTTP/9.9\r\n\r\n", "GET  HTTP/1.1\r\n\r\n",
                          "GET /hello HTTP/1.1\r\nBad Header\r\n\r\n", "GET /hello HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n",
                          std::string("G\0T / HTTP/1.1\r\n\r\n", 18)}) {
    raw_conn c(s.port);
    ASSERT_TRUE(c.send(bad));
    auto res = c.read_response();
    ASSERT_TRUE(res) << bad;
    EXPECT_EQ(res->status, 400) << bad;
    EXPECT_EQ(res->headers.get("Connection"), "close");
    EXPECT_TRUE(c.closed_within(2s)) << bad;
  }
  // The server still works afterwards.
  auto ok = fetch("GET", s.url("/hello"), {}, "", 5s);
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200);
}

TEST(Server, KeepAliveAndPipelining) {
  router r = basic_router();
  running_server s(r);
  raw_conn c(s.port);
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(c.send("GET /items/" + std::to_string(i) + " HTTP/1.1\r\nHost: x\r\n\r\n"));
    auto res = c.read_response();
    ASSERT_TRUE(res) << i;
    EXPECT_EQ(res->status, 200);
    EXPECT_EQ(res->body, std::to_string(i));
    EXPECT_FALSE(res->headers.get("Connection"));
  }
  // Two pipelined requests in one packet, answered in order.
  ASSERT_TRUE(c.send("GET /items/p1 HTTP/1.1\r\nHost: x\r\n\r\nGET /items/p2 HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto p1 = c.read_response();
  auto p2 = c.read_response();
  ASSERT_TRUE(p1 && p2);
  EXPECT_EQ(p1->body, "p1");
  EXPECT_EQ(p2->body, "p2");
  // Connection: close is honoured.
  ASSERT_TRUE(c.send("GET /items/last HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
  auto last = c.read_response();
  ASSERT_TRUE(last);
  EXPECT_EQ(last->headers.get("Connection"), "close");
  EXPECT_TRUE(c.closed_within(2s));
}

// The server reuses one request object per connection: nothing of a previous request may show
// through in the next one (headers, body, query, path parameters, handler changes).
TEST(Server, KeepAliveRequestsDoNotSeeThePreviousOne) {
  router r;
  r.add("POST", "/see/{id}", [](request& q, responder done) {
    std::string out = q.method + " " + q.target + " " + q.path + " q=" + q.query + " id=" + q.path_params["id"] +
                      " n=" + std::to_string(q.path_params.size()) + " body=" + q.body + " headers=";
    for (const auto& [k, v] : q.headers.items) out += k + ":" + v + ";";
    q.headers.add("X-Added-By-Handler", "1");  // must not leak into the next request
    q.body += "-mutated";
    done(response::text(200, out));
  });
  r.add("GET", "/see", [](request& q, responder done) {
    std::string out = q.method + " " + q.target + " " + q.path + " q=" + q.query +
                      " n=" + std::to_string(q.path_params.size()) + " body=" + q.body + " headers=";
    for (const auto& [k, v] : q.headers.items) out += k + ":" + v + ";";
    done(response::text(200, out));
  });
  running_server s(r);
  raw_conn c(s.port);
  ASSERT_TRUE(c.send("POST /see/abc?x=1 HTTP/1.1\r\nHost: h1\r\nX-Long-Header: " + std::string(100, 'v') +
                     "\r\nX-B: b\r\nContent-Length: 5\r\n\r\nhello"));
  auto a = c.read_response();
  ASSERT_TRUE(a);
  EXPECT_EQ(a->body, "POST /see/abc?x=1 /see/abc q=x=1 id=abc n=1 body=hello headers=Host:h1;X-Long-Header:" +
                         std::string(100, 'v') + ";X-B:b;Content-Length:5;");
  ASSERT_TRUE(c.send("GET /see HTTP/1.1\r\nhost: h2\r\n\r\n"));
  auto b = c.read_response();
  ASSERT_TRUE(b);
  EXPECT_EQ(b->body, "GET /see /see q= n=0 body= headers=host:h2;");
  // A chunked body with a trailer (trailer fields are listed with the headers, as before).
  ASSERT_TRUE(c.send("POST /see/z HTTP/1.1\r\nHost: h3\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\nX-T: t\r\n\r\n"));
  auto ch = c.read_response();
  ASSERT_TRUE(ch);
  EXPECT_EQ(ch->body, "POST /see/z /see/z q= id=z n=1 body=abcde headers=Host:h3;Transfer-Encoding:chunked;X-T:t;");
  ASSERT_TRUE(c.send("GET /see?y HTTP/1.1\r\nHost: h4\r\nX-1: 1\r\nX-2: 2\r\nX-3: 3\r\nX-4: 4\r\n\r\n"));
  auto d = c.read_response();
  ASSERT_TRUE(d);
  EXPECT_EQ(d->body, "GET /see?y /see q=y n=0 body= headers=Host:h4;X-1:1;X-2:2;X-3:3;X-4:4;");
}

// Timeouts are one lazily re-armed timer per connection: a connection that keeps sending
// requests within idle_timeout stays open across many timer periods, a handler slower than
// read_timeout is not cut off, and idling past idle_timeout still closes.
TEST(Server, TimeoutsFollowThePhaseAcrossManyRequests) {
  router r = basic_router();
  r.add("GET", "/slow", [](request&, responder done) {
    std::this_thread::sleep_for(450ms);  // longer than read_timeout and write_timeout
    done(response::text(200, "slow"));
  });
  auto o = test_options();
  o.idle_timeout = 300ms;
  o.read_timeout = 200ms;
  o.write_timeout = 200ms;
  running_server s(r, o);
  raw_conn c(s.port);
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; std::chrono::steady_clock::now() - start < 1200ms; ++i) {
    ASSERT_TRUE(c.send("GET /items/" + std::to_string(i) + " HTTP/1.1\r\nHost: x\r\n\r\n")) << i;
    auto res = c.read_response();
    ASSERT_TRUE(res) << i;
    EXPECT_EQ(res->body, std::to_string(i));
    std::this_thread::sleep_for(i % 2 ? 150ms : 20ms);
  }
  ASSERT_TRUE(c.send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto slow = c.read_response();
  ASSERT_TRUE(slow);
  EXPECT_EQ(slow->body, "slow");
  // A request that starts but does not finish within read_timeout closes the connection, also
  // right after a long idle-timeout phase was armed.
  std::this_thread::sleep_for(100ms);
  ASSERT_TRUE(c.send("GET /hello HTTP/1.1\r\n"));
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_TRUE(c.closed_within(2s));
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 1s);
  EXPECT_GE(std::chrono::steady_clock::now() - t0, 150ms);
  // Idle past idle_timeout closes.
  raw_conn idle(s.port);
  ASSERT_TRUE(idle.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(idle.read_response());
  auto t1 = std::chrono::steady_clock::now();
  EXPECT_TRUE(idle.closed_within(2s));
  EXPECT_GE(std::chrono::steady_clock::now() - t1, 250ms);
}

TEST(Server, Http10KeepAliveOnlyWhenAsked) {
  router r = basic_router();
  running_server s(r);
  raw_conn c(s.port);
  ASSERT_TRUE(c.send("GET /items/a HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
  auto a = c.read_response();
  ASSERT_TRUE(a);
  EXPECT_EQ(a->headers.get("Connection"), "keep-alive");
  ASSERT_TRUE(c.send("GET /items/b HTTP/1.0\r\n\r\n"));
  auto b = c.read_response();
  ASSERT_TRUE(b);
  EXPECT_EQ(b->body, "b");
  EXPECT_EQ(b->headers.get("Connection"), "close");
  EXPECT_TRUE(c.closed_within(2s));
}

TEST(Server, IdleKeepAliveTimeoutClosesConnection) {
  router r = basic_router();
  auto o = test_options();
  o.idle_timeout = 200ms;
  running_server s(r, o);
  raw_conn c(s.port);
  ASSERT_TRUE(c.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(c.read_response());
  auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(c.closed_within(3s));
  auto waited = std::chrono::steady_clock::now() - start;
  EXPECT_GE(waited, 150ms);
  EXPECT_LT(waited, 2s);
}

TEST(Server, SlowRequestHitsReadTimeout) {
  router r = basic_router();
  auto o = test_options();
  o.read_timeout = 300ms;
  running_server s(r, o);
  {
    raw_conn c(s.port);  // slow body: headers arrive, the body trickles
    ASSERT_TRUE(c.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nab"));
    auto start = std::chrono::steady_clock::now();
    bool closed = false;
    for (int i = 0; i < 30 && !closed; ++i) {
      c.send("c");
      closed = c.closed_within(100ms);
    }
    EXPECT_TRUE(closed);
    EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
  }
  {
    raw_conn c(s.port);  // slowloris headers
    ASSERT_TRUE(c.send("GET /hello HTTP/1.1\r\n"));
    bool closed = false;
    for (int i = 0; i < 30 && !closed; ++i) {
      c.send("X-A: b\r\n");
      closed = c.closed_within(100ms);
    }
    EXPECT_TRUE(closed);
  }
  {
    raw_conn c(s.port);  // connects and says nothing
    EXPECT_TRUE(c.closed_within(2s));
  }
}

TEST(Server, ExpectContinue) {
  router r = basic_router();
  running_server s(r);
  raw_conn c(s.port);
  ASSERT_TRUE(c.send("POST /echo HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n"));
  auto cont = c.read_response();
  ASSERT_TRUE(cont);
  EXPECT_EQ(cont->status, 100);
  ASSERT_TRUE(c.send("abc"));
  auto res = c.read_response();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body, "abc");
}

TEST(Server, StopLetsInFlightRequestFinish) {
  router r;
  std::promise<void> entered;
  std::vector<std::thread> workers;
  r.add("GET", "/slow", [&](request&, responder done) {
    entered.set_value();
    workers.emplace_back([d = std::move(done)]() mutable {
      std::this_thread::sleep_for(300ms);
      d(response::json(200, R"({"done":true})"));
    });
  });
  r.add("GET", "/fast", [](request&, responder done) { done(response::empty(200)); });
  auto s = std::make_unique<running_server>(r);
  raw_conn idle(s->port);  // an idle keep-alive connection must be closed by stop()
  ASSERT_TRUE(idle.send("GET /fast HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(idle.read_response());

  raw_conn c(s->port);
  ASSERT_TRUE(c.send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n"));
  entered.get_future().wait();
  auto start = std::chrono::steady_clock::now();
  s->srv().stop();
  auto res = c.read_response(5s);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body, R"({"done":true})");
  EXPECT_EQ(res->headers.get("Connection"), "close");
  EXPECT_TRUE(c.closed_within(2s));
  EXPECT_TRUE(idle.closed_within(2s));
  s->stop_and_join();  // run() returns
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
  // The listener is gone.
  auto after = fetch("GET", "http://127.0.0.1:" + std::to_string(s->port) + "/fast", {}, "", 1s);
  EXPECT_FALSE(after);
  s.reset();
  for (auto& t : workers) t.join();
}

TEST(Server, StopFromHandlerAndShutdownWaitBoundsStuckHandlers) {
  responder stuck;  // held past the server's lifetime: run() must still return
  std::mutex m;
  {
    router r;
    server_options o = test_options();
    o.shutdown_wait = 200ms;
    server srv(o);
    r.add("GET", "/stuck", [&](request&, responder done) {
      std::lock_guard lock(m);
      stuck = std::move(done);
    });
    r.add("GET", "/stop", [&](request&, responder done) {
      srv.stop();
      done(response::empty(202));
    });
    auto port = srv.listen("127.0.0.1", 0, r);
    std::thread t([&] { srv.run(); });
    raw_conn c(port);
    ASSERT_TRUE(c.send("GET /stuck HTTP/1.1\r\nHost: x\r\n\r\n"));
    std::this_thread::sleep_for(50ms);
    auto res = fetch("GET", "http://127.0.0.1:" + std::to_string(port) + "/stop", {}, "", 5s);
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 202);
    auto start = std::chrono::steady_clock::now();
    t.join();
    EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
    EXPECT_TRUE(c.closed_within(1s));
  }
  std::lock_guard lock(m);
  ASSERT_TRUE(stuck);
  stuck(response::empty(200));  // late answer after the server is gone: harmless
}

TEST(Server, DestroyedWithoutRunAndWithPendingResponder) {
  responder late;
  {
    router r;
    r.add("GET", "/x", [&](request&, responder done) { late = std::move(done); });
    server srv(test_options());
    srv.listen("127.0.0.1", 0, r);
  }
  {
    router r;
    std::promise<void> got;
    r.add("GET", "/x", [&](request&, responder done) {
      late = std::move(done);
      got.set_value();
    });
    auto o = test_options();
    o.shutdown_wait = 100ms;
    running_server s(r, o);
    raw_conn c(s.port);
    ASSERT_TRUE(c.send("GET /x HTTP/1.1\r\nHost: x\r\n\r\n"));
    got.get_future().wait();
  }
  late = responder();  // answers 500 into a connection that no longer exists
  EXPECT_FALSE(late);
}

TEST(Server, SeveralListenersShareOneServer) {
  router pub;
  pub.add("GET", "/who", [](request&, responder done) { done(response::text(200, "public")); });
  router admin;
  admin.add("GET", "/who", [](request&, responder done) { done(response::text(200, "admin")); });
  server srv(test_options());
  auto p1 = srv.listen("127.0.0.1", 0, pub);
  auto p2 = srv.listen("localhost", 0, admin);
  EXPECT_NE(p1, p2);
  std::thread t([&] { srv.run(); });
  auto a = fetch("GET", "http://127.0.0.1:" + std::to_string(p1) + "/who", {}, "", 5s);
  auto b = fetch("GET", "http://127.0.0.1:" + std::to_string(p2) + "/who", {}, "", 5s);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->body, "public");
  EXPECT_EQ(b->body, "admin");
  srv.stop();
  t.join();
}

TEST(Server, ListenOnTakenPortThrows) {
  router r = basic_router();
  running_server s(r);
  server other(test_options());
  try {
    other.listen("127.0.0.1", s.port, r);
    FAIL() << "expected std::runtime_error";
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()), "listen 127.0.0.1:" + std::to_string(s.port) + ": address already in use");
  }
  EXPECT_THROW(other.listen("256.1.1.1.invalid.", 0, r), std::runtime_error);
  EXPECT_THROW(other.listen("203.0.113.1", 0, r), std::runtime_error);  // not a local address
}

TEST(Server, WriteTimeoutClosesNonReadingClient) {
  router r;
  const std::size_t size = 64u * 1024 * 1024;
  std::atomic<bool> answered{false};
  r.add("GET", "/huge", [&](request&, responder done) {
    done(response::text(200, std::string(size, 'z')));
    answered = true;
  });
  r.add("GET", "/ok", [](request&, responder done) { done(response::empty(200)); });
  auto o = test_options();
  o.write_timeout = 300ms;
  running_server s(r, o);
  raw_conn c(s.port);
  // Connection: close so that, should the write ever complete, drain() sees the end instead of
  // waiting for the idle timeout.
  ASSERT_TRUE(c.send("GET /huge HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
  while (!answered) std::this_thread::sleep_for(5ms);
  std::this_thread::sleep_for(1000ms);  // never read: the server's write stalls and times out
  long long got = c.drain(10s);
  EXPECT_GE(got, 0);                                 // closed, not hanging
  EXPECT_LT(got, static_cast<long long>(size));      // before the whole body was sent
  auto ok = fetch("GET", s.url("/ok"), {}, "", 5s);  // other clients are unaffected
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200);
}

TEST(Server, SurvivesRandomInput) {
  router r = basic_router();
  auto o = test_options();
  o.read_timeout = 300ms;
  running_server s(r, o);
  std::uint32_t seed = 12345;
  auto next = [&] { return seed = seed * 1664525u + 1013904223u; };
  std::vector<std::string> prefixes = {"", "GET / HTTP/1.1\r\n", "POST /echo HTTP/1.1\r\nContent-Length: 5\r\n",
                                       "POST /echo HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"};
  for (int i = 0; i < 120; ++i) {
    std::string payload = prefixes[i % prefixes.size()];
    std::size_t n = next() % 1500;
    for (std::size_t k = 0; k < n; ++k) payload.push_back(static_cast<char>(next() >> 24));
    raw_conn c(s.port);
    ASSERT_TRUE(c.ok());
    c.send(payload);
    c.shutdown_write();
    EXPECT_GE(c.drain(3s), 0) << i;  // the server always ends the connection
  }
  auto ok = fetch("GET", s.url("/hello"), {}, "", 5s);
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200);
}

TEST(Server, ManyConcurrentClients) {
  router r = basic_router();
  running_server s(r);
  std::atomic<int> ok{0};
  std::vector<std::thread> clients;
  for (int t = 0; t < 8; ++t) {
    clients.emplace_back([&, t] {
      raw_conn c(s.port);
      for (int i = 0; i < 50; ++i) {
        std::string id = std::to_string(t * 1000 + i);
        if (!c.send("GET /items/" + id + " HTTP/1.1\r\nHost: x\r\n\r\n")) return;
        auto res = c.read_response();
        if (res && res->status == 200 && res->body == id) ++ok;
      }
    });
  }
  for (auto& c : clients) c.join();
  EXPECT_EQ(ok.load(), 400);
}
}  // namespace
}  // namespace authplane::http
