// Part of kernels.inl (included there, inside each isa_*.cc's anonymous namespace).
// ---------------------------------------------------------------------------
// Row-wise float32 kernels: softmax family with a vectorised exp.

constexpr int LF = sizeof(vf) / sizeof(float);

inline vf splat(float x) { return vf{} + x; }
inline vf loadu(const float* p) { return *(const vf_u*)p; }
inline void storeu(float* p, vf v) { *(vf_u*)p = v; }
// The first n lanes, 0 < n < LF (a row's tail). Masked loads/stores where the
// ISA has them: they never touch memory past the row, and avoid the
// store-forwarding stall of assembling a vector from scalar stores.
#if ADJ_VBYTES == 64 && defined(__AVX512F__)
inline vf load_partial(const float* p, int64_t n, float fill) {
  return (vf)_mm512_mask_loadu_ps(_mm512_set1_ps(fill), (__mmask16)((1u << n) - 1), p);
}
inline void store_partial(float* p, vf v, int64_t n) {
  _mm512_mask_storeu_ps(p, (__mmask16)((1u << n) - 1), (__m512)v);
}
#elif ADJ_VBYTES == 32 && defined(__AVX2__)
inline __m256i lane_mask(int64_t n) {
  return _mm256_cmpgt_epi32(_mm256_set1_epi32((int)n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}
inline vf load_partial(const float* p, int64_t n, float fill) {
  const __m256i m = lane_mask(n);
  return (vf)_mm256_blendv_ps(_mm256_set1_ps(fill), _mm256_maskload_ps(p, m), _mm256_castsi256_ps(m));
}
inline void store_partial(float* p, vf v, int64_t n) { _mm256_maskstore_ps(p, lane_mask(n), (__m256)v); }
#else
inline vf load_partial(const float* p, int64_t n, float fill) {
  float t[LF];
  for (int l = 0; l < LF; ++l) t[l] = l < n ? p[l] : fill;
  return loadu(t);
}
inline void store_partial(float* p, vf v, int64_t n) {
  for (int l = 0; l < LF; ++l)
    if (l < n) p[l] = v[l];
}
#endif
inline vf vmax(vf a, vf b) { return a > b ? a : b; }  // NaN in a is skipped, as in the TS kernel

// The largest lane (by halves, as lane_sum); the lanes hold no NaN (row_max's
// accumulators start at -inf and skip NaN).
inline float hmax(vf v) { return fold_lanes<float>(v, [](auto a, auto b) { return a > b ? a : b; }); }

// exp(r) for |r| <= ln2/2: 1 + r q(r), q of degree 5 fitted for minimal relative
// error (2e-9 before float rounding), 6 FMAs in Horner form.
inline vf exp_poly(vf r) {
  vf q = splat(0.0013843653723597527f);
  q = q * r + 0.00837415549904108f;
  q = q * r + 0.04166800156235695f;
  q = q * r + 0.16666431725025177f;
  q = q * r + 0.4999999403953552f;
  q = q * r + 1.0f;
  return q * r + 1.0f;
}

// exp(x) for every lane (range reduction x = n ln2 + r in two steps (Cody-Waite),
// |r| <= ln2/2, exp_poly; about 1 ulp). Handles +-inf, NaN, overflow and denormal
// results; 2^n is applied as two factors so that no exponent field overflows.
inline vf vexp(vf x) {
  const vf hi = splat(88.72283935546875f), lo = splat(-103.97208404541015625f);
  const vi over = x > hi, under = x < lo;
  x = over ? hi : x;
  x = under ? lo : x;
  const vf magic = splat(12582912.0f);  // 1.5 * 2^23: adding it rounds to an integer
  const vf n = (x * 1.44269504088896341f + magic) - magic;
  vf r = x - n * 0.693359375f;
  r = r - n * -2.12194440e-4f;
  vf y = exp_poly(r);
  const vi ni = __builtin_convertvector(n, vi);
  const vi n1 = ni >> 1, n2 = ni - n1;
  y = y * (vf)((n1 + 127) << 23);
  y = y * (vf)((n2 + 127) << 23);
  y = over ? splat(__builtin_inff()) : y;
  y = under ? splat(0.0f) : y;
  return y;
}

// exp(x) for x <= 0, -inf or NaN only (x - rowmax in the softmax family),
// about 10 vector ops cheaper than vexp: no overflow handling, and results
// below exp(-86.6) ~ 2.4e-38 are flushed to 0 (so -inf gives exactly 0 and no
// denormal, which would cost a microcode assist, is ever produced). NaN stays NaN.
inline vf vexp_nonpos(vf x) {
  const vf magic = splat(12582912.0f);
  const vf fx = x * 1.44269504088896341f + magic;  // bits: 0x4B400000 + round(x log2 e)
  const vf n = fx - magic;
  vf r = x - n * 0.693359375f;
  r = r - n * -2.12194440e-4f;
  vf y = exp_poly(r);
  // 2^n from fx's low mantissa bits: ((0x4B400000 + n) << 23) + (127 << 23) = (n + 127) << 23
  y = y * (vf)(((vi)fx << 23) + (127 << 23));
  return x < splat(-86.6f) ? splat(0.0f) : y;
}

inline float row_max(const float* x, int64_t cols) {
  vf m0 = splat(-__builtin_inff()), m1 = m0;
  int64_t j = 0;
  for (; j + 2 * LF <= cols; j += 2 * LF) {
    m0 = vmax(loadu(x + j), m0);
    m1 = vmax(loadu(x + j + LF), m1);
  }
  for (; j + LF <= cols; j += LF) m0 = vmax(loadu(x + j), m0);
  if (j < cols) m0 = vmax(load_partial(x + j, cols - j, -__builtin_inff()), m0);
  const float m = hmax(vmax(m0, m1));
  return m == -__builtin_inff() ? 0.0f : m;  // an all -inf row gives NaN, as in the TS kernel
}

// sum(exp(x - m)); also stores the exps to out when out is not null. Nonpos:
// x - m <= 0 is guaranteed (m is the row max), so the cheaper exp is exact enough.
template <bool Nonpos>
inline float row_sum_exp(const float* x, float m, float* out, int64_t cols) {
  const vf vm = splat(m);
  auto ex = [](vf v) { return Nonpos ? vexp_nonpos(v) : vexp(v); };
  vf s0 = vf{}, s1 = vf{};
  int64_t j = 0;
  for (; j + 2 * LF <= cols; j += 2 * LF) {
    const vf e0 = ex(loadu(x + j) - vm), e1 = ex(loadu(x + j + LF) - vm);
    if (out) {
      storeu(out + j, e0);
      storeu(out + j + LF, e1);
    }
    s0 += e0;
    s1 += e1;
  }
  for (; j + LF <= cols; j += LF) {
    const vf e = ex(loadu(x + j) - vm);
    if (out) storeu(out + j, e);
    s0 += e;
  }
  if (j < cols) {
    const vf e = ex(load_partial(x + j, cols - j, -__builtin_inff()) - vm);
    if (out) store_partial(out + j, e, cols - j);
    s0 += e;
  }
  return lane_sum(s0 + s1);
}

inline void row_scale(float* out, float s, int64_t cols) {
  const vf vs = splat(s);
  int64_t j = 0;
  for (; j + LF <= cols; j += LF) storeu(out + j, loadu(out + j) * vs);
  for (; j < cols; ++j) out[j] *= s;
}

// out[0:cols] = src * s with non-temporal (cache-bypassing) stores where the
// ISA has them: for outputs too large to stay in cache, this saves the read
// that a normal store of a not-yet-cached line costs (1/3 of the traffic).
inline void stream_scaled(const float* src, float s, float* out, int64_t cols) {
#ifdef ADJ_STREAM_STORE
  int64_t j = 0;
  for (; j < cols && ((uintptr_t)(out + j) % sizeof(vf)) != 0; ++j) out[j] = src[j] * s;
  const vf vs = splat(s);
  for (; j + LF <= cols; j += LF) ADJ_STREAM_STORE(out + j, loadu(src + j) * vs);
  for (; j < cols; ++j) out[j] = src[j] * s;
#else
  for (int64_t j = 0; j < cols; ++j) out[j] = src[j] * s;
#endif
}

constexpr int64_t kStreamMaxCols = 4096;

void softmax_f32(const float* x, float* out, int64_t rows, int64_t cols, bool stream) {
#ifdef ADJ_STREAM_STORE
  if (stream && cols <= kStreamMaxCols) {
    // exps go to an L1-resident scratch row, out is written once, streamed
    float scratch[kStreamMaxCols] __attribute__((aligned(64)));
    for (int64_t r = 0; r < rows; ++r, x += cols, out += cols) {
      // fetch the next row from memory while this one is computed
      if (r + 1 < rows)
        for (int64_t j = 0; j < cols; j += 64 / sizeof(float)) __builtin_prefetch(x + cols + j, 0, 3);
      const float m = row_max(x, cols);
      const float s = row_sum_exp<true>(x, m, scratch, cols);
      stream_scaled(scratch, 1.0f / s, out, cols);
    }
    ADJ_STREAM_FENCE();
    return;
  }
#endif
  (void)stream;
  for (int64_t r = 0; r < rows; ++r, x += cols, out += cols) {
    const float m = row_max(x, cols);
    const float s = row_sum_exp<true>(x, m, out, cols);
    row_scale(out, 1.0f / s, cols);
  }
}

void log_softmax_f32(const float* x, float* out, int64_t rows, int64_t cols) {
  for (int64_t r = 0; r < rows; ++r, x += cols, out += cols) {
    const float m = row_max(x, cols);
    const float lse = m + __builtin_logf(row_sum_exp<true>(x, m, nullptr, cols));
    const vf vl = splat(lse);
    int64_t j = 0;
    for (; j + LF <= cols; j += LF) storeu(out + j, loadu(x + j) - vl);
    for (; j < cols; ++j) out[j] = x[j] - lse;
  }
}

// gx = y * (gy - sum(gy * y))
void softmax_backward_f32(const float* y, const float* gy, float* gx, int64_t rows, int64_t cols) {
  for (int64_t r = 0; r < rows; ++r, y += cols, gy += cols, gx += cols) {
    vf d0 = vf{}, d1 = vf{};
    int64_t j = 0;
    for (; j + 2 * LF <= cols; j += 2 * LF) {
      d0 += loadu(gy + j) * loadu(y + j);
      d1 += loadu(gy + j + LF) * loadu(y + j + LF);
    }
    for (; j + LF <= cols; j += LF) d0 += loadu(gy + j) * loadu(y + j);
    float dot = lane_sum(d0 + d1);
    for (; j < cols; ++j) dot += gy[j] * y[j];
    const vf vd = splat(dot);
    j = 0;
    for (; j + LF <= cols; j += LF) storeu(gx + j, loadu(y + j) * (loadu(gy + j) - vd));
    for (; j < cols; ++j) gx[j] = y[j] * (gy[j] - dot);
  }
}

// gx = gy - exp(y) * sum(gy)
void log_softmax_backward_f32(const float* y, const float* gy, float* gx, int64_t rows, int64_t cols) {
  for (int64_t r = 0; r < rows; ++r, y += cols, gy += cols, gx += cols) {
    vf s0 = vf{}, s1 = vf{};
    int64_t j = 0;
    for (; j + 2 * LF <= cols; j += 2 * LF) {
      s0 += loadu(gy + j);
      s1 += loadu(gy + j + LF);
    }
    for (; j + LF <= cols; j += LF) s0 += loadu(gy + j);
    float s = lane_sum(s0 + s1);
    for (; j < cols; ++j) s += gy[j];
    const vf vs = splat(s);
    j = 0;
    for (; j + LF <= cols; j += LF) storeu(gx + j, loadu(gy + j) - vexp(loadu(y + j)) * vs);
    if (j < cols) {
      const int64_t rem = cols - j;
      const vf e = vexp(load_partial(y + j, rem, 0.0f));
      store_partial(gx + j, load_partial(gy + j, rem, 0.0f) - e * vs, rem);
    }
  }
}

inline float row_sum(const float* x, int64_t cols) {
  vf s0 = vf{}, s1 = vf{};
  int64_t j = 0;
  for (; j + 2 * LF <= cols; j += 2 * LF) {
    s0 += loadu(x + j);
    s1 += loadu(x + j + LF);
  }
  for (; j + LF <= cols; j += LF) s0 += loadu(x + j);
  float s = lane_sum(s0 + s1);
  for (; j < cols; ++j) s += x[j];
  return s;
}

// LF doubles, for float32 sums that must not lose precision over many rows.
typedef double vdw __attribute__((vector_size(2 * ADJ_VBYTES)));
typedef double vdw_u __attribute__((vector_size(2 * ADJ_VBYTES), aligned(8), may_alias));
inline void add_to(double* acc, vf v) { *(vdw_u*)acc += __builtin_convertvector(v, vdw); }

void layer_norm_f32(const float* x, const float* w, const float* b, float* y, float* mean, float* rstd, int64_t rows,
                    int64_t cols, double eps) {
  for (int64_t r = 0; r < rows; ++r, x += cols, y += cols) {
    // two passes (mean, then squared deviations): no cancellation for large means
    const float mu = row_sum(x, cols) / (float)cols;
    const vf vmu = splat(mu);
    vf v0 = vf{};
    int64_t j = 0;
    for (; j + LF <= cols; j += LF) {
      const vf d = loadu(x + j) - vmu;
      v0 += d * d;
    }
    float var = lane_sum(v0);
    for (; j < cols; ++j) var += (x[j] - mu) * (x[j] - mu);
    const float rs = (float)(1.0 / __builtin_sqrt((double)var / (double)cols + eps));
    mean[r] = mu;
    rstd[r] = rs;
    const vf vrs = splat(rs);
    j = 0;
    for (; j + LF <= cols; j += LF) {
      vf t = (loadu(x + j) - vmu) * vrs;
      if (w) t *= loadu(w + j);
      if (b) t += loadu(b + j);
      storeu(y + j, t);
    }
    for (; j < cols; ++j) {
      float t = (x[j] - mu) * rs;
      if (w) t *= w[j];
      if (b) t += b[j];
      y[j] = t;
    }
  }
}

void layer_norm_backward_f32(const float* x, const float* gy, const float* w, const float* mean, const float* rstd,
                             float* gx, double* accw, double* accb, int64_t rows, int64_t cols) {
  for (int64_t r = 0; r < rows; ++r, x += cols, gy += cols, gx = gx ? gx + cols : nullptr) {
    const float mu = mean[r], rs = rstd[r];
    const vf vmu = splat(mu), vrs = splat(rs);
    int64_t j = 0;
    if (accw || accb) {
      for (; j + LF <= cols; j += LF) {
        const vf g = loadu(gy + j);
        if (accw) add_to(accw + j, g * ((loadu(x + j) - vmu) * vrs));
        if (accb) add_to(accb + j, g);
      }
      for (; j < cols; ++j) {
        if (accw) accw[j] += (double)(gy[j] * ((x[j] - mu) * rs));
        if (accb) accb[j] += (double)gy[j];
      }
    }
    if (!gx) continue;
    vf sh0 = vf{}, shx0 = vf{};
    j = 0;
    for (; j + LF <= cols; j += LF) {
      const vf h = w ? loadu(gy + j) * loadu(w + j) : loadu(gy + j);
      sh0 += h;
      shx0 += h * ((loadu(x + j) - vmu) * vrs);
    }
    float sh = lane_sum(sh0), shx = lane_sum(shx0);
    for (int64_t i = j; i < cols; ++i) {
      const float h = w ? gy[i] * w[i] : gy[i];
      sh += h;
      shx += h * ((x[i] - mu) * rs);
    }
    const float mh = sh / (float)cols, mhx = shx / (float)cols;
    const vf vmh = splat(mh), vmhx = splat(mhx);
    j = 0;
    for (; j + LF <= cols; j += LF) {
      const vf h = w ? loadu(gy + j) * loadu(w + j) : loadu(gy + j);
      storeu(gx + j, vrs * (h - vmh - (loadu(x + j) - vmu) * vrs * vmhx));
    }
    for (; j < cols; ++j) {
      const float h = w ? gy[j] * w[j] : gy[j];
      gx[j] = rs * (h - mh - (x[j] - mu) * rs * mhx);
    }
  }
}

void cross_entropy_f32(const float* x, const int32_t* t, float* loss, float* lse, int64_t rows, int64_t cols,
                       int32_t ignore, double smoothing) {
  const float s = (float)smoothing;
  for (int64_t r = 0; r < rows; ++r, x += cols) {
    if (t[r] == ignore) {
      loss[r] = 0.0f;
      lse[r] = 0.0f;
      continue;
    }
    float m = row_max(x, cols);
    if (m == __builtin_inff()) m = 0.0f;  // keep the inf/NaN behaviour of the unshifted formula, as TS does
    const float l = m + __builtin_logf(row_sum_exp<false>(x, m, nullptr, cols));
    lse[r] = l;
    loss[r] = s == 0.0f ? l - x[t[r]] : l - (1.0f - s) * x[t[r]] - (s / (float)cols) * row_sum(x, cols);
  }
}

void cross_entropy_backward_f32(const float* x, const int32_t* t, const float* lse, const float* gloss, float* gx,
                                int64_t rows, int64_t cols, int32_t ignore, double smoothing) {
  const float s = (float)smoothing, off = s / (float)cols;
  for (int64_t r = 0; r < rows; ++r, x += cols, gx += cols) {
    if (t[r] == ignore) {
      for (int64_t j = 0; j < cols; ++j) gx[j] = 0.0f;
      continue;
    }
    const float g = gloss[r];
    const vf vl = splat(lse[r]), vg = splat(g), voff = splat(off);
    int64_t j = 0;
    for (; j + LF <= cols; j += LF) storeu(gx + j, vg * (vexp(loadu(x + j) - vl) - voff));
    if (j < cols) {
      const int64_t rem = cols - j;
      store_partial(gx + j, vg * (vexp(load_partial(x + j, rem, 0.0f) - vl) - voff), rem);
    }
    gx[t[r]] -= g * (1.0f - s);
  }
}
