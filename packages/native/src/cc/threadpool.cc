#include "threadpool.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdlib>
#include <mutex>
#include <thread>
#include <vector>

#if defined(__linux__)
#include <sched.h>
#endif

namespace adj {
namespace {

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

int env_int(const char* name, int fallback) {
  const char* s = std::getenv(name);
  if (!s || !*s) return fallback;
  char* end = nullptr;
  const long v = std::strtol(s, &end, 10);
  return (*end == 0 && v > 0 && v <= 1024) ? (int)v : fallback;
}

// How long a worker (and the caller waiting for workers) spins before sleeping:
// back-to-back calls in a training loop then skip the futex wake-up.
const std::chrono::microseconds kSpin(env_int("ADJOINT_SPIN_US", 50));

// One parallel region at a time (ParallelLock). A region is published by
// bumping `gen`; each worker that wakes up then tries to *join* it through one
// atomic word, [gen:32][closed:1][max:15][joined:16]. The caller runs its share
// (fn(0)) and then closes the region: workers that had not joined by then never
// will, so the caller only waits for those that did. With dynamic task claiming
// (run_tasks) a worker that the OS schedules late (the other core is busy)
// simply finds no work left, instead of holding the caller up.
constexpr uint64_t kClosed = uint64_t(1) << 31;

struct Pool {
  std::mutex mu;
  std::condition_variable work_cv, done_cv;
  std::atomic<uint64_t> gen{0};
  std::atomic<uint64_t> join{0};
  std::atomic<int> finished{0};
  std::atomic<bool> busy{false};
  const std::function<void(int)>* job = nullptr;
  int workers = 0;  // threads started

  // Starts workers up to `count`; returns how many there are (fewer if the OS refused).
  int start_workers(int count) {
    while (workers < count) {
      const uint64_t seen = gen.load(std::memory_order_acquire);
      try {
        std::thread([this, seen] { loop(seen); }).detach();
      } catch (...) {
        break;
      }
      ++workers;
    }
    return workers < count ? workers : count;
  }

  void loop(uint64_t seen) {
    for (;;) {
      if (gen.load(std::memory_order_acquire) == seen) {
        const auto t0 = std::chrono::steady_clock::now();
        for (unsigned i = 1; gen.load(std::memory_order_acquire) == seen; ++i) {
          cpu_relax();
          if ((i & 255) == 0 && std::chrono::steady_clock::now() - t0 > kSpin) {
            std::unique_lock<std::mutex> lk(mu);
            work_cv.wait(lk, [&] { return gen.load(std::memory_order_acquire) != seen; });
          }
        }
      }
      seen = gen.load(std::memory_order_acquire);
      int slot = -1;
      uint64_t w = join.load(std::memory_order_acquire);
      while ((w >> 32) == (seen & 0xffffffffu) && !(w & kClosed) && (w & 0xffff) < ((w >> 16) & 0x7fff)) {
        if (join.compare_exchange_weak(w, w + 1, std::memory_order_acq_rel)) {
          slot = (int)(w & 0xffff) + 1;
          break;
        }
      }
      if (slot < 0) continue;
      (*job)(slot);
      finished.fetch_add(1, std::memory_order_acq_rel);
      std::lock_guard<std::mutex> lk(mu);
      done_cv.notify_one();
    }
  }

  void run(int n, const std::function<void(int)>& fn) {
    job = &fn;
    finished.store(0, std::memory_order_relaxed);
    const uint64_t g = gen.load(std::memory_order_relaxed) + 1;
    join.store((g & 0xffffffffu) << 32 | (uint64_t)(n - 1) << 16, std::memory_order_release);
    {
      std::lock_guard<std::mutex> lk(mu);
      gen.store(g, std::memory_order_release);
    }
    work_cv.notify_all();
    fn(0);
    const int joined = (int)(join.fetch_or(kClosed, std::memory_order_acq_rel) & 0xffff);
    const auto t0 = std::chrono::steady_clock::now();
    for (unsigned i = 1; finished.load(std::memory_order_acquire) != joined; ++i) {
      cpu_relax();
      if ((i & 255) == 0 && std::chrono::steady_clock::now() - t0 > kSpin) {
        std::unique_lock<std::mutex> lk(mu);
        done_cv.wait(lk, [&] { return finished.load(std::memory_order_acquire) == joined; });
      }
    }
  }
};

// Never destroyed: detached workers may still wait on its condition variable at exit.
Pool& pool() {
  static Pool* p = new Pool();
  return *p;
}

int cpus() {
#if defined(__linux__)
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof(set), &set) == 0) {
    const int n = CPU_COUNT(&set);
    if (n > 0) return n;
  }
#endif
  const unsigned n = std::thread::hardware_concurrency();
  return n > 0 ? (int)n : 1;
}

std::atomic<int>& threads() {
  static std::atomic<int> t{default_num_threads()};
  return t;
}

}  // namespace

int default_num_threads() { return env_int("ADJOINT_NUM_THREADS", cpus()); }
int num_threads() { return threads().load(std::memory_order_relaxed); }
void set_num_threads(int n) { threads().store(n < 1 ? 1 : n > 256 ? 256 : n, std::memory_order_relaxed); }

ParallelLock::ParallelLock() {
  bool expected = false;
  held_ = pool().busy.compare_exchange_strong(expected, true, std::memory_order_acquire);
}
ParallelLock::~ParallelLock() {
  if (held_) pool().busy.store(false, std::memory_order_release);
}

int ParallelLock::reserve(int n) {
  if (!held_ || n <= 1) return 1;
  return pool().start_workers(n - 1) + 1;
}

std::atomic<uint64_t> g_worker_tasks{0};

uint64_t pool_worker_tasks() { return g_worker_tasks.load(std::memory_order_relaxed); }

void run_tasks(int n, int64_t tasks, const std::function<void(int, int64_t)>& fn) {
  std::atomic<int64_t> next{0};
  const std::function<void(int)> body = [&](int slot) {
    uint64_t ran = 0;
    for (int64_t t; (t = next.fetch_add(1, std::memory_order_relaxed)) < tasks; ++ran) fn(slot, t);
    if (slot > 0 && ran > 0) g_worker_tasks.fetch_add(ran, std::memory_order_relaxed);
  };
  if (n <= 1 || tasks <= 1)
    body(0);
  else
    pool().run(n, body);
}

}  // namespace adj
