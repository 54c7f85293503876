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

void softmax(const double* x, double* out, int64_t rows, int64_t cols, bool) {
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

void layer_norm(const double* x, const double* w, const double* b, double* y, double* mean, double* rstd,
                int64_t rows, int64_t cols, double eps) {
  for (int64_t r = 0; r < rows; ++r, x += cols, y += cols) {
    double s = 0;
    for (int64_t j = 0; j < cols; ++j) s += x[j];
    const double mu = s / (double)cols;
    double v = 0;
    for (int64_t j = 0; j < cols; ++j) v += (x[j] - mu) * (x[j] - mu);
    const double rs = 1.0 / std::sqrt(v / (double)cols + eps);
    mean[r] = mu;
    rstd[r] = rs;
    for (int64_t j = 0; j < cols; ++j) {
      double t = (x[j] - mu) * rs;
      if (w) t *= w[j];
      if (b) t += b[j];
      y[j] = t;
    }
  }
}

void layer_norm_backward(const double* x, const double* gy, const double* w, const double* mean, const double* rstd,
                         double* gx, double* accw, double* accb, int64_t rows, int64_t cols) {
  for (int64_t r = 0; r < rows; ++r, x += cols, gy += cols, gx = gx ? gx + cols : nullptr) {
    const double mu = mean[r], rs = rstd[r];
    for (int64_t j = 0; j < cols; ++j) {
      if (accw) accw[j] += gy[j] * (x[j] - mu) * rs;
      if (accb) accb[j] += gy[j];
    }
    if (!gx) continue;
    double sh = 0, shx = 0;
    for (int64_t j = 0; j < cols; ++j) {
      const double h = w ? gy[j] * w[j] : gy[j];
      sh += h;
      shx += h * (x[j] - mu) * rs;
    }
    const double mh = sh / (double)cols, mhx = shx / (double)cols;
    for (int64_t j = 0; j < cols; ++j) {
      const double h = w ? gy[j] * w[j] : gy[j];
      gx[j] = rs * (h - mh - (x[j] - mu) * rs * mhx);
    }
  }
}

void cross_entropy(const double* x, const int32_t* t, double* loss, double* lse, int64_t rows, int64_t cols,
                   int32_t ignore, double s) {
  for (int64_t r = 0; r < rows; ++r, x += cols) {
    if (t[r] == ignore) {
      loss[r] = 0;
      lse[r] = 0;
      continue;
    }
    double m = row_max(x, cols);
    if (m == std::numeric_limits<double>::infinity()) m = 0;
    double sum = 0, total = 0;
    for (int64_t j = 0; j < cols; ++j) {
      sum += std::exp(x[j] - m);
      total += x[j];
    }
    const double l = m + std::log(sum);
    lse[r] = l;
    loss[r] = s == 0 ? l - x[t[r]] : l - (1 - s) * x[t[r]] - (s / (double)cols) * total;
  }
}

void cross_entropy_backward(const double* x, const int32_t* t, const double* lse, const double* gloss, double* gx,
                            int64_t rows, int64_t cols, int32_t ignore, double s) {
  const double off = s / (double)cols;
  for (int64_t r = 0; r < rows; ++r, x += cols, gx += cols) {
    if (t[r] == ignore) {
      for (int64_t j = 0; j < cols; ++j) gx[j] = 0;
      continue;
    }
    const double g = gloss[r], l = lse[r];
    for (int64_t j = 0; j < cols; ++j) gx[j] = g * (std::exp(x[j] - l) - off);
    gx[t[r]] -= g * (1 - s);
  }
}

void rms_norm(const double* x, const double* w, double* y, double* rstd, int64_t rows, int64_t cols, double eps) {
  for (int64_t r = 0; r < rows; ++r, x += cols, y += cols) {
    double ss = 0;
    for (int64_t j = 0; j < cols; ++j) ss += x[j] * x[j];
    const double rs = 1.0 / std::sqrt(ss / (double)cols + eps);
    rstd[r] = rs;
    for (int64_t j = 0; j < cols; ++j) y[j] = w ? x[j] * rs * w[j] : x[j] * rs;
  }
}

void rms_norm_backward(const double* x, const double* gy, const double* w, const double* rstd, double* gx,
                       double* accw, int64_t rows, int64_t cols) {
  for (int64_t r = 0; r < rows; ++r, x += cols, gy += cols, gx = gx ? gx + cols : nullptr) {
    const double rs = rstd[r];
    if (accw) for (int64_t j = 0; j < cols; ++j) accw[j] += gy[j] * x[j] * rs;
    if (!gx) continue;
    double shx = 0;
    for (int64_t j = 0; j < cols; ++j) shx += (w ? gy[j] * w[j] : gy[j]) * x[j] * rs;
    const double mhx = shx / (double)cols;
    for (int64_t j = 0; j < cols; ++j) gx[j] = rs * ((w ? gy[j] * w[j] : gy[j]) - x[j] * rs * mhx);
  }
}

}  // namespace

const RowKernels<double>* rows_f64() {
  static const RowKernels<double> k = {&softmax,    &log_softmax,         &softmax_backward, &log_softmax_backward,
                                       &layer_norm, &layer_norm_backward, &cross_entropy,    &cross_entropy_backward,
                                       &rms_norm,   &rms_norm_backward};
  return &k;
}

}  // namespace adj
