// A small persistent thread pool shared by the whole process (every
// worker_thread that loads the addon uses the same one). One parallel region
// runs at a time: a caller that finds the pool busy gets `false` and computes
// on its own thread instead, so concurrent JS threads never block each other
// and the pool is never oversubscribed.
#pragma once
#include <cstdint>
#include <functional>

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

 private:
  bool held_;
};

// Runs fn(slot, task) for every task in [0, tasks) on up to n threads: the
// caller (slot 0) and the pool workers that wake up in time (slots 1..n-1),
// each claiming the next task until none is left. Returns when all are done.
// The caller must hold a ParallelLock and n <= lock.reserve(n). fn must not throw.
void run_tasks(int n, int64_t tasks, const std::function<void(int, int64_t)>& fn);

// How many tasks pool workers (slots >= 1, not the caller) have run since load:
// lets tests check that a parallel region really used other threads.
uint64_t pool_worker_tasks();

}  // namespace adj
