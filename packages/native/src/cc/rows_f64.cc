// Row-wise float64 kernels: plain loops with std::exp (float64 is the
// "correct but not the fast path" dtype; the float32 ones are in kernels.inl).
#include <cmath>
#include <limits>

#include "rows_f64.h"

namespace adj {
namespace {

double row_max(const double* x, int64_t cols) {
  double m = -std::numeric_limits<double>::infinity();
  for (int64_t j = 0; j < cols; ++j) m = x[j] > m ? x[j] : m;
  return m == -std::numeric_limits<double>::infinity() ? 0.0 : m;  // as the TS kernel
}

void softmax(const double* x, double* out, int64_t rows, int64_t cols) {
  for (int64_t r = 0; r < rows; ++r, x += cols, out += cols) {
    const double m = row_max(x, cols);
    double s = 0;
    for (int64_t j = 0; j < cols; ++j) s += (out[j] = std::exp(x[j] - m));
    const double inv = 1.0 / s;
    for (int64_t j = 0; j < cols; ++j) out[j] *= inv;
  }
}

void log_softmax(const double* x, double* out, int64_t rows, int64_t cols) {
  for (int64_t r = 0; r < rows; ++r, x += cols, out += cols) {
    const double m = row_max(x, cols);
    double s = 0;
    for (int64_t j = 0; j < cols; ++j) s += std::exp(x[j] - m);
    const double lse = m + std::log(s);
    for (int64_t j = 0; j < cols; ++j) out[j] = x[j] - lse;
  }
}

void softmax_backward(const double* y, const double* gy, double* gx, int64_t rows, int64_t cols) {
  for (int64_t r = 0; r < rows; ++r, y += cols, gy += cols, gx += cols) {
    double dot = 0;
    for (int64_t j = 0; j < cols; ++j) dot += gy[j] * y[j];
    for (int64_t j = 0; j < cols; ++j) gx[j] = y[j] * (gy[j] - dot);
  }
}

void log_softmax_backward(const double* y, const double* gy, double* gx, int64_t rows, int64_t cols) {
  for (int64_t r = 0; r < rows; ++r, y += cols, gy += cols, gx += cols) {
    double s = 0;
    for (int64_t j = 0; j < cols; ++j) s += gy[j];
    for (int64_t j = 0; j < cols; ++j) gx[j] = gy[j] - std::exp(y[j]) * s;
  }
}

void cross_entropy(const double* x, const int32_t* t, int64_t rows, int64_t cols, int32_t ignore,
                   double scale, double* loss, double* grad) {
  for (int64_t r = 0; r < rows; ++r, x += cols) {
    double* g = grad ? grad + r * cols : nullptr;
    if (t[r] == ignore) {
      loss[r] = 0;
      if (g)
        for (int64_t j = 0; j < cols; ++j) g[j] = 0;
      continue;
    }
    const double m = row_max(x, cols);
    double s = 0;
    for (int64_t j = 0; j < cols; ++j) s += std::exp(x[j] - m);
    const double lse = m + std::log(s);
    loss[r] = lse - x[t[r]];
    if (g) {
      for (int64_t j = 0; j < cols; ++j) g[j] = scale * std::exp(x[j] - lse);
      g[t[r]] -= scale;
    }
  }
}

}  // namespace

const RowKernels<double>* rows_f64() {
  static const RowKernels<double> k = {&softmax, &log_softmax, &softmax_backward, &log_softmax_backward,
                                       &cross_entropy};
  return &k;
}

}  // namespace adj
