// Benchmark probes, measured inside C++ (no N-API call per iteration):
//   timeGemm(m, n, k, iters, how, layout, threads) -> [wall, thread CPU] seconds per call
//   fmaPeak(isa, iters, threads) -> [wall, thread CPU] GFLOP/s of independent vector FMAs
//   cpuClockGHz() -> the core clock
//   readPeak(isa, kib, passes) -> [best, median] GB/s at which one core reads a buffer of that size
//   poolRoundTrip(iters) -> [seconds, fraction joined] per empty 2-thread region (the decode hand-off)
//   poolState() -> what the thread pool's workers did, and their thread ids
//   poolTestDelay(where, us) -> makes the pool's workers late (tests)
#include <time.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <random>
#include <thread>
#include <vector>

#include "binding.h"
#include "blas.h"
#include "cpu.h"
#include "gemm.h"
#include "threadpool.h"

namespace adj {
namespace {

// Runs once() iters times; [wall, thread CPU] seconds per call.
struct Secs {
  double wall, cpu;
};
template <class F>
Secs time_calls(int64_t iters, F&& once) {
  timespec c0{}, c1{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c0);
  const auto t0 = std::chrono::steady_clock::now();
  for (int64_t i = 0; i < iters; ++i) once();
  const std::chrono::duration<double> dt = std::chrono::steady_clock::now() - t0;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c1);
  const double cpu = (double)(c1.tv_sec - c0.tv_sec) + 1e-9 * (double)(c1.tv_nsec - c0.tv_nsec);
  return {dt.count() / (double)iters, cpu / (double)iters};
}
napi_value to_js(napi_env env, Secs s) {
  const double v[2] = {s.wall, s.cpu};
  return make_number_array(env, v, 2);
}

// Untimed calls before a sample, so that it times the product as a loop of
// products runs it (a training step's): on more than one thread, with the
// threads awake. Threads that slept since the last sample (they block after
// ~50 µs idle, ours and OpenBLAS's alike) take 50-300 µs to run again once woken
// on the Xeon VM, which on a 0.5 ms sample would read as poor 2-thread scaling:
// the calls go on until one of the own pool's workers took part in one (own), or
// for 1 ms (OpenBLAS, whose threads cannot be observed); at most 20 ms.
template <class F>
void warm_up(int threads, bool own, F&& once) {
  once();
  if (threads <= 1) return;
  const auto t0 = std::chrono::steady_clock::now();
  for (;;) {
    const uint64_t before = pool_worker_tasks();
    once();
    const auto dt = std::chrono::steady_clock::now() - t0;
    if (own ? pool_worker_tasks() > before : dt >= std::chrono::milliseconds(1)) return;
    if (dt >= std::chrono::milliseconds(20)) return;
  }
}

// Runs setup(i) and then work(i) on `threads` threads at once, i = 0 on the
// calling thread and 1.. on new ones. Returns the wall time from the moment the
// last thread finished its setup to the moment the last one finished its work
// (the OS's thread start, tens of µs, is not counted), and the calling thread's
// CPU time for its work. A thread waits for the others spinning for up to 200 µs
// (one the OS starts on a free core arrives well within it), then yielding its
// core: with the other core busy, the OS may put the new thread on the waiting
// one's core, and a pure spin held it a whole time slice (on one core 2 threads
// read 0.45x one instead of ~1x). Not a yield from the start: that hands the core
// to any runnable job, even a nice 19 one, for a time slice.
template <class Setup, class Work>
Secs run_together(int threads, Setup&& setup, Work&& work) {
  using Clock = std::chrono::steady_clock;
  std::atomic<int> ready{0};
  Clock::time_point start;
  std::vector<Clock::time_point> done((size_t)threads);
  double cpu = 0;
  auto one = [&](int i) {
    setup(i);
    if (ready.fetch_add(1) + 1 == threads) start = Clock::now();
    const Clock::time_point spin_until = Clock::now() + std::chrono::microseconds(200);
    while (ready.load() < threads)
      if (Clock::now() > spin_until) std::this_thread::yield();
    if (i == 0) {
      cpu = time_calls(1, [&] { work(0); }).cpu;
    } else {
      work(i);
    }
    done[(size_t)i] = Clock::now();
  };
  std::vector<std::thread> others;
  for (int i = 1; i < threads; ++i) others.emplace_back(one, i);
  one(0);
  for (std::thread& th : others) th.join();
  const std::chrono::duration<double> wall = *std::max_element(done.begin(), done.end()) - start;
  return {wall.count(), cpu};
}

// Forces the built-in gemm for a scope (timeGemm's "own" and "apart"), then restores the choice.
struct BuiltinFor {
  GemmImpl before = gemm_impl();
  BuiltinFor() { set_gemm_impl(GemmImpl::Builtin); }
  ~BuiltinFor() { set_gemm_impl(before); }
};

// Sets the thread count (ours and OpenBLAS's) for a scope, then restores it.
struct ThreadsFor {
  int before;
  explicit ThreadsFor(int n) : before(num_threads()) {
    set_num_threads(n);
    blas_set_threads(n);
  }
  ~ThreadsFor() {
    set_num_threads(before);
    blas_set_threads(before);
  }
};

// n floats whose first starts on a 64-byte line, as @adjoint/native's arrays
// of 4 KiB or more do (aligned-arrays.ts); zero-filled.
struct LineFloats {
  std::vector<float> v;
  float* p = nullptr;
  size_t n = 0;
  void assign(size_t count) {
    v.assign(count + 16, 0.0f);
    p = v.data() + ((64 - (uintptr_t)v.data() % 64) % 64) / sizeof(float);
    n = count;
  }
};

// timeGemm(m, n, k, iters, how, layout = "nn", threads = 1): [wall, thread CPU]
// seconds per float32 C = op(A) @ op(B) (beta 0), op = transpose where layout
// says "t" ("nt": A @ B^T, as nn.Linear's forward; "tn": A^T @ B, as a weight
// gradient). how = "cblas" calls cblas_sgemm directly, "own" runs the built-in
// kernel, both on `threads` threads; "apart" runs the built-in kernel on one
// thread, on each of `threads` threads at once (seconds per call of each: the
// wall time of the lot over iters); "driver" goes through gemm()'s dispatch and
// threads as they are set.
napi_value TimeGemm(napi_env env, napi_callback_info info) {
  return guard(env, [&]() -> napi_value {
    Args A(env, info, "timeGemm", 5, 7);
    const int64_t m = A.integer(0, "m", 1, 8192), n = A.integer(1, "n", 1, 8192), k = A.integer(2, "k", 1, 8192);
    const int64_t iters = A.integer(3, "iters", 1, 1000000);
    const std::string how = A.string(4, "how");
    const std::string layout = A.count() > 5 ? A.string(5, "layout") : "nn";
    const int threads = A.count() > 6 ? (int)A.integer(6, "threads", 1, 256) : 1;
    if (how != "cblas" && how != "driver" && how != "own" && how != "apart")
      A.range_error("how must be \"cblas\", \"own\", \"apart\" or \"driver\", got \"" + how + "\"");
    if (layout != "nn" && layout != "nt" && layout != "tn")
      A.range_error("layout must be \"nn\", \"nt\" or \"tn\", got \"" + layout + "\"");
    if (how == "cblas" && !blas_linked()) A.range_error("OpenBLAS is not linked into this build");
    const bool ta = layout[0] == 't', tb = layout[1] == 't';
    // The operands stay allocated from one call of a shape to the next (per calling
    // thread), as a training step's buffers do: a benchmark's samples then find them
    // where the previous sample left them (on 2 threads, each core its part), not
    // freshly written by the calling thread. Fresh ones made the slower 2-thread part
    // of 384x768x128 and 128x768x512 tn cost 2-5% more (0.572 / 0.573 of the adjacent
    // 1-thread sample against 0.543-0.551 / 0.537-0.557, medians of ~40 pairs).
    // Each starts on a 64-byte line, as the framework's arrays of 4 KiB or more do.
    thread_local LineFloats a, b, c;
    if (a.n != (size_t)(m * k) || b.n != (size_t)(k * n) || c.n != (size_t)(m * n)) {
      a.assign(m * k), b.assign(k * n), c.assign(m * n);
      std::mt19937 rng(1);
      std::uniform_real_distribution<float> u(-1, 1);
      for (size_t i = 0; i < a.n; ++i) a.p[i] = u(rng);
      for (size_t i = 0; i < b.n; ++i) b.p[i] = u(rng);
    }
    // row-major storage of A (m x k, or k x m when transposed) and B (k x n, or n x k)
    const int64_t rsa = ta ? 1 : k, csa = ta ? m : 1, rsb = tb ? 1 : n, csb = tb ? k : 1;
    const GemmCall<float> call{1, m, n, k, 1.0f, false, a.p, 0, rsa, csa, b.p, 0, rsb, csb, c.p, 0, n};
    if (how == "driver") {
      gemm(call);
      return to_js(env, time_calls(iters, [&] { gemm(call); }));
    }
    if (how == "apart") {
      // The product on one thread, run on `threads` threads at once: what the cores
      // give together for this kernel right now (2x one thread on two free cores),
      // the ceiling of a split product's 2-thread scaling. A and B are shared
      // (read-only: each core keeps its copy), each thread writes its own C.
      ThreadsFor one(1);
      BuiltinFor builtin;
      // each new thread's C, allocated (and first touched) by that thread in its untimed setup
      std::vector<LineFloats> cs((size_t)threads);
      auto call_of = [&](int i) {
        GemmCall<float> g = call;
        if (i > 0) g.c = cs[(size_t)i].p;
        return g;
      };
      const Secs r = run_together(threads, [&](int i) {
        if (i > 0) cs[(size_t)i].assign((size_t)(m * n));
        gemm(call_of(i));
      }, [&](int i) {
        const GemmCall<float> g = call_of(i);
        for (int64_t it = 0; it < iters; ++it) gemm(g);
      });
      return to_js(env, {r.wall / (double)iters, r.cpu / (double)iters});
    }
    ThreadsFor use(threads);
    if (how == "own") {
      BuiltinFor builtin;
      warm_up(threads, true, [&] { gemm(call); });
      return to_js(env, time_calls(iters, [&] { gemm(call); }));
    }
    auto once = [&] {
      blas_gemm(ta, tb, (int)m, (int)n, (int)k, 1.0f, a.p, (int)(ta ? m : k), b.p, (int)(tb ? k : n), 0.0f, c.p,
                (int)n);
    };
    warm_up(threads, false, once);
    return to_js(env, time_calls(iters, once));
  });
}

// fmaPeak(isa, iters, threads = 1): [wall, thread CPU] GFLOP/s of the ISA's FMA
// probe run on `threads` threads at once (run_together: the thread start is not
// counted; a ~1 ms probe read ~1.8x on two free cores with it): wall is their
// total, all the FLOPs over the wall time; thread CPU is the calling thread's
// alone. Says whether the cores the OS offers can all run vector FMAs at full
// speed together at that moment (not so on SMT siblings, or with other work on a core).
napi_value FmaPeak(napi_env env, napi_callback_info info) {
  return guard(env, [&]() -> napi_value {
    Args A(env, info, "fmaPeak", 2, 3);
    const std::string name = A.string(0, "isa");
    const int64_t iters = A.integer(1, "iters", 1, kMaxIndex);
    const int threads = A.count() > 2 ? (int)A.integer(2, "threads", 1, 256) : 1;
    const IsaTable* t = find_isa(name);
    if (!t) A.range_error("isa \"" + name + "\" is not available on this CPU/build");
    std::atomic<float> sink{0};
    const Secs r = run_together(threads, [](int) {}, [&](int) { sink.store(t->fma_probe(iters)); });
    const double flops = (double)iters * t->fma_probe_flops;
    return to_js(env, {flops * threads / r.wall / 1e9, flops / r.cpu / 1e9});
  });
}

// readPeak(isa, kib, passes): [best, median] GB/s of the ISA's read probe over a
// buffer of `kib` KiB, each of `passes` passes timed on its own (after one
// untimed pass that brings the buffer into the cache that holds it: L2 for a
// decode product's 100-500 KiB). What one core can stream from there: a one-row
// product (decoding) reads all of B once, so B's bytes over this are its floor.
napi_value ReadPeak(napi_env env, napi_callback_info info) {
  return guard(env, [&]() -> napi_value {
    Args A(env, info, "readPeak", 3, 3);
    const std::string name = A.string(0, "isa");
    const int64_t kib = A.integer(1, "kib", 1, 1 << 20), passes = A.integer(2, "passes", 1, 1000000);
    const IsaTable* t = find_isa(name);
    if (!t) A.range_error("isa \"" + name + "\" is not available on this CPU/build");
    const int64_t unit = t->read_probe_floats;
    const int64_t n = (kib * 1024 / (int64_t)sizeof(float) + unit - 1) / unit * unit;
    LineFloats buf;
    buf.assign((size_t)n);
    std::fill_n(buf.p, n, 0.5f);
    const float* p = buf.p;
    std::atomic<float> sink{t->read_probe(p, n)};
    std::vector<double> secs((size_t)passes);
    for (double& s : secs) {
      const auto t0 = std::chrono::steady_clock::now();
      sink.store(t->read_probe(p, n), std::memory_order_relaxed);
      s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    }
    std::sort(secs.begin(), secs.end());
    const double bytes = (double)n * sizeof(float);
    const double v[2] = {bytes / secs.front() / 1e9, bytes / secs[secs.size() / 2] / 1e9};
    return make_number_array(env, v, 2);
  });
}

// poolRoundTrip(iters): [seconds per region, fraction of the regions a worker
// joined] of `iters` back-to-back 2-thread regions with an empty task each, run
// the way a decode product's split runs (Wake::Awake: only a worker that is
// still spinning takes part; one untimed region wakes it first): the caller's
// hand-off to a pool worker and its wait for the worker's end, with no work.
napi_value PoolRoundTrip(napi_env env, napi_callback_info info) {
  return guard(env, [&]() -> napi_value {
    Args A(env, info, "poolRoundTrip", 1, 1);
    const int64_t iters = A.integer(0, "iters", 1, 10000000);
    auto region = [] {
      ParallelLock lock;
      run_tasks(lock.awake(2), 2, [](int, int64_t) {}, Wake::Awake);
    };
    if (num_threads() < 2)
      A.range_error("poolRoundTrip needs 2 threads (setNumThreads(2)), got " + std::to_string(num_threads()));
    {
      ParallelLock lock;
      if (lock.reserve(2) < 2) A.range_error("poolRoundTrip needs 2 threads: no pool worker could start (or another JS thread holds the pool)");
    }
    // untimed: regions until a worker, woken, has joined one (at most 20 ms)
    const auto t0 = std::chrono::steady_clock::now();
    for (const uint64_t start = pool_worker_tasks(); pool_worker_tasks() == start;) {
      if (std::chrono::steady_clock::now() - t0 > std::chrono::milliseconds(20)) break;
      wake_workers();
      region();
    }
    const uint64_t before = pool_worker_tasks();
    const Secs r = time_calls(iters, region);
    const double v[2] = {r.wall, (double)(pool_worker_tasks() - before) / (double)iters};
    return make_number_array(env, v, 2);
  });
}

// cpuClockGHz(): the core clock, from a chain of dependent integer adds (one
// per cycle) timed for ~20 ms; 0 where not measured (non-x86). To turn GFLOP/s
// into a fraction of the FMA peak.
napi_value CpuClockGHz(napi_env env, napi_callback_info) {
  return guard(env, [&]() -> napi_value {
#if defined(__x86_64__)
    double best = 0;
    for (int rep = 0; rep < 5; ++rep) {
      const long n = 10000000;
      long x = 0;
      const auto t0 = std::chrono::steady_clock::now();
      for (long i = 0; i < n; ++i) asm volatile("add $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\tadd $1, %0" : "+r"(x));
      const std::chrono::duration<double> dt = std::chrono::steady_clock::now() - t0;
      best = std::max(best, 4.0 * (double)n / dt.count() / 1e9);
    }
    return make_number(env, best);
#else
    return make_number(env, 0);
#endif
  });
}

// poolState() -> { workerTasks, sleeps, givenBack, awake, tids }: what the pool's
// workers did since load (tasks run, times one stopped spinning and blocked, tasks
// given back to a caller that had taken them back), how many are
// not blocked now, and their OS thread ids (Linux), so that a test or benchmark
// can read their CPU time (/proc/self/task/<tid>/schedstat).
napi_value PoolState(napi_env env, napi_callback_info) {
  return guard(env, [&]() -> napi_value {
    const PoolStats st = pool_stats();
    napi_value o;
    napi_create_object(env, &o);
    napi_set_named_property(env, o, "workerTasks", make_number(env, (double)st.worker_tasks));
    napi_set_named_property(env, o, "sleeps", make_number(env, (double)st.sleeps));
    napi_set_named_property(env, o, "givenBack", make_number(env, (double)st.given_back));
    napi_set_named_property(env, o, "awake", make_number(env, st.awake));
    std::vector<double> tids(st.tids.begin(), st.tids.end());
    napi_set_named_property(env, o, "tids", make_number_array(env, tids.data(), tids.size()));
    return o;
  });
}

// poolTestDelay(where, us): tests of the hand-off; see set_pool_test_delay.
napi_value PoolTestDelay(napi_env env, napi_callback_info info) {
  return guard(env, [&]() -> napi_value {
    Args A(env, info, "poolTestDelay", 2, 2);
    const int where = (int)A.integer(0, "where", 0, 2), us = (int)A.integer(1, "us", 0, 1000000);
    set_pool_test_delay(where, us);
    return undefined(env);
  });
}

ADJ_EXPORT("timeGemm", TimeGemm);
ADJ_EXPORT("poolState", PoolState);
ADJ_EXPORT("poolTestDelay", PoolTestDelay);
ADJ_EXPORT("fmaPeak", FmaPeak);
ADJ_EXPORT("cpuClockGHz", CpuClockGHz);
ADJ_EXPORT("readPeak", ReadPeak);
ADJ_EXPORT("poolRoundTrip", PoolRoundTrip);

}  // namespace
}  // namespace adj
