// The bounded lane that runs password verification off the I/O threads: jobs run on its own
// threads in order, a full queue refuses at once without running or keeping the job, a throwing
// job does not stop the lane, and destruction drops the jobs still waiting.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

#include "authplane/services/password_lane.hpp"

namespace authplane::services {
namespace {

using namespace std::chrono_literals;

// A gate the test opens to let blocked jobs finish.
struct gate {
  std::mutex m;
  std::condition_variable cv;
  bool open = false;
  void wait() {
    std::unique_lock lk(m);
    cv.wait(lk, [&] { return open; });
  }
  void release() {
    {
      std::lock_guard lk(m);
      open = true;
    }
    cv.notify_all();
  }
};

// Waits (bounded) until pred() holds.
template <class P>
bool eventually(P pred) {
  for (int i = 0; i < 2000; ++i) {
    if (pred()) return true;
    std::this_thread::sleep_for(1ms);
  }
  return pred();
}

TEST(password_lane, RunsJobsOnItsOwnThreadInOrder) {
  password_lane lane({.workers = 1, .max_queued = 8});
  EXPECT_EQ(lane.workers(), 1u);
  EXPECT_EQ(lane.max_queued(), 8u);
  std::vector<int> order;
  std::mutex m;
  std::promise<std::thread::id> where;
  auto done = where.get_future();
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(lane.try_post([&, i] {
      std::lock_guard lk(m);
      order.push_back(i);
      if (i == 4) where.set_value(std::this_thread::get_id());
    }));
  }
  ASSERT_EQ(done.wait_for(5s), std::future_status::ready);
  EXPECT_NE(done.get(), std::this_thread::get_id());
  std::lock_guard lk(m);
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 3, 4}));
}

TEST(password_lane, FullQueueRefusesAtOnceWithoutRunningOrKeepingTheJob) {
  password_lane lane({.workers = 1, .max_queued = 2});
  gate g;
  std::atomic<int> ran{0};
  ASSERT_TRUE(lane.try_post([&] { g.wait(); ++ran; }));  // occupies the worker
  ASSERT_TRUE(eventually([&] { return lane.running() == 1; }));
  EXPECT_TRUE(lane.try_post([&] { ++ran; }));
  EXPECT_TRUE(lane.try_post([&] { ++ran; }));
  EXPECT_EQ(lane.waiting(), 2u);

  auto held = std::make_shared<int>(7);
  std::weak_ptr<int> watch = held;
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_FALSE(lane.try_post([&ran, h = std::move(held)] { ++ran; }));
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 100ms);  // no waiting for the worker
  EXPECT_TRUE(watch.expired());                               // the refused job was not kept
  EXPECT_EQ(lane.waiting(), 2u);

  g.release();
  ASSERT_TRUE(eventually([&] { return ran.load() == 3 && lane.running() == 0; }));
  EXPECT_EQ(lane.waiting(), 0u);
  // Room again once drained.
  std::promise<void> p;
  EXPECT_TRUE(lane.try_post([&] { p.set_value(); }));
  EXPECT_EQ(p.get_future().wait_for(5s), std::future_status::ready);
}

TEST(password_lane, WorkersBoundTheConcurrency) {
  password_lane lane({.workers = 2, .max_queued = 16});
  EXPECT_EQ(lane.workers(), 2u);
  gate g;
  std::atomic<int> started{0};
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(lane.try_post([&] {
      ++started;
      g.wait();
    }));
  }
  // Two run at once; the third waits for a free worker.
  ASSERT_TRUE(eventually([&] { return started.load() == 2; }));
  std::this_thread::sleep_for(20ms);
  EXPECT_EQ(started.load(), 2);
  EXPECT_EQ(lane.running(), 2u);
  EXPECT_EQ(lane.waiting(), 1u);
  g.release();
  ASSERT_TRUE(eventually([&] { return started.load() == 3 && lane.running() == 0; }));
}

TEST(password_lane, ThrowingJobDoesNotStopTheLane) {
  password_lane lane({.workers = 1, .max_queued = 4});
  ASSERT_TRUE(lane.try_post([] { throw std::runtime_error("boom"); }));
  std::promise<void> p;
  ASSERT_TRUE(lane.try_post([&] { p.set_value(); }));
  EXPECT_EQ(p.get_future().wait_for(5s), std::future_status::ready);
}

TEST(password_lane, EmptyJobIsRefused) {
  password_lane lane({.workers = 1, .max_queued = 4});
  EXPECT_FALSE(lane.try_post(nullptr));
  EXPECT_EQ(lane.waiting(), 0u);
}

TEST(password_lane, DestructionFinishesTheRunningJobAndDropsTheWaitingOnes) {
  gate g;
  std::atomic<int> ran{0};
  auto held = std::make_shared<int>(1);
  std::weak_ptr<int> watch = held;
  std::thread opener;
  {
    password_lane lane({.workers = 1, .max_queued = 4});
    ASSERT_TRUE(lane.try_post([&] { g.wait(); ++ran; }));
    ASSERT_TRUE(eventually([&] { return lane.running() == 1; }));
    ASSERT_TRUE(lane.try_post([&ran, h = std::move(held)] { ++ran; }));
    opener = std::thread([&] {
      std::this_thread::sleep_for(100ms);  // the destructor has taken the waiting job by then
      g.release();
    });
  }  // joins the worker after its current job
  opener.join();
  EXPECT_EQ(ran.load(), 1);
  EXPECT_TRUE(watch.expired());
}

TEST(password_lane, DefaultWorkersIsOneOrTwo) {
  const auto n = password_lane::default_workers();
  EXPECT_GE(n, 1u);
  EXPECT_LE(n, 2u);
}

}  // namespace
}  // namespace authplane::services
