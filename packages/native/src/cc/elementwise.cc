// See elementwise.h. The inner loop over a row is specialised on the two
// column strides (0 or 1) so it vectorises; rows are split across the pool
// when there are enough elements (the work is memory-bound: two threads help
// on large residual adds, not on small ones).
#include "elementwise.h"

#include <algorithm>

#include "clones.h"
#include "threadpool.h"

namespace adj {
namespace {

constexpr int64_t kParallelMin = 1 << 17;

template <class T, BinOp OP>
ADJ_LOOP T apply(T x, T y) {
  if constexpr (OP == BinOp::kAdd) return x + y;
  else if constexpr (OP == BinOp::kSub) return x - y;
  else if constexpr (OP == BinOp::kMul) return x * y;
  else return x / y;
}

// One row: out[c] = a[c * sa] OP b[c * sb] with sa, sb in {0, 1}.
template <class T, BinOp OP>
ADJ_LOOP void row(const T* __restrict a, int64_t sa, const T* __restrict b, int64_t sb, T* out, int64_t n) {
  if (sa == 1 && sb == 1) for (int64_t c = 0; c < n; ++c) out[c] = apply<T, OP>(a[c], b[c]);
  else if (sa == 1) { const T y = b[0]; for (int64_t c = 0; c < n; ++c) out[c] = apply<T, OP>(a[c], y); }
  else if (sb == 1) { const T x = a[0]; for (int64_t c = 0; c < n; ++c) out[c] = apply<T, OP>(x, b[c]); }
  else { const T v = apply<T, OP>(a[0], b[0]); for (int64_t c = 0; c < n; ++c) out[c] = v; }
}

template <class T, BinOp OP>
ADJ_LOOP void rows_of(const T* a, Operand2d ao, const T* b, Operand2d bo, T* out, int64_t r0, int64_t r1, int64_t cols) {
  for (int64_t r = r0; r < r1; ++r)
    row<T, OP>(a + ao.offset + r * ao.row_stride, ao.col_stride, b + bo.offset + r * bo.row_stride, bo.col_stride, out + r * cols, cols);
}

// The dispatch on op, compiled per ISA; a may be out (an in-place update), b may not overlap out.
template <class T>
ADJ_LOOP void rows_any(BinOp op, const T* a, Operand2d ao, const T* b, Operand2d bo, T* out, int64_t r0, int64_t r1, int64_t cols) {
  switch (op) {
    case BinOp::kAdd: rows_of<T, BinOp::kAdd>(a, ao, b, bo, out, r0, r1, cols); break;
    case BinOp::kSub: rows_of<T, BinOp::kSub>(a, ao, b, bo, out, r0, r1, cols); break;
    case BinOp::kMul: rows_of<T, BinOp::kMul>(a, ao, b, bo, out, r0, r1, cols); break;
    case BinOp::kDiv: rows_of<T, BinOp::kDiv>(a, ao, b, bo, out, r0, r1, cols); break;
  }
}
ADJ_CLONES void rows_f32(BinOp op, const float* a, Operand2d ao, const float* b, Operand2d bo, float* out, int64_t r0, int64_t r1, int64_t cols) {
  rows_any<float>(op, a, ao, b, bo, out, r0, r1, cols);
}
ADJ_CLONES void rows_f64(BinOp op, const double* a, Operand2d ao, const double* b, Operand2d bo, double* out, int64_t r0, int64_t r1, int64_t cols) {
  rows_any<double>(op, a, ao, b, bo, out, r0, r1, cols);
}
inline void rows_t(BinOp op, const float* a, Operand2d ao, const float* b, Operand2d bo, float* out, int64_t r0, int64_t r1, int64_t cols) {
  rows_f32(op, a, ao, b, bo, out, r0, r1, cols);
}
inline void rows_t(BinOp op, const double* a, Operand2d ao, const double* b, Operand2d bo, double* out, int64_t r0, int64_t r1, int64_t cols) {
  rows_f64(op, a, ao, b, bo, out, r0, r1, cols);
}

}  // namespace

template <class T>
void binary_2d(BinOp op, const T* a, Operand2d ao, const T* b, Operand2d bo, T* out, int64_t rows, int64_t cols) {
  if (rows <= 0 || cols <= 0) return;
  // one long row splits into pieces of columns: treat it as rows of a block width
  if (rows == 1 && cols >= kParallelMin && ao.col_stride == 1 && bo.col_stride == 1) {
    const int64_t w = 1 << 14, full = cols / w;
    if (full >= 2) {
      binary_2d(op, a, {ao.offset, w, 1}, b, {bo.offset, w, 1}, out, full, w);
      const int64_t done = full * w;
      if (done < cols) rows_t(op, a, {ao.offset + done, 0, 1}, b, {bo.offset + done, 0, 1}, out + done, 0, 1, cols - done);
      return;
    }
  }
  ParallelLock lock;
  int nt = 1;
  if (rows >= 2 && rows * cols >= kParallelMin && lock.held()) nt = lock.reserve((int)std::min<int64_t>(num_threads(), rows));
  if (nt <= 1) {
    rows_t(op, a, ao, b, bo, out, 0, rows, cols);
    return;
  }
  const int64_t blocks = std::min<int64_t>(rows, 4 * nt);
  run_tasks(nt, blocks, [&](int, int64_t t) { rows_t(op, a, ao, b, bo, out, rows * t / blocks, rows * (t + 1) / blocks, cols); });
}

template void binary_2d<float>(BinOp, const float*, Operand2d, const float*, Operand2d, float*, int64_t, int64_t);
template void binary_2d<double>(BinOp, const double*, Operand2d, const double*, Operand2d, double*, int64_t, int64_t);

}  // namespace adj
