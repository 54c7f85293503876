// Part of kernels.inl (included there, inside each isa_*.cc's anonymous namespace).
// ---------------------------------------------------------------------------
// RMS norm (float32) over contiguous [rows, cols], core's rmsNorm / rmsNormBackward:
// rstd = 1 / sqrt(mean(x^2) + eps) (squares summed in float32, as T5's float32
// variance), y = x rstd w; backward with xhat = x rstd, h = gy w:
// gx = rstd (h - xhat mean(h xhat)), gw += sum over the rows of gy xhat.

void rms_norm_f32(const float* x, const float* w, float* y, float* rstd, int64_t rows, int64_t cols, double eps) {
  for (int64_t r = 0; r < rows; ++r, x += cols, y += cols) {
    vf s0 = vf{}, s1 = vf{};
    int64_t j = 0;
    for (; j + 2 * LF <= cols; j += 2 * LF) {
      const vf a = loadu(x + j), b = loadu(x + j + LF);
      s0 += a * a;
      s1 += b * b;
    }
    for (; j + LF <= cols; j += LF) {
      const vf a = loadu(x + j);
      s0 += a * a;
    }
    float ss = lane_sum(s0 + s1);
    for (; j < cols; ++j) ss += x[j] * x[j];
    const float rs = (float)(1.0 / __builtin_sqrt((double)ss / (double)cols + eps));
    rstd[r] = rs;
    const vf vrs = splat(rs);
    j = 0;
    for (; j + LF <= cols; j += LF) storeu(y + j, w ? loadu(x + j) * vrs * loadu(w + j) : loadu(x + j) * vrs);
    for (; j < cols; ++j) y[j] = w ? x[j] * rs * w[j] : x[j] * rs;
  }
}

void rms_norm_backward_f32(const float* x, const float* gy, const float* w, const float* rstd, float* gx, double* accw,
                           int64_t rows, int64_t cols) {
  for (int64_t r = 0; r < rows; ++r, x += cols, gy += cols, gx = gx ? gx + cols : nullptr) {
    const float rs = rstd[r];
    const vf vrs = splat(rs);
    int64_t j = 0;
    if (accw) {
      for (; j + LF <= cols; j += LF) add_to(accw + j, loadu(gy + j) * (loadu(x + j) * vrs));
      for (; j < cols; ++j) accw[j] += (double)(gy[j] * (x[j] * rs));
    }
    if (!gx) continue;
    vf shx0 = vf{};
    j = 0;
    for (; j + LF <= cols; j += LF) {
      const vf h = w ? loadu(gy + j) * loadu(w + j) : loadu(gy + j);
      shx0 += h * (loadu(x + j) * vrs);
    }
    float shx = lane_sum(shx0);
    for (int64_t i = j; i < cols; ++i) shx += (w ? gy[i] * w[i] : gy[i]) * (x[i] * rs);
    const float mhx = shx / (float)cols;
    const vf vmhx = splat(mhx);
    j = 0;
    for (; j + LF <= cols; j += LF) {
      const vf h = w ? loadu(gy + j) * loadu(w + j) : loadu(gy + j);
      storeu(gx + j, vrs * (h - loadu(x + j) * vrs * vmhx));
    }
    for (; j < cols; ++j) gx[j] = rs * ((w ? gy[j] * w[j] : gy[j]) - x[j] * rs * mhx);
  }
}
