// Part of kernels.inl (included there, inside each isa_*.cc's anonymous namespace).
// ---------------------------------------------------------------------------
// ReLU (float32) and its backward, core's `unary` relu and `reluBackward`:
// y = x > 0 ? x : 0 (NaN and -0 give +0, as core's TS kernel), gx = x > 0 ? gy : 0.

inline vf relu_v(vf x) { return x > splat(0.0f) ? x : splat(0.0f); }

void relu_f32(const float* x, float* y, int64_t n) {
  int64_t i = 0;
  for (; i + LF <= n; i += LF) storeu(y + i, relu_v(loadu(x + i)));
  if (i < n) store_partial(y + i, relu_v(load_partial(x + i, n - i, 0.0f)), n - i);
}

void relu_backward_f32(const float* x, const float* gy, float* gx, int64_t n) {
  int64_t i = 0;
  for (; i + LF <= n; i += LF) storeu(gx + i, loadu(x + i) > splat(0.0f) ? loadu(gy + i) : splat(0.0f));
  if (i < n) {
    const int64_t r = n - i;
    store_partial(gx + i, load_partial(x + i, r, 0.0f) > splat(0.0f) ? load_partial(gy + i, r, 0.0f) : splat(0.0f), r);
  }
}
