// A small persistent thread pool shared by the whole process (every
// worker_thread that loads the addon uses the same one). One parallel region
// runs at a time: a caller that finds the pool busy gets `false` and computes
// on its own thread instead, so concurrent JS threads never block each other
// and the pool is never oversubscribed.
//
// Workers spin for a short while after each region (ADJOINT_SPIN_US, 50 µs by
// default), then sleep: back-to-back regions
// (a training step, decoding) start without a wake-up, and an idle process
// costs no CPU.
#pragma once
#include <cstdint>
#include <cstring>
#include <new>
#include <type_traits>
#include <vector>

namespace adj {

// Number of threads a parallel region may use (>= 1). Default: ADJOINT_NUM_THREADS,
// else the CPUs this process may run on.
int num_threads();
void set_num_threads(int n);
int default_num_threads();

// Exclusive use of the "parallel resources": our pool, and OpenBLAS's own pool
// (so the two never run at once). held() is false if another thread has them:
// then compute single-threaded on the calling thread.
class ParallelLock {
 public:
  ParallelLock();
  ~ParallelLock();
  ParallelLock(const ParallelLock&) = delete;
  ParallelLock& operator=(const ParallelLock&) = delete;
  bool held() const { return held_; }
  // Makes sure n threads can run (starting workers if needed); returns how many
  // can (1 when the lock is not held, fewer than n if the OS refused threads).
  int reserve(int n);
  // How many threads can run a region right now without waking one: the caller
  // and the workers that are awake (spinning after their last region); 1 when
  // the lock is not held. For products so small that a wake-up costs more than
  // they do (decoding): run_tasks(n, ..., Wake::Awake) with n <= this.
  int awake(int n) const;

 private:
  bool held_;
};

// A callable run_tasks calls as fn(slot, task), without allocating. A small,
// trivially copyable callable (up to kInline bytes: e.g. a lambda that captures a
// few values) is copied into the TaskFn itself, which the pool copies into the
// cache line each worker polls: the worker then finds its task in the one line
// that told it to start, and reads nothing from the caller's stack (each such
// read is a cross-core cache miss, ~0.2 µs on the Xeon VM). Anything else is
// called through a pointer to it (it must outlive the region).
class TaskFn {
 public:
  static constexpr size_t kInline = 48;
  TaskFn() = default;
  template <class F>
  TaskFn(F& f) {  // NOLINT: implicit, as run_tasks' callables convert
    if constexpr (sizeof(F) <= kInline && alignof(F) <= 8 && std::is_trivially_copyable_v<F> &&
                  std::is_invocable_v<const F&, int, int64_t>) {
      std::memcpy(buf_, static_cast<const void*>(&f), sizeof(F));
      call_ = [](const void* p, int slot, int64_t t) { (*std::launder(static_cast<const F*>(p)))(slot, t); };
    } else {
      F* fp = &f;
      std::memcpy(buf_, &fp, sizeof fp);
      call_ = [](const void* p, int slot, int64_t t) {
        F* g;
        std::memcpy(&g, p, sizeof g);
        (*g)(slot, t);
      };
    }
  }
  void operator()(int slot, int64_t t) const { call_(buf_, slot, t); }

 private:
  void (*call_)(const void*, int, int64_t) = nullptr;
  alignas(8) unsigned char buf_[kInline] = {};
};
static_assert(sizeof(TaskFn) == 56, "TaskFn fills a cache line with the region number");

enum class Wake { All, Awake };

// Runs fn(slot, task) for every task in [0, tasks) on up to n threads: the
// caller (slot 0) and the pool workers that join in time (slots 1..n-1), each
// claiming the next task until none is left; returns when all are done. Task t
// goes to slot t when that slot's thread is there to claim it first (the caller
// takes task 0 at once), so that a product split the same way twice gives each
// core the same part (its operands are still in that core's cache). A slot's
// task that its worker has not taken when the caller runs out of work is run by
// the caller (with Wake::Awake, after a few µs' grace: such regions are made of
// tasks of a few µs, which an awake worker takes within it). Wake::Awake wakes
// no sleeping worker (only spinning ones can join). The caller must hold a
// ParallelLock and n <= lock.reserve(n). fn must not throw. Returns whether the
// caller, out of work, found a worker not done yet (the caller's share of a
// split was too small).
bool run_tasks(int n, int64_t tasks, TaskFn fn, Wake wake = Wake::All);
template <class F>
bool run_tasks(int n, int64_t tasks, F&& fn, Wake wake = Wake::All) {
  return run_tasks(n, tasks, TaskFn(fn), wake);
}

// Makes sleeping workers spin again (for ADJOINT_SPIN_US) without waiting for
// them: the next regions (e.g. the next decoding steps' Wake::Awake products) find
// them awake. Costs the caller a futex wake when a worker sleeps, nothing otherwise.
void wake_workers();

// For tests and benchmarks: what the pool's workers did since load.
struct PoolStats {
  uint64_t worker_tasks;  // tasks run by workers (slots >= 1, not the caller)
  uint64_t sleeps;        // times a worker stopped spinning and blocked
  uint64_t given_back;    // tasks a worker gave back because the caller had taken them back
  int awake;              // workers not blocked now
  std::vector<int64_t> tids;  // the workers' OS thread ids (Linux; else empty)
};
PoolStats pool_stats();
// For tests: every worker sleeps `us` µs after it sees a region, before it takes
// its task (where = 1) or after taking it, before it checks whether the caller
// took it back (where = 2); where = 0: no delay.
void set_pool_test_delay(int where, int us);
// How long workers (and a caller waiting for them) spin before they block, in µs
// (ADJOINT_SPIN_US at load); returns the previous value.
int64_t set_spin_us(int64_t us);
// pool_stats().worker_tasks: lets tests check that a parallel region really used other threads.
uint64_t pool_worker_tasks();

}  // namespace adj
