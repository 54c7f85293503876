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

// The region in flight is packed in one word, so a worker always reads a
// matching (generation, thread count): gen << 16 | nthreads.
struct Pool {
  std::mutex mu;
  std::condition_variable work_cv, done_cv;
  std::atomic<uint64_t> state{0};
  std::atomic<int> remaining{0};
  std::atomic<bool> busy{false};
  const std::function<void(int)>* job = nullptr;
  int workers = 0;  // threads started; worker i runs task i (1-based)

  // Starts workers up to `count`; returns how many there are (fewer if the OS refused).
  int start_workers(int count) {
    while (workers < count) {
      const int idx = workers + 1;
      const uint64_t seen = state.load(std::memory_order_acquire) >> 16;
      try {
        std::thread([this, idx, seen] { loop(idx, seen); }).detach();
      } catch (...) {
        break;
      }
      workers = idx;
    }
    return workers < count ? workers : count;
  }

  void loop(int idx, uint64_t seen) {
    for (;;) {
      uint64_t s = state.load(std::memory_order_acquire);
      if ((s >> 16) == seen) {
        const auto t0 = std::chrono::steady_clock::now();
        for (unsigned i = 1; ((s = state.load(std::memory_order_acquire)) >> 16) == seen; ++i) {
          cpu_relax();
          if ((i & 255) == 0 && std::chrono::steady_clock::now() - t0 > kSpin) {
            std::unique_lock<std::mutex> lk(mu);
            work_cv.wait(lk, [&] { return (state.load(std::memory_order_acquire) >> 16) != seen; });
          }
        }
      }
      seen = s >> 16;
      if (idx < (int)(s & 0xffff)) {
        (*job)(idx);
        if (remaining.fetch_sub(1, std::memory_order_acq_rel) == 1) {
          std::lock_guard<std::mutex> lk(mu);
          done_cv.notify_one();
        }
      }
    }
  }

  void run(int n, const std::function<void(int)>& fn) {
    job = &fn;
    remaining.store(n - 1, std::memory_order_relaxed);
    {
      std::lock_guard<std::mutex> lk(mu);
      const uint64_t gen = (state.load(std::memory_order_relaxed) >> 16) + 1;
      state.store(gen << 16 | (uint64_t)n, std::memory_order_release);
    }
    work_cv.notify_all();
    fn(0);
    const auto t0 = std::chrono::steady_clock::now();
    for (unsigned i = 1; remaining.load(std::memory_order_acquire) != 0; ++i) {
      cpu_relax();
      if ((i & 255) == 0 && std::chrono::steady_clock::now() - t0 > kSpin) {
        std::unique_lock<std::mutex> lk(mu);
        done_cv.wait(lk, [&] { return remaining.load(std::memory_order_acquire) == 0; });
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

void run_parallel(int n, const std::function<void(int)>& fn) {
  if (n <= 1)
    fn(0);
  else
    pool().run(n, fn);
}

}  // namespace adj
