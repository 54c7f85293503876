// Part of kernels.inl (included there, inside each isa_*.cc's anonymous namespace).
// ---------------------------------------------------------------------------
// Scaled dot-product attention of one (batch, head) pair, float32 and float64
// (AttentionHead in isa.h). The matrices are tiny (T x T x head dim), so each
// product is one register-tiled loop: a tile of rows of C is held in vector
// registers while the depth loop broadcasts one element of A per row (A is read
// in place through any strides, transposed or not) and loads whole vectors of
// B, which is packed (row-major, rows padded to full vectors) in the
// workspace. Causal attention skips what a row cannot see: the columns of
// q k^T and of dP past the row block's last visible key, and the depth of
// P v, dS k, dS^T q and P^T gOut past it. So a NaN or inf in k or v at a key
// a causal row cannot see does not reach that row's results (the reference
// kernels multiply it by P = 0, giving NaN); a row that sees nothing (all its
// scores -inf) is NaN as in the reference, and its head then skips nothing.
//
//   P = softmax(scale q k^T + mask), out = P v
//   dP = gOut v^T, dS = P (dP - rowsum(dP P)), gq = scale dS k, gk = scale dS^T q, gv = P^T gOut

using adj::AttentionHead;

template <class T>
constexpr int attn_lanes() { return ADJ_VBYTES / (int)sizeof(T); }

// x in every lane: ones * x folds to one broadcast (`V{} + x` keeps an add of 0,
// an extra uop per use; a loop over lanes becomes one masked broadcast per lane).
template <class T>
inline typename Vec<T>::V attn_splat(T x) {
  return (typename Vec<T>::V{} + T(1)) * x;
}

// The first n lanes of v to p (0 < n < lanes), added to what p holds with acc: masked
// stores where the ISA has them (a row's last, partial vector).
#if ADJ_VBYTES == 64 && defined(__AVX512F__)
inline void attn_store_partial(float* p, vf v, int64_t n, bool acc) {
  const __mmask16 m = (__mmask16)((1u << n) - 1);
  if (acc) v = (vf)_mm512_add_ps((__m512)v, _mm512_maskz_loadu_ps(m, p));
  _mm512_mask_storeu_ps(p, m, (__m512)v);
}
inline void attn_store_partial(double* p, vd v, int64_t n, bool acc) {
  const __mmask8 m = (__mmask8)((1u << n) - 1);
  if (acc) v = (vd)_mm512_add_pd((__m512d)v, _mm512_maskz_loadu_pd(m, p));
  _mm512_mask_storeu_pd(p, m, (__m512d)v);
}
#elif ADJ_VBYTES == 32 && defined(__AVX2__)
inline void attn_store_partial(float* p, vf v, int64_t n, bool acc) {
  const __m256i m = _mm256_cmpgt_epi32(_mm256_set1_epi32((int)n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
  if (acc) v += (vf)_mm256_maskload_ps(p, m);
  _mm256_maskstore_ps(p, m, (__m256)v);
}
inline void attn_store_partial(double* p, vd v, int64_t n, bool acc) {
  const __m256i m = _mm256_cmpgt_epi64(_mm256_set1_epi64x(n), _mm256_setr_epi64x(0, 1, 2, 3));
  if (acc) v += (vd)_mm256_maskload_pd(p, m);
  _mm256_maskstore_pd(p, m, (__m256d)v);
}
#else
template <class T, class V>
inline void attn_store_partial(T* p, V v, int64_t n, bool acc) {
  for (int l = 0; l < attn_lanes<T>(); ++l)
    if (l < n) p[l] = acc ? p[l] + v[l] : v[l];
}
#endif
// Rows of a register tile, and its widest block of columns in vectors: 16 of 32
// zmm accumulators on AVX-512, 8 of 16 ymm / xmm registers elsewhere.
constexpr int kAttnMR = 4;
constexpr int kAttnNV = ADJ_VBYTES == 64 ? 4 : 2;

// C[r, 0:n] = alpha sum_{p0 <= p < p1} A(r, p) B[p, 0:n] (+ C[r, 0:n] with acc) for r < mr,
// A(r, p) = a[r ars + p acs]. B's rows (ldb apart) are readable for NV whole vectors;
// n <= NV lanes; C's rows are ldc apart with unit column stride. Rows mr..kAttnMR-1 of
// the tile repeat row 0 (valid memory) and are not stored.
template <class T, int NV>
inline void attn_tile(int mr, int64_t p0, int64_t p1, const T* a, int64_t ars, int64_t acs, const T* b, int64_t ldb,
                      T* c, int64_t ldc, int64_t n, T alpha, bool acc) {
  typedef typename Vec<T>::V V;
  typedef typename Vec<T>::U U;
  constexpr int W = attn_lanes<T>();
  V s[kAttnMR][NV];
  for (int r = 0; r < kAttnMR; ++r)
    for (int j = 0; j < NV; ++j) s[r][j] = V{};
  const T* ar[kAttnMR];
  for (int r = 0; r < kAttnMR; ++r) ar[r] = a + (r < mr ? r : 0) * ars;
  for (int64_t p = p0; p < p1; ++p) {
    const T* bp = b + p * ldb;
    V bv[NV];
    for (int j = 0; j < NV; ++j) bv[j] = *(const U*)(bp + j * W);
    const int64_t ao = p * acs;
    for (int r = 0; r < kAttnMR; ++r) {
      const V av = attn_splat<T>(ar[r][ao]);
      for (int j = 0; j < NV; ++j) s[r][j] += av * bv[j];
    }
  }
  for (int r = 0; r < mr; ++r) {
    T* cr = c + r * ldc;
    for (int j = 0; j < NV; ++j) {
      const int64_t left = n - (int64_t)j * W;
      if (left <= 0) break;
      V x = s[r][j] * alpha;
      T* cp = cr + j * W;
      if (left >= W) {
        if (acc) x += *(const U*)cp;
        *(U*)cp = x;
      } else {
        attn_store_partial(cp, x, left, acc);
      }
    }
  }
}

// C[0:m, 0:n(i0)] (+)= alpha A B over row blocks [i0, i0 + mr): cols(i0, mr) gives
// the block's column count, depth(i0, mr, p0, p1) its depth range. B's rows are
// ldb apart, each readable for round_up(max n, lanes) elements (packed and padded,
// or in place when n is whole vectors: attn_operand).
template <class T, class Cols, class Depth>
inline void attn_gemm(int64_t m, const T* a, int64_t ars, int64_t acs, const T* b, int64_t ldb, T* c, int64_t ldc,
                      T alpha, bool acc, Cols cols, Depth depth) {
  constexpr int W = attn_lanes<T>(), NB = kAttnNV * W;
  for (int64_t i0 = 0; i0 < m; i0 += kAttnMR) {
    const int mr = (int)imin(kAttnMR, m - i0);
    const int64_t n = cols(i0, mr);
    int64_t p0 = 0, p1 = 0;
    depth(i0, mr, p0, p1);
    const T* ai = a + i0 * ars;
    T* ci = c + i0 * ldc;
    for (int64_t j0 = 0; j0 < n; j0 += NB) {
      const int64_t nb = imin(NB, n - j0);
      const int nv = (int)((nb + W - 1) / W);
      if (nv == 1) attn_tile<T, 1>(mr, p0, p1, ai, ars, acs, b + j0, ldb, ci + j0, ldc, nb, alpha, acc);
      else if (nv == 2) attn_tile<T, 2>(mr, p0, p1, ai, ars, acs, b + j0, ldb, ci + j0, ldc, nb, alpha, acc);
      else if (nv == 3) attn_tile<T, (kAttnNV > 2 ? 3 : 2)>(mr, p0, p1, ai, ars, acs, b + j0, ldb, ci + j0, ldc, nb, alpha, acc);
      else attn_tile<T, kAttnNV>(mr, p0, p1, ai, ars, acs, b + j0, ldb, ci + j0, ldc, nb, alpha, acc);
    }
  }
}

// dst[r * ld + c] = src[c * cs + r] for r in [r0, r1), c in [c0, c1): a transposed block, read along its memory rows.
template <class T>
inline void attn_transpose_scalar(int64_t r0, int64_t r1, int64_t c0, int64_t c1, const T* src, int64_t cs, T* dst, int64_t ld) {
  for (int64_t c = c0; c < c1; ++c)
    for (int64_t r = r0; r < r1; ++r) dst[r * ld + c] = src[c * cs + r];
}

// One L x L tile (L lanes of a vector): d[j * ld + i] = s[i * cs + j], i, j < L, its
// rows transposed in registers by the gemm packing's transpose_block (kernels_gemm.inl).
template <class T>
inline void attn_transpose_tile(const T* s, int64_t cs, T* d, int64_t ld) {
  typedef typename Vec<T>::V V;
  typedef typename Vec<T>::U U;
  constexpr int L = sizeof(V) / sizeof(T);
  V r[L];
  for (int i = 0; i < L; ++i) r[i] = *(const U*)(s + i * cs);
  transpose_block<T>(r);
  for (int j = 0; j < L; ++j) *(U*)(d + j * ld) = r[j];
}

// The same for a whole rows x cols matrix: square tiles in registers, the edges
// element by element.
template <class T>
inline void attn_transpose(int64_t rows, int64_t cols, const T* src, int64_t cs, T* dst, int64_t ld) {
  constexpr int W = sizeof(typename Vec<T>::V) / sizeof(T);
  const int64_t rt = rows / W * W, ct = cols / W * W;
  for (int64_t r = 0; r < rt; r += W)
    for (int64_t c = 0; c < ct; c += W) attn_transpose_tile<T>(src + c * cs + r, cs, dst + r * ld + c, ld);
  attn_transpose_scalar<T>(0, rt, ct, cols, src, cs, dst, ld);
  attn_transpose_scalar<T>(rt, rows, 0, cols, src, cs, dst, ld);
}

// dst[r * ld + c] = src[r rs + c cs] for a rows x cols matrix, each row zero-padded to ld.
template <class T>
inline void attn_pack(int64_t rows, int64_t cols, const T* src, int64_t rs, int64_t cs, T* dst, int64_t ld) {
  for (int64_t r = 0; r < rows; ++r) {
    const T* s = src + r * rs;
    T* d = dst + r * ld;
    if (cs == 1)
      for (int64_t c = 0; c < cols; ++c) d[c] = s[c];
    else if (rs != 1)
      for (int64_t c = 0; c < cols; ++c) d[c] = s[c * cs];
    for (int64_t c = cols; c < ld; ++c) d[c] = T(0);
  }
  if (cs != 1 && rs == 1) attn_transpose<T>(rows, cols, src, cs, dst, ld);  // a transposed matrix: read along its memory rows
}

template <class T>
inline int64_t attn_ld(int64_t n) { return round_up(n < 1 ? 1 : n, attn_lanes<T>()); }

// A gemm's B operand (rows x cols at src, strides rs, cs): read in place when its rows are
// whole vectors with a unit column stride (the tiles then load only within each row: the
// heads of a packed projection), else packed into dst with rows ld apart. Sets b and ldb.
template <class T>
inline void attn_operand(int64_t rows, int64_t cols, const T* src, int64_t rs, int64_t cs, T* dst, int64_t ld, const T*& b,
                         int64_t& ldb) {
  if (cs == 1 && cols % attn_lanes<T>() == 0) {
    b = src, ldb = rs;
    return;
  }
  attn_pack(rows, cols, src, rs, cs, dst, ld);
  b = dst, ldb = ld;
}

// softmax of x[0:n] in place; returns the sum of exps (0 or NaN: the row is degenerate,
// all -inf or NaN, and the caller fills it with NaN as the reference softmax gives).
inline float attn_softmax_row(float* x, int64_t n) {
  const float m = row_max(x, n);
  const float s = row_sum_exp<true>(x, m, x, n);
  if (s > 0) row_scale(x, 1.0f / s, n);
  return s;
}
inline double attn_softmax_row(double* x, int64_t n) {
  double m = -__builtin_inf();
  for (int64_t j = 0; j < n; ++j) m = x[j] > m ? x[j] : m;
  if (m == -__builtin_inf()) m = 0;
  double s = 0;
  for (int64_t j = 0; j < n; ++j) s += (x[j] = __builtin_exp(x[j] - m));
  if (s > 0) {
    const double inv = 1.0 / s;
    for (int64_t j = 0; j < n; ++j) x[j] *= inv;
  }
  return s;
}

// The sum of the lanes: float by halves (lane_sum), double in lane order.
inline float attn_hsum(vf v) { return lane_sum(v); }
inline double attn_hsum(vd v) {
  double s = 0;
  for (int l = 0; l < attn_lanes<double>(); ++l) s += v[l];
  return s;
}

// sum_j x[j] y[j]
template <class T>
inline T attn_dot(const T* x, const T* y, int64_t n) {
  typedef typename Vec<T>::V V;
  typedef typename Vec<T>::U U;
  constexpr int W = attn_lanes<T>();
  V s0 = V{}, s1 = V{};
  int64_t j = 0;
  for (; j + 2 * W <= n; j += 2 * W) {
    s0 += *(const U*)(x + j) * *(const U*)(y + j);
    s1 += *(const U*)(x + j + W) * *(const U*)(y + j + W);
  }
  for (; j + W <= n; j += W) s0 += *(const U*)(x + j) * *(const U*)(y + j);
  T s = attn_hsum(s0 + s1);
  for (; j < n; ++j) s += x[j] * y[j];
  return s;
}

// n rounded up to whole vectors, at most cols: the columns of C worth computing when
// those past n are overwritten afterwards (a full vector store instead of a partial one).
template <class T>
inline int64_t attn_whole(int64_t n, int64_t cols) {
  const int64_t r = round_up(n, attn_lanes<T>());
  return r < cols ? r : cols;
}

// Keys query i may see: [0, attn_visible(i)).
template <class T>
inline int64_t attn_visible(const AttentionHead<T>& h, int64_t i) {
  if (!h.causal) return h.S;
  const int64_t n = i + h.qoff + 1;
  return n < 0 ? 0 : n > h.S ? h.S : n;
}

template <class T>
int64_t attention_workspace(int64_t L, int64_t S, int64_t E, int64_t Ev) {
  const int64_t fwd = E * attn_ld<T>(S) + S * attn_ld<T>(Ev);
  const int64_t bwd = Ev * attn_ld<T>(S) + S * attn_ld<T>(E) + L * attn_ld<T>(E) + L * attn_ld<T>(Ev) + L * S;
  return fwd > bwd ? fwd : bwd;
}

template <class T>
void attention_forward(const AttentionHead<T>& h, T* ws) {
  const int64_t L = h.L, S = h.S, E = h.E, Ev = h.Ev, ldS = attn_ld<T>(S), ldV = attn_ld<T>(Ev);
  T* kt = ws;              // k^T [E, S]
  T* vp = kt + E * ldS;    // v [S, Ev]
  attn_pack(E, S, h.k, h.kcs, h.krs, kt, ldS);
  const T* vb;
  int64_t ldv;
  attn_operand(S, Ev, h.v, h.vrs, h.vcs, vp, ldV, vb, ldv);
  auto last_visible = [&](int64_t i0, int mr) { return attn_visible(h, i0 + mr - 1); };
  // scores = scale q k^T into probs; the columns a causal block cannot see are left out
  // from the first whole vector past its last visible key (the rest are set below)
  attn_gemm<T>(L, h.q, h.qrs, h.qcs, kt, ldS, h.probs, S, h.scale, false, [&](int64_t i0, int mr) { return attn_whole<T>(last_visible(i0, mr), S); },
               [&](int64_t, int, int64_t& p0, int64_t& p1) { p0 = 0, p1 = E; });
  bool degenerate = false;
  for (int64_t i = 0; i < L; ++i) {
    T* row = h.probs + i * S;
    const int64_t n = attn_visible(h, i);
    if (h.mask) {
      const T* m = h.mask + i * h.mrs;
      if (h.mcs == 1)
        for (int64_t j = 0; j < n; ++j) row[j] += m[j];
      else
        for (int64_t j = 0; j < n; ++j) row[j] += m[j * h.mcs];
    }
    if (attn_softmax_row(row, n) > 0) {
      for (int64_t j = n; j < S; ++j) row[j] = T(0);
    } else {  // every visible score -inf (or NaN): the whole row is NaN, as softmax gives
      for (int64_t j = 0; j < S; ++j) row[j] = __builtin_nan("");
      degenerate = true;
    }
  }
  // out = P v; a NaN row must reach every output it touches, so no skipping then
  const bool skip = h.causal && !degenerate;
  attn_gemm<T>(L, h.probs, S, 1, vb, ldv, h.out, h.ors, T(1), false, [&](int64_t, int) { return Ev; },
               [&](int64_t i0, int mr, int64_t& p0, int64_t& p1) { p0 = 0, p1 = skip ? last_visible(i0, mr) : S; });
}

template <class T>
void attention_backward(const AttentionHead<T>& h, T* ws) {
  const int64_t L = h.L, S = h.S, E = h.E, Ev = h.Ev, ldS = attn_ld<T>(S), ldE = attn_ld<T>(E), ldV = attn_ld<T>(Ev);
  // a NaN row of P (a row with nothing to attend) reaches every key: no skipping then
  bool skip = h.causal;
  for (int64_t i = 0; skip && i < L; ++i)
    if (S > 0 && h.probs[i * S] != h.probs[i * S]) skip = false;
  auto last_visible = [&](int64_t i0, int mr) { return skip ? attn_visible(h, i0 + mr - 1) : S; };
  // keys j0..j0+mr-1 are seen by queries i >= j0 - qoff only
  auto key_depth = [&](int64_t j0, int, int64_t& p0, int64_t& p1) {
    const int64_t first = skip ? j0 - h.qoff : 0;
    p0 = first < 0 ? 0 : first > L ? L : first, p1 = L;
  };
  auto visible_depth = [&](int64_t i0, int mr, int64_t& p0, int64_t& p1) { p0 = 0, p1 = last_visible(i0, mr); };
  T* vt = ws;              // v^T [Ev, S]
  T* kp = vt + Ev * ldS;   // k [S, E]
  T* qp = kp + S * ldE;    // q [L, E]
  T* gp = qp + L * ldE;    // gOut [L, Ev]
  T* gs = h.gs ? h.gs : gp + L * ldV;  // dS [L, S]: the caller's gScores, or scratch
  attn_pack(Ev, S, h.v, h.vcs, h.vrs, vt, ldS);
  // dP = gOut v^T into gs, then dS = P (dP - rowsum(dP P)) row by row
  attn_gemm<T>(L, h.g, h.grs, h.gcs, vt, ldS, gs, S, T(1), false, [&](int64_t i0, int mr) { return attn_whole<T>(last_visible(i0, mr), S); },
               [&](int64_t, int, int64_t& p0, int64_t& p1) { p0 = 0, p1 = Ev; });
  for (int64_t i = 0; i < L; ++i) {
    T* d = gs + i * S;
    const T* p = h.probs + i * S;
    const int64_t n = skip ? attn_visible(h, i) : S;
    const T dot = attn_dot(d, p, n);
    for (int64_t j = 0; j < n; ++j) d[j] = p[j] * (d[j] - dot);
    for (int64_t j = n; j < S; ++j) d[j] = T(0);
  }
  if (h.gq) {  // gq = scale dS k
    const T* kb;
    int64_t ldk;
    attn_operand(S, E, h.k, h.krs, h.kcs, kp, ldE, kb, ldk);
    attn_gemm<T>(L, gs, S, 1, kb, ldk, h.gq, h.gqrs, h.scale, h.acc, [&](int64_t, int) { return E; }, visible_depth);
  }
  if (h.gk) {  // gk = scale dS^T q
    const T* qb;
    int64_t ldq;
    attn_operand(L, E, h.q, h.qrs, h.qcs, qp, ldE, qb, ldq);
    attn_gemm<T>(S, gs, 1, S, qb, ldq, h.gk, h.gkrs, h.scale, h.acc, [&](int64_t, int) { return E; }, key_depth);
  }
  if (h.gv) {  // gv = P^T gOut
    const T* gb;
    int64_t ldg;
    attn_operand(L, Ev, h.g, h.grs, h.gcs, gp, ldV, gb, ldg);
    attn_gemm<T>(S, h.probs, 1, S, gb, ldg, h.gv, h.gvrs, T(1), h.acc, [&](int64_t, int) { return Ev; }, key_depth);
  }
}
