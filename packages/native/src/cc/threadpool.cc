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
#include <sys/syscall.h>
#include <unistd.h>
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

int64_t os_tid() {
#if defined(__linux__)
  return (int64_t)syscall(SYS_gettid);
#else
  return 0;
#endif
}

int env_int(const char* name, int fallback) {
  const char* s = std::getenv(name);
  if (!s || !*s) return fallback;
  char* end = nullptr;
  const long v = std::strtol(s, &end, 10);
  return (*end == 0 && v > 0 && v <= 100000) ? (int)v : fallback;
}

using Clock = std::chrono::steady_clock;
// How long a worker (and the caller waiting for workers) spins before sleeping:
// back-to-back calls in a training loop or in decoding then skip the futex
// wake-up (5-50 µs in a VM), and a worker costs at most this much CPU after its
// last task. (No sched_yield while spinning: it hands the core to whatever else
// is runnable, niced jobs included, for a whole time slice.)
const std::chrono::microseconds kSpin(env_int("ADJOINT_SPIN_US", 50));

// One parallel region at a time (ParallelLock). The caller posts a region to
// each worker it wants through that worker's mailbox (one cache line: the
// worker finds everything it needs in the one line it polls). A mailbox's state
// word [region:62][state:2] goes POSTED -> TAKEN (the worker, which then runs its
// own task, the task with its slot's number, and any shared ones) -> DONE, or
// POSTED -> CANCELLED (the caller, which ran out of work and runs that task
// itself). So a worker that the OS runs late (the other core is busy) finds its
// task done instead of holding the caller up, and never touches a finished
// region (whose state lives on the caller's stack).
//
// Sleeping and waking: a worker that stops spinning counts itself in `sleepers`
// before it blocks, and a caller waiting for a worker sets `caller_waiting`;
// each side takes the mutex and notifies only when the other may be blocked
// (store, full fence, then load of the other's flag: at least one of the two
// sees the other), so regions between awake threads involve no lock and no syscall.
enum : uint64_t { kCancelled = 0, kPosted = 1, kTaken = 2, kDone = 3 };

struct Region {
  TaskFn fn;
  int64_t tasks, homes;  // homes: tasks [0, homes) belong to slots [0, homes)
  std::atomic<int64_t> next;  // the next shared task (>= homes)
};

struct alignas(64) Mailbox {
  std::atomic<uint64_t> state{kCancelled};
  TaskFn fn;
  Region* region = nullptr;
  std::atomic<uint64_t> tasks_run{0};  // by this worker (only it writes it)
};

struct Pool {
  alignas(64) std::atomic<bool> busy{false};
  uint64_t region_seq = 0;  // the caller's (under ParallelLock)
  alignas(64) std::atomic<int> sleepers{0};
  std::atomic<int> workers{0};  // threads started
  std::atomic<uint64_t> pokes{0};  // wake_workers(): sleeping workers spin again
  std::atomic<uint64_t> sleeps{0};
  alignas(64) std::atomic<bool> caller_waiting{false};
  alignas(64) std::mutex mu;
  std::condition_variable work_cv, done_cv;
  std::vector<int64_t> tids;  // guarded by mu
  Mailbox box[256];  // box[slot], slots 1..255

  // Starts workers up to `count`; returns how many there are (fewer if the OS refused).
  int start_workers(int count) {
    int have = workers.load(std::memory_order_relaxed);
    while (have < count && have < 255) {
      const int slot = have + 1;
      try {
        std::thread([this, slot] { loop(slot); }).detach();
      } catch (...) {
        break;
      }
      workers.store(++have, std::memory_order_relaxed);
    }
    return have < count ? have : count;
  }

  // Returns once box.state's region differs from `seen`: spins for kSpin, then
  // blocks (also returns when poked while blocked).
  void wait_for_region(const Mailbox& b, uint64_t seen) {
    const uint64_t poke = pokes.load(std::memory_order_relaxed);
    const auto t0 = Clock::now();
    for (unsigned i = 1; b.state.load(std::memory_order_acquire) >> 2 == seen; ++i) {
      cpu_relax();
      if ((i & 15) != 0) continue;
      const auto t = Clock::now();
      if (t - t0 > kSpin) {
        sleepers.fetch_add(1, std::memory_order_seq_cst);
        sleeps.fetch_add(1, std::memory_order_relaxed);
        {
          std::unique_lock<std::mutex> lk(mu);
          work_cv.wait(lk, [&] {
            return b.state.load(std::memory_order_seq_cst) >> 2 != seen || pokes.load(std::memory_order_seq_cst) != poke;
          });
        }
        sleepers.fetch_sub(1, std::memory_order_relaxed);
        return;
      }
    }
  }

  void loop(int slot) {
    {
      std::lock_guard<std::mutex> lk(mu);
      tids.push_back(os_tid());
    }
    Mailbox& b = box[slot];
    uint64_t seen = b.state.load(std::memory_order_acquire) >> 2;
    for (;;) {
      wait_for_region(b, seen);
      uint64_t w = b.state.load(std::memory_order_acquire);
      if (w >> 2 == seen) continue;  // poked: spin again
      seen = w >> 2;
      if ((w & 3) != kPosted || !b.state.compare_exchange_strong(w, seen << 2 | kTaken, std::memory_order_acq_rel))
        continue;  // the caller took this slot's task
      uint64_t ran = 1;
      b.fn(slot, slot);
      if (b.region->tasks > b.region->homes)
        for (int64_t t; (t = b.region->next.fetch_add(1, std::memory_order_relaxed)) < b.region->tasks; ++ran)
          b.fn(slot, t);
      b.tasks_run.store(b.tasks_run.load(std::memory_order_relaxed) + ran, std::memory_order_relaxed);
      b.state.store(seen << 2 | kDone, std::memory_order_seq_cst);
      if (caller_waiting.load(std::memory_order_seq_cst)) {
        { std::lock_guard<std::mutex> lk(mu); }
        done_cv.notify_all();
      }
    }
  }

  void wake_sleepers() {
    if (sleepers.load(std::memory_order_seq_cst) == 0) return;
    pokes.fetch_add(1, std::memory_order_seq_cst);
    { std::lock_guard<std::mutex> lk(mu); }
    work_cv.notify_all();
  }

  // Slots 1..homes-1 are posted; the caller runs task 0, the shared tasks, and
  // the posted tasks no worker has taken, then waits for the workers that did.
  // Returns whether a worker was still on its task when the caller ran out of work.
  bool run(Region& r, Wake wake) {
    const uint64_t seq = ++region_seq;
    for (int64_t s = 1; s < r.homes; ++s) {
      Mailbox& b = box[s];
      b.fn = r.fn;
      b.region = &r;
      b.state.store(seq << 2 | kPosted, std::memory_order_release);
    }
    if (wake == Wake::All) {
      std::atomic_thread_fence(std::memory_order_seq_cst);
      if (sleepers.load(std::memory_order_seq_cst) > 0) {
        { std::lock_guard<std::mutex> lk(mu); }
        work_cv.notify_all();
      }
    }
    r.fn(0, 0);
    for (int64_t t; (t = r.next.fetch_add(1, std::memory_order_relaxed)) < r.tasks;) r.fn(0, t);
    for (int64_t s = 1; s < r.homes; ++s) {
      // a load first: a CAS would take the line from a worker that is still on its task
      uint64_t w = seq << 2 | kPosted;
      if (box[s].state.load(std::memory_order_relaxed) == w &&
          box[s].state.compare_exchange_strong(w, seq << 2 | kCancelled, std::memory_order_acq_rel))
        r.fn(0, s);
    }
    bool waited = false;
    for (int64_t s = 1; s < r.homes; ++s) waited |= wait_done(box[s], seq);
    return waited;
  }

  // Waits until box's region `seq` is DONE or CANCELLED: spins for kSpin, then
  // blocks. Returns whether it had to wait.
  bool wait_done(Mailbox& b, uint64_t seq) {
    auto over = [&] {
      const uint64_t w = b.state.load(std::memory_order_acquire);
      return w >> 2 != seq || (w & 3) == kDone || (w & 3) == kCancelled;
    };
    if (over()) return false;
    const auto t0 = Clock::now();
    for (unsigned i = 1; !over(); ++i) {
      cpu_relax();
      if ((i & 15) == 0 && Clock::now() - t0 > kSpin) {
        caller_waiting.store(true, std::memory_order_seq_cst);
        {
          std::unique_lock<std::mutex> lk(mu);
          done_cv.wait(lk, over);
        }
        caller_waiting.store(false, std::memory_order_relaxed);
        break;
      }
    }
    return true;
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

int ParallelLock::awake(int n) const {
  if (!held_ || n <= 1) return 1;
  Pool& p = pool();
  const int up = p.workers.load(std::memory_order_relaxed) - p.sleepers.load(std::memory_order_relaxed);
  return up + 1 < n ? (up > 0 ? up + 1 : 1) : n;
}

bool run_tasks(int n, int64_t tasks, TaskFn fn, Wake wake) {
  if (n <= 1 || tasks <= 1) {
    for (int64_t t = 0; t < tasks; ++t) fn(0, t);
    return false;
  }
  Region r;
  r.fn = fn;
  r.tasks = tasks;
  r.homes = tasks < n ? tasks : n;
  r.next.store(r.homes, std::memory_order_relaxed);
  return pool().run(r, wake);
}

void wake_workers() { pool().wake_sleepers(); }

PoolStats pool_stats() {
  Pool& p = pool();
  PoolStats s;
  s.worker_tasks = pool_worker_tasks();
  s.sleeps = p.sleeps.load(std::memory_order_relaxed);
  s.awake = p.workers.load(std::memory_order_relaxed) - p.sleepers.load(std::memory_order_relaxed);
  std::lock_guard<std::mutex> lk(p.mu);
  s.tids = p.tids;
  return s;
}

// Sums the workers' counts (each written by its worker before it marks its region done).
uint64_t pool_worker_tasks() {
  Pool& p = pool();
  uint64_t n = 0;
  for (int s = 1, w = p.workers.load(std::memory_order_relaxed); s <= w; ++s)
    n += p.box[s].tasks_run.load(std::memory_order_relaxed);
  return n;
}

}  // namespace adj
