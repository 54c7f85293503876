// Part of kernels.inl (included there, inside each isa_*.cc's anonymous namespace).
// ---------------------------------------------------------------------------
// GELU (float32), exact x Phi(x) or the tanh form, and gx = gy gelu'(x).
// Exact: Phi from erfc(|x|/sqrt 2) by Numerical Recipes' erfcc (relative error
// < 1.2e-7, so the tail x Phi(x) for x << 0 keeps its digits), phi = e^{-x^2/2}/sqrt(2 pi).
// Tanh form: (1 + tanh u)/2 = sigmoid(2u), so y = x / (1 + e^{-2u}) (one exp).
// Beyond |x| > 20, y is x or 0 and the slope 1 or 0 (this also keeps +-inf from making 0 * inf).
// The exact form's exps have arguments <= ~0 (p(t) - z^2, -z^2, p(t)): vexp_nonpos, without
// vexp's overflow handling (~20% faster than vexp there; its flush below e^-86.6 only
// touches results the |x| > 20 limits or float32's range already make 0).

constexpr float kGeluC = 0.7978845608028654f;    // sqrt(2/pi)
constexpr float kGeluK = 0.044715f;
constexpr float kInvSqrt2Pi = 0.3989422804014327f;

inline vf vabs(vf x) { return x < splat(0.0f) ? -x : x; }

// erfcc's exponent minus -z^2: erfc(z) = t exp(-z^2 + p(t)), t = 1 / (1 + z/2)
inline vf erfc_poly(vf t) {
  vf p = splat(0.17087277f);
  p = p * t - 0.82215223f;
  p = p * t + 1.48851587f;
  p = p * t - 1.13520398f;
  p = p * t + 0.27886807f;
  p = p * t - 0.18628806f;
  p = p * t + 0.09678418f;
  p = p * t + 0.37409196f;
  p = p * t + 1.00002368f;
  return p * t - 1.26551223f;
}

// Phi(x) given half = erfc(|x|/sqrt 2)/2
inline vf phi_from_half(vf x, vf half) { return x < splat(0.0f) ? half : 1.0f - half; }

template <bool Tanh>
inline vf gelu_v(vf x) {
  vf y;
  if (Tanh) {
    const vf u = kGeluC * (x + kGeluK * x * x * x);
    y = x / (1.0f + vexp(-2.0f * u));
  } else {
    const vf z = vabs(x) * 0.7071067811865476f, t = 1.0f / (1.0f + 0.5f * z);
    y = x * phi_from_half(x, 0.5f * t * vexp_nonpos(erfc_poly(t) - z * z));
  }
  y = x > splat(20.0f) ? x : y;
  return x < splat(-20.0f) ? splat(0.0f) : y;
}

template <bool Tanh>
inline vf gelu_grad_v(vf x) {
  vf d;
  if (Tanh) {
    // d = s + 2 x s (1 - s) u', s = sigmoid(2u), u' = sqrt(2/pi) (1 + 3 k x^2)
    const vf u = kGeluC * (x + kGeluK * x * x * x);
    const vf s = 1.0f / (1.0f + vexp(-2.0f * u));
    d = s + 2.0f * x * s * (1.0f - s) * (kGeluC * (1.0f + 3.0f * kGeluK * x * x));
  } else {
    // d = Phi(x) + x phi(x)
    const vf z = vabs(x) * 0.7071067811865476f, t = 1.0f / (1.0f + 0.5f * z);
    const vf e = vexp_nonpos(-(z * z));
    d = phi_from_half(x, 0.5f * t * e * vexp_nonpos(erfc_poly(t))) + x * e * kInvSqrt2Pi;
  }
  d = x > splat(20.0f) ? splat(1.0f) : d;
  return x < splat(-20.0f) ? splat(0.0f) : d;
}

template <bool Tanh>
void gelu_loop(const float* x, float* y, int64_t n) {
  int64_t i = 0;
  for (; i + LF <= n; i += LF) storeu(y + i, gelu_v<Tanh>(loadu(x + i)));
  if (i < n) store_partial(y + i, gelu_v<Tanh>(load_partial(x + i, n - i, 0.0f)), n - i);
}

template <bool Tanh>
void gelu_backward_loop(const float* x, const float* gy, float* gx, int64_t n) {
  int64_t i = 0;
  for (; i + LF <= n; i += LF) storeu(gx + i, loadu(gy + i) * gelu_grad_v<Tanh>(loadu(x + i)));
  if (i < n) {
    const int64_t r = n - i;
    store_partial(gx + i, load_partial(gy + i, r, 0.0f) * gelu_grad_v<Tanh>(load_partial(x + i, r, 0.0f)), r);
  }
}

void gelu_f32(const float* x, float* y, int64_t n, bool tanh) {
  if (tanh) gelu_loop<true>(x, y, n);
  else gelu_loop<false>(x, y, n);
}

void gelu_backward_f32(const float* x, const float* gy, float* gx, int64_t n, bool tanh) {
  if (tanh) gelu_backward_loop<true>(x, gy, gx, n);
  else gelu_backward_loop<false>(x, gy, gx, n);
}

// acc[0:n] += v[0:n] in float64 (the compiler vectorises the widening add).
inline void add_row_f64(double* acc, const float* v, int64_t n) {
  for (int64_t c = 0; c < n; ++c) acc[c] += (double)v[c];
}

void column_sums_f32(const float* x, double* acc, int64_t rows, int64_t cols) {
  for (int64_t r = 0; r < rows; ++r) add_row_f64(acc, x + r * cols, cols);
}

// Per row: pre = x + b, y = gelu(pre); vector body, then a partial vector for the row's tail.
template <bool Tanh>
void bias_gelu_rows(const float* x, const float* b, float* pre, float* y, int64_t rows, int64_t cols) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* xr = x + r * cols;
    float *pr = pre + r * cols, *yr = y + r * cols;
    int64_t c = 0;
    for (; c + LF <= cols; c += LF) {
      const vf p = loadu(xr + c) + loadu(b + c);
      storeu(pr + c, p);
      storeu(yr + c, gelu_v<Tanh>(p));
    }
    if (c < cols) {
      const int64_t m = cols - c;
      const vf p = load_partial(xr + c, m, 0.0f) + load_partial(b + c, m, 0.0f);
      store_partial(pr + c, p, m);
      store_partial(yr + c, gelu_v<Tanh>(p), m);
    }
  }
}

template <bool Tanh>
void bias_gelu_backward_rows(const float* pre, const float* gy, float* gx, double* acc, int64_t rows, int64_t cols) {
  for (int64_t r = 0; r < rows; ++r) {
    const int64_t o = r * cols;
    gelu_backward_loop<Tanh>(pre + o, gy + o, gx + o, cols);
    if (acc) add_row_f64(acc, gx + o, cols);
  }
}

void bias_gelu_f32(const float* x, const float* b, float* pre, float* y, int64_t rows, int64_t cols, bool tanh) {
  if (tanh) bias_gelu_rows<true>(x, b, pre, y, rows, cols);
  else bias_gelu_rows<false>(x, b, pre, y, rows, cols);
}

void bias_gelu_backward_f32(const float* pre, const float* gy, float* gx, double* acc, int64_t rows, int64_t cols,
                            bool tanh) {
  if (tanh) bias_gelu_backward_rows<true>(pre, gy, gx, acc, rows, cols);
  else bias_gelu_backward_rows<false>(pre, gy, gx, acc, rows, cols);
}
