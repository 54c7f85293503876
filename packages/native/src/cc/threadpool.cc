#include "threadpool.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

#include "env.h"

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

using Clock = std::chrono::steady_clock;
// How long a worker (and the caller waiting for workers) spins before sleeping:
// back-to-back calls in a training loop or in decoding then skip the futex
// wake-up (5-50 µs in a VM), and a worker costs at most this much CPU after its
// last task. (No sched_yield while spinning: it hands the core to whatever else
// is runnable, niced jobs included, for a whole time slice.)
std::atomic<int64_t> g_spin_us{env_int("ADJOINT_SPIN_US", 50, 0, 100000,
                                      "microseconds pool threads spin before they block; unset: 50")};
std::chrono::microseconds spin_time() { return std::chrono::microseconds(g_spin_us.load(std::memory_order_relaxed)); }
// ADJOINT_NUM_THREADS, 0 when unset (then: the CPUs this process may use).
const int kEnvThreads = env_int("ADJOINT_NUM_THREADS", 0, 1, 256, "threads; unset: the CPUs this process may use");

// One parallel region at a time (ParallelLock). Each worker slot has four cache
// lines, each written by one side only, so that handing a task over costs one
// line transfer each way (~0.2 µs between the two vCPUs of the Xeon VM: a
// one-row decode product is ~2 µs):
//   Post   (caller) the region number and the task function, inline (TaskFn):
//                   the worker polls this line and finds all it needs in it;
//   Cancel (caller) the last region whose posted task the caller took back;
//   Ack    (worker) the last region the worker took, and how many tasks it ran;
//   Done   (worker) the last region it finished: region << 1 | 1 if it gave the
//                   task back instead (the caller had cancelled it).
// Taking a task and taking it back is Dekker's handshake: the worker stores Ack,
// fences, then loads Cancel; the caller stores Cancel, fences, then loads Ack; at
// least one of the two sees the other's store. A worker that sees the cancel
// gives the task back; a caller that sees the ack waits for Done (and runs the
// task itself if Done says it was given back), one that does not runs the task
// itself, and the worker will give it back. So a worker that the OS runs late
// (the other core busy) never holds the caller up for long, and never touches a
// finished region (whose state lives on the caller's stack). Cancel and Ack are
// read by the other side only when the caller runs out of work before the worker
// is done: for a region made of tasks that take a few µs (Wake::Awake: decoding)
// the caller first waits kAwakeGrace for Done, which a running worker sends
// within it, so that the usual hand-off moves no other line.
//
// Sleeping and waking: a worker that stops spinning counts itself in `sleepers`
// before it blocks, and a caller waiting for a worker sets `caller_waiting`;
// each side takes the mutex and notifies only when the other may be blocked
// (store, full fence, then load of the other's flag: at least one of the two
// sees the other), so regions between awake threads involve no lock and no syscall.
constexpr std::chrono::microseconds kAwakeGrace(5);

struct Region {
  TaskFn fn;
  int64_t tasks, homes;  // homes: tasks [0, homes) belong to slots [0, homes)
  std::atomic<int64_t> next;  // the next shared task (>= homes)
};

struct alignas(64) Post {
  std::atomic<uint64_t> word{0};  // region << 1 | 1 when the region has shared tasks (Pool::region)
  TaskFn fn;
};
static_assert(sizeof(Post) == 64, "a worker's post is one cache line");
struct alignas(64) Seq {
  std::atomic<uint64_t> word{0};
};
struct alignas(64) Ack {
  std::atomic<uint64_t> region{0};
  std::atomic<uint64_t> tasks_run{0};  // by this worker (only it writes it)
};
// Post and Cancel (the caller's) share an aligned 128-byte pair, Ack and Done
// (the worker's) the next: a core that misses one line of a pair also fetches
// the other (adjacent-line prefetch), which is then its own side's.
struct alignas(128) Slot {
  Post post;
  Seq cancel;
  Ack ack;
  Seq done;
};

struct Pool {
  alignas(64) std::atomic<bool> busy{false};
  uint64_t region_seq = 0;  // the caller's (under ParallelLock)
  std::atomic<Region*> region{nullptr};  // the region with shared tasks, if any (set before its posts)
  alignas(64) std::atomic<int> sleepers{0};
  std::atomic<int> workers{0};  // threads started
  std::atomic<uint64_t> pokes{0};  // wake_workers(): sleeping workers spin again
  std::atomic<uint64_t> sleeps{0};
  std::atomic<uint64_t> given_back{0};
  std::atomic<int> test_delay_where{0}, test_delay_us{0};  // set_pool_test_delay
  alignas(64) std::atomic<bool> caller_waiting{false};
  alignas(64) std::mutex mu;
  std::condition_variable work_cv, done_cv;
  std::vector<int64_t> tids;  // guarded by mu
  Slot slot[256];  // slot[s], slots 1..255

  // Starts workers up to `count`; returns how many there are (fewer if the OS refused).
  int start_workers(int count) {
    int have = workers.load(std::memory_order_relaxed);
    while (have < count && have < 255) {
      const int s = have + 1;
      try {
        std::thread([this, s] { loop(s); }).detach();
      } catch (...) {
        break;
      }
      workers.store(++have, std::memory_order_relaxed);
    }
    return have < count ? have : count;
  }

  // Returns once the post's region differs from `seen`: spins for the spin time, then
  // blocks (also returns when poked while blocked).
  void wait_for_region(const Post& p, uint64_t seen) {
    const uint64_t poke = pokes.load(std::memory_order_relaxed);
    const auto t0 = Clock::now();
    for (unsigned i = 1; p.word.load(std::memory_order_acquire) >> 1 == seen; ++i) {
      cpu_relax();
      if ((i & 15) != 0) continue;
      const auto t = Clock::now();
      if (t - t0 > spin_time()) {
        sleepers.fetch_add(1, std::memory_order_seq_cst);
        sleeps.fetch_add(1, std::memory_order_relaxed);
        {
          std::unique_lock<std::mutex> lk(mu);
          work_cv.wait(lk, [&] {
            return p.word.load(std::memory_order_seq_cst) >> 1 != seen || pokes.load(std::memory_order_seq_cst) != poke;
          });
        }
        sleepers.fetch_sub(1, std::memory_order_relaxed);
        return;
      }
    }
  }

  // Tests: a worker that the OS runs late, before it takes its task (1) or
  // between taking it and checking whether the caller took it back (2).
  void test_delay(int where) {
    if (test_delay_where.load(std::memory_order_relaxed) == where)
      std::this_thread::sleep_for(std::chrono::microseconds(test_delay_us.load(std::memory_order_relaxed)));
  }

  void finish(Slot& sl, uint64_t word) {
    sl.done.word.store(word, std::memory_order_seq_cst);
    if (caller_waiting.load(std::memory_order_seq_cst)) {
      { std::lock_guard<std::mutex> lk(mu); }
      done_cv.notify_all();
    }
  }

  void loop(int s) {
    {
      std::lock_guard<std::mutex> lk(mu);
      tids.push_back(os_tid());
    }
    Slot& sl = slot[s];
    uint64_t seen = sl.post.word.load(std::memory_order_acquire) >> 1;
    for (;;) {
      wait_for_region(sl.post, seen);
      const uint64_t w = sl.post.word.load(std::memory_order_acquire);
      if (w >> 1 == seen) continue;  // poked: spin again
      seen = w >> 1;
      test_delay(1);
      sl.ack.region.store(seen, std::memory_order_relaxed);
      std::atomic_thread_fence(std::memory_order_seq_cst);
      test_delay(2);
      if (sl.cancel.word.load(std::memory_order_relaxed) >= seen) {
        given_back.fetch_add(1, std::memory_order_relaxed);
        finish(sl, seen << 1 | 1);  // the caller took the task back (the post may hold a later region's by now)
        continue;
      }
      // Not cancelled: the region is not over, so the post still holds its task.
      uint64_t ran = 1;
      sl.post.fn(s, s);
      if (w & 1) {
        Region* r = region.load(std::memory_order_relaxed);
        for (int64_t t; (t = r->next.fetch_add(1, std::memory_order_relaxed)) < r->tasks; ++ran) r->fn(s, t);
      }
      sl.ack.tasks_run.store(sl.ack.tasks_run.load(std::memory_order_relaxed) + ran, std::memory_order_relaxed);
      finish(sl, seen << 1);
    }
  }

  void wake_sleepers() {
    if (sleepers.load(std::memory_order_seq_cst) == 0) return;
    pokes.fetch_add(1, std::memory_order_seq_cst);
    { std::lock_guard<std::mutex> lk(mu); }
    work_cv.notify_all();
  }

  // Slots 1..homes-1 are posted; the caller runs task 0, the shared tasks, and
  // the posted tasks that no worker took in time, then waits for the workers that
  // did. Returns whether a worker was still on its task when the caller ran out of work.
  bool run(Region& r, Wake wake) {
    const uint64_t seq = ++region_seq;
    const bool shared = r.tasks > r.homes;
    if (shared) region.store(&r, std::memory_order_relaxed);
    for (int64_t s = 1; s < r.homes; ++s) {
      Post& p = slot[s].post;
      p.fn = r.fn;
      p.word.store(seq << 1 | (shared ? 1 : 0), std::memory_order_release);
    }
    if (wake == Wake::All) {
      std::atomic_thread_fence(std::memory_order_seq_cst);
      if (sleepers.load(std::memory_order_seq_cst) > 0) {
        { std::lock_guard<std::mutex> lk(mu); }
        work_cv.notify_all();
      }
    }
    r.fn(0, 0);
    if (shared)
      for (int64_t t; (t = r.next.fetch_add(1, std::memory_order_relaxed)) < r.tasks;) r.fn(0, t);
    bool waited = false;
    for (int64_t s = 1; s < r.homes; ++s) {
      Slot& sl = slot[s];
      uint64_t d = sl.done.word.load(std::memory_order_acquire);
      if (d >> 1 != seq) {
        waited = true;
        if (wake == Wake::Awake) d = wait_done(sl, seq, true);
        if (d >> 1 != seq) {
          sl.cancel.word.store(seq, std::memory_order_relaxed);
          std::atomic_thread_fence(std::memory_order_seq_cst);
          if (sl.ack.region.load(std::memory_order_relaxed) != seq) {
            r.fn(0, s);  // the worker has not taken it, and now will not
            continue;
          }
          d = wait_done(sl, seq, false);
        }
      }
      if (d & 1) r.fn(0, s);  // given back
    }
    return waited;
  }

  // Waits until slot's Done says region `seq`: spins for kAwakeGrace and returns
  // (limited), or spins for the spin time, then blocks. Returns Done's word.
  uint64_t wait_done(Slot& sl, uint64_t seq, bool limited) {
    uint64_t d = 0;
    auto over = [&] {
      d = sl.done.word.load(std::memory_order_acquire);
      return d >> 1 == seq;
    };
    // the clock is read from the 16th spin on (a worker about to finish is seen before)
    Clock::time_point t0;
    const auto spin = limited ? std::chrono::microseconds(kAwakeGrace) : spin_time();
    for (unsigned i = 1; !over(); ++i) {
      cpu_relax();
      if (i == 16) t0 = Clock::now();
      if (i <= 16 || (i & 15) != 0 || Clock::now() - t0 <= spin) continue;
      if (limited) break;
      caller_waiting.store(true, std::memory_order_seq_cst);
      {
        std::unique_lock<std::mutex> lk(mu);
        done_cv.wait(lk, over);
      }
      caller_waiting.store(false, std::memory_order_relaxed);
      break;
    }
    return d;
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

int default_num_threads() { return kEnvThreads > 0 ? kEnvThreads : cpus(); }
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

int64_t set_spin_us(int64_t us) { return g_spin_us.exchange(us, std::memory_order_relaxed); }

void set_pool_test_delay(int where, int us) {
  pool().test_delay_us.store(us, std::memory_order_relaxed);
  pool().test_delay_where.store(where, std::memory_order_relaxed);
}

PoolStats pool_stats() {
  Pool& p = pool();
  PoolStats s;
  s.worker_tasks = pool_worker_tasks();
  s.sleeps = p.sleeps.load(std::memory_order_relaxed);
  s.given_back = p.given_back.load(std::memory_order_relaxed);
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
    n += p.slot[s].ack.tasks_run.load(std::memory_order_relaxed);
  return n;
}

}  // namespace adj
