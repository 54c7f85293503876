#include "rows.h"

#include <algorithm>

#include "cpu.h"
#include "rows_f64.h"
#include "threadpool.h"

namespace adj {
namespace {

template <class T>
const RowKernels<T>& row_kernels();
template <>
const RowKernels<float>& row_kernels<float>() { return isa().rows_f32; }
template <>
const RowKernels<double>& row_kernels<double>() { return *rows_f64(); }

// Runs fn(r0, r1) over row blocks, on several threads when the input is large.
template <class F>
void over_rows(int64_t rows, int64_t cols, F&& fn) {
  const int64_t elems = rows * cols;
  int want = num_threads();
  if (elems < rows_parallel_min_elements() || rows < 2) want = 1;
  want = (int)std::min<int64_t>(want, rows);
  ParallelLock lock;
  const int nt = want > 1 ? lock.reserve(want) : 1;
  if (nt <= 1) return fn(int64_t(0), rows);
  run_parallel(nt, [&](int t) { fn(rows * t / nt, rows * (t + 1) / nt); });
}

}  // namespace

int64_t& rows_parallel_min_elements() {
  static int64_t n = 1 << 18;
  return n;
}

template <class T>
void row_op(RowOp op, const T* p0, const T* p1, T* p2, int64_t rows, int64_t cols) {
  if (rows <= 0 || cols <= 0) return;
  const RowKernels<T>& K = row_kernels<T>();
  over_rows(rows, cols, [&](int64_t r0, int64_t r1) {
    const int64_t o = r0 * cols, n = r1 - r0;
    switch (op) {
      case RowOp::Softmax: K.softmax(p0 + o, p2 + o, n, cols); break;
      case RowOp::LogSoftmax: K.log_softmax(p0 + o, p2 + o, n, cols); break;
      case RowOp::SoftmaxBackward: K.softmax_backward(p0 + o, p1 + o, p2 + o, n, cols); break;
      case RowOp::LogSoftmaxBackward: K.log_softmax_backward(p0 + o, p1 + o, p2 + o, n, cols); break;
    }
  });
}

template <class T>
void cross_entropy(const T* x, const int32_t* t, int64_t rows, int64_t cols, int32_t ignore, T scale, T* loss,
                   T* grad) {
  if (rows <= 0) return;
  const RowKernels<T>& K = row_kernels<T>();
  over_rows(rows, cols, [&](int64_t r0, int64_t r1) {
    K.cross_entropy(x + r0 * cols, t + r0, r1 - r0, cols, ignore, scale, loss + r0, grad ? grad + r0 * cols : nullptr);
  });
}

template void row_op<float>(RowOp, const float*, const float*, float*, int64_t, int64_t);
template void row_op<double>(RowOp, const double*, const double*, double*, int64_t, int64_t);
template void cross_entropy<float>(const float*, const int32_t*, int64_t, int64_t, int32_t, float, float*, float*);
template void cross_entropy<double>(const double*, const int32_t*, int64_t, int64_t, int32_t, double, double*,
                                    double*);

}  // namespace adj
