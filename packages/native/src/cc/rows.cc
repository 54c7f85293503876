#include "rows.h"

#include <algorithm>
#include <vector>

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

// Threads for a [rows, cols] input: 1 unless it is large (and the pool is free).
int plan_threads(ParallelLock& lock, int64_t rows, int64_t cols) {
  if (rows < 2 || rows * cols < rows_parallel_min_elements()) return 1;
  const int want = (int)std::min<int64_t>(num_threads(), rows);
  return want > 1 ? lock.reserve(want) : 1;
}

// Rows are split into this many blocks (about 4 per thread), claimed dynamically.
int64_t row_blocks(int nt, int64_t rows) { return nt <= 1 ? 1 : std::min<int64_t>(rows, 4 * nt); }

// Runs fn(block, r0, r1) for each of row_blocks(nt, rows) blocks of rows, on nt threads.
template <class F>
void split_rows(int nt, int64_t rows, F&& fn) {
  const int64_t blocks = row_blocks(nt, rows);
  if (blocks <= 1) return fn(int64_t(0), int64_t(0), rows);
  run_tasks(nt, blocks, [&](int, int64_t t) { fn(t, rows * t / blocks, rows * (t + 1) / blocks); });
}

}  // namespace

int64_t& rows_parallel_min_elements() {
  static int64_t n = 1 << 18;
  return n;
}

int64_t& stream_min_bytes() {
  static int64_t n = 8 << 20;
  return n;
}

template <class T>
void row_op(RowOp op, const T* p0, const T* p1, T* p2, int64_t rows, int64_t cols) {
  if (rows <= 0 || cols <= 0) return;
  const RowKernels<T>& K = row_kernels<T>();
  const bool stream = rows * cols * (int64_t)sizeof(T) >= stream_min_bytes();
  ParallelLock lock;
  split_rows(plan_threads(lock, rows, cols), rows, [&](int64_t, int64_t r0, int64_t r1) {
    const int64_t o = r0 * cols, n = r1 - r0;
    switch (op) {
      case RowOp::Softmax: K.softmax(p0 + o, p2 + o, n, cols, stream); break;
      case RowOp::LogSoftmax: K.log_softmax(p0 + o, p2 + o, n, cols); break;
      case RowOp::SoftmaxBackward: K.softmax_backward(p0 + o, p1 + o, p2 + o, n, cols); break;
      case RowOp::LogSoftmaxBackward: K.log_softmax_backward(p0 + o, p1 + o, p2 + o, n, cols); break;
    }
  });
}

template <class T>
void layer_norm(const T* x, const T* w, const T* b, T* y, T* mean, T* rstd, int64_t rows, int64_t cols, double eps) {
  if (rows <= 0) return;
  const RowKernels<T>& K = row_kernels<T>();
  ParallelLock lock;
  split_rows(plan_threads(lock, rows, cols), rows, [&](int64_t, int64_t r0, int64_t r1) {
    K.layer_norm(x + r0 * cols, w, b, y + r0 * cols, mean + r0, rstd + r0, r1 - r0, cols, eps);
  });
}

template <class T>
void layer_norm_backward(const T* x, const T* gy, const T* w, const T* mean, const T* rstd, T* gx, T* gw, T* gb,
                         int64_t rows, int64_t cols) {
  if (cols <= 0) return;
  const RowKernels<T>& K = row_kernels<T>();
  ParallelLock lock;
  const int nt = rows > 0 ? plan_threads(lock, rows, cols) : 1;
  // Float64 partial sums of gw and gb per block of rows, added up in block
  // order at the end: the same result whichever thread ran which block.
  const int64_t blocks = row_blocks(nt, rows);
  std::vector<double> accw(gw ? (size_t)(blocks * cols) : 0, 0.0), accb(gb ? (size_t)(blocks * cols) : 0, 0.0);
  if (rows > 0) {
    split_rows(nt, rows, [&](int64_t blk, int64_t r0, int64_t r1) {
      K.layer_norm_backward(x + r0 * cols, gy + r0 * cols, w, mean + r0, rstd + r0, gx ? gx + r0 * cols : nullptr,
                            gw ? accw.data() + blk * cols : nullptr, gb ? accb.data() + blk * cols : nullptr,
                            r1 - r0, cols);
    });
  }
  for (int64_t j = 0; j < cols; ++j) {
    if (gw) {
      double s = 0;
      for (int64_t t = 0; t < blocks; ++t) s += accw[t * cols + j];
      gw[j] = (T)s;
    }
    if (gb) {
      double s = 0;
      for (int64_t t = 0; t < blocks; ++t) s += accb[t * cols + j];
      gb[j] = (T)s;
    }
  }
}

template <class T>
void rms_norm(const T* x, const T* w, T* y, T* rstd, int64_t rows, int64_t cols, double eps) {
  if (rows <= 0) return;
  const RowKernels<T>& K = row_kernels<T>();
  ParallelLock lock;
  split_rows(plan_threads(lock, rows, cols), rows, [&](int64_t, int64_t r0, int64_t r1) {
    K.rms_norm(x + r0 * cols, w, y + r0 * cols, rstd + r0, r1 - r0, cols, eps);
  });
}

template <class T>
void cross_entropy(const T* x, const int32_t* t, T* loss, T* lse, int64_t rows, int64_t cols, int32_t ignore,
                   double smoothing) {
  if (rows <= 0) return;
  const RowKernels<T>& K = row_kernels<T>();
  ParallelLock lock;
  split_rows(plan_threads(lock, rows, cols), rows, [&](int64_t, int64_t r0, int64_t r1) {
    K.cross_entropy(x + r0 * cols, t + r0, loss + r0, lse + r0, r1 - r0, cols, ignore, smoothing);
  });
}

template <class T>
void cross_entropy_backward(const T* x, const int32_t* t, const T* lse, const T* gloss, T* gx, int64_t rows,
                            int64_t cols, int32_t ignore, double smoothing) {
  if (rows <= 0 || cols <= 0) return;
  const RowKernels<T>& K = row_kernels<T>();
  ParallelLock lock;
  split_rows(plan_threads(lock, rows, cols), rows, [&](int64_t, int64_t r0, int64_t r1) {
    K.cross_entropy_backward(x + r0 * cols, t + r0, lse + r0, gloss + r0, gx + r0 * cols, r1 - r0, cols, ignore,
                             smoothing);
  });
}

// Elementwise work as [chunks, kChunk] rows for the row splitter.
constexpr int64_t kChunk = 4096;

template <class F>
void split_elements(int64_t n, F&& fn) {
  if (n <= 0) return;
  const int64_t rows = (n + kChunk - 1) / kChunk;
  ParallelLock lock;
  split_rows(plan_threads(lock, rows, kChunk), rows, [&](int64_t, int64_t r0, int64_t r1) {
    const int64_t i0 = r0 * kChunk, i1 = std::min(r1 * kChunk, n);
    fn(i0, i1 - i0);
  });
}

void gelu_f32(const float* x, float* y, int64_t n, bool tanh) {
  const GeluKernels& K = isa().gelu_f32;
  split_elements(n, [&](int64_t i, int64_t m) { K.forward(x + i, y + i, m, tanh); });
}

void gelu_backward_f32(const float* x, const float* gy, float* gx, int64_t n, bool tanh) {
  const GeluKernels& K = isa().gelu_f32;
  split_elements(n, [&](int64_t i, int64_t m) { K.backward(x + i, gy + i, gx + i, m, tanh); });
}

void relu_f32(const float* x, float* y, int64_t n) {
  const UnaryKernels& K = isa().unary_f32;
  split_elements(n, [&](int64_t i, int64_t m) { K.relu(x + i, y + i, m); });
}

void relu_backward_f32(const float* x, const float* gy, float* gx, int64_t n) {
  const UnaryKernels& K = isa().unary_f32;
  split_elements(n, [&](int64_t i, int64_t m) { K.relu_backward(x + i, gy + i, gx + i, m); });
}

void bias_gelu_f32(const float* x, const float* b, float* pre, float* y, int64_t rows, int64_t cols, bool tanh) {
  if (rows <= 0 || cols <= 0) return;
  const GeluKernels& K = isa().gelu_f32;
  ParallelLock lock;
  split_rows(plan_threads(lock, rows, cols), rows, [&](int64_t, int64_t r0, int64_t r1) {
    const int64_t o = r0 * cols;
    K.bias_forward(x + o, b, pre + o, y + o, r1 - r0, cols, tanh);
  });
}

// Runs fn(block, r0, r1, acc) over row blocks (threads when large), each block adding its rows
// to its own float64 partial sums acc (null when out is), then writes out[c] = the partials
// added in block order: the same result whichever thread ran which block.
template <class T, class F>
void rows_with_column_sums(int64_t rows, int64_t cols, T* out, F&& fn) {
  ParallelLock lock;
  const int nt = rows > 0 ? plan_threads(lock, rows, cols) : 1;
  const int64_t blocks = row_blocks(nt, rows);
  std::vector<double> acc(out ? (size_t)(blocks * cols) : 0, 0.0);
  if (rows > 0) {
    split_rows(nt, rows, [&](int64_t blk, int64_t r0, int64_t r1) {
      fn(r0, r1, out ? acc.data() + blk * cols : nullptr);
    });
  }
  if (!out) return;
  for (int64_t c = 0; c < cols; ++c) {
    double s = 0;
    for (int64_t t = 0; t < blocks; ++t) s += acc[t * cols + c];
    out[c] = (T)s;
  }
}

template <class T>
void rms_norm_backward(const T* x, const T* gy, const T* w, const T* rstd, T* gx, T* gw, int64_t rows, int64_t cols) {
  if (cols <= 0) return;
  const RowKernels<T>& K = row_kernels<T>();
  rows_with_column_sums(rows, cols, gw, [&](int64_t r0, int64_t r1, double* acc) {
    K.rms_norm_backward(x + r0 * cols, gy + r0 * cols, w, rstd + r0, gx ? gx + r0 * cols : nullptr, acc, r1 - r0, cols);
  });
}

void bias_gelu_backward_f32(const float* pre, const float* gy, float* gx, float* gb, int64_t rows, int64_t cols,
                            bool tanh) {
  if (cols <= 0) return;
  const GeluKernels& K = isa().gelu_f32;
  rows_with_column_sums(rows, cols, gb, [&](int64_t r0, int64_t r1, double* acc) {
    const int64_t o = r0 * cols;
    K.bias_backward(pre + o, gy + o, gx + o, acc, r1 - r0, cols, tanh);
  });
}

void column_sums_f32(const float* x, float* out, int64_t rows, int64_t cols) {
  if (cols <= 0) return;
  const auto sums = isa().column_sums_f32;
  rows_with_column_sums(rows, cols, out, [&](int64_t r0, int64_t r1, double* acc) { sums(x + r0 * cols, acc, r1 - r0, cols); });
}

#define ADJ_INSTANTIATE(T)                                                                                     \
  template void row_op<T>(RowOp, const T*, const T*, T*, int64_t, int64_t);                                   \
  template void layer_norm<T>(const T*, const T*, const T*, T*, T*, T*, int64_t, int64_t, double);            \
  template void layer_norm_backward<T>(const T*, const T*, const T*, const T*, const T*, T*, T*, T*, int64_t, \
                                       int64_t);                                                              \
  template void rms_norm<T>(const T*, const T*, T*, T*, int64_t, int64_t, double);                          \
  template void rms_norm_backward<T>(const T*, const T*, const T*, const T*, T*, T*, int64_t, int64_t);       \
  template void cross_entropy<T>(const T*, const int32_t*, T*, T*, int64_t, int64_t, int32_t, double);        \
  template void cross_entropy_backward<T>(const T*, const int32_t*, const T*, const T*, T*, int64_t, int64_t, \
                                          int32_t, double);
ADJ_INSTANTIATE(float)
ADJ_INSTANTIATE(double)

}  // namespace adj
