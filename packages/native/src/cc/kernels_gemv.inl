// Part of kernels.inl (included there after kernels_gemm.inl, inside each isa_*.cc's anonymous namespace).
// ---------------------------------------------------------------------------
// One row of A (m = 1, decoding): c[0:n] = alpha * a[0:k] @ B (+ c when beta1),
// straight from B's memory (packing would cost more than the product).
template <class T>
struct Gemv {
  typedef typename Vec<T>::V V;
  typedef typename Vec<T>::U U;
  typedef typename Vec<T>::M M;
  static constexpr int L = sizeof(V) / sizeof(T);

  static T hsum(V v) {
    T s = 0;
    for (int i = 0; i < L; ++i) s += v[i];
    return s;
  }
  static void put(T* c, T v, T alpha, bool beta1) { *c = beta1 ? alpha * v + *c : alpha * v; }

  // Lanes [lo, hi) of t to c[lo:hi].
  static void put_lanes(V t, int lo, int hi, T* c, T alpha, bool beta1) {
    for (int i = lo; i < hi; ++i) put(c + i, t[i], alpha, beta1);
  }

  // B's rows contiguous (csb == 1): NV vectors of C, from the columns at bv (row 0)
  // and cv, accumulated over the rows of B; S sets of accumulators (rows p mod S)
  // so that even a narrow chunk has enough independent FMA chains to hide the FMA
  // latency. Only lanes [lo, L) of the first vector and [0, hi) of the last are
  // columns of C (the others are computed from whatever shares their aligned
  // vector, and dropped).
  template <int NV, int S>
  static void rows_chunk(const T* bv, T* cv, int lo, int hi, int64_t k, T alpha, const T* a, int64_t csa,
                         int64_t rsb, bool beta1) {
    V acc[S][NV];
    for (int s = 0; s < S; ++s)
      for (int v = 0; v < NV; ++v) acc[s][v] = V{};
    const T* bp = bv;
    int64_t p = 0;
    for (; p + S <= k; p += S, bp += S * rsb)
      for (int s = 0; s < S; ++s) {
        const T ap = a[(p + s) * csa];
        for (int v = 0; v < NV; ++v) acc[s][v] += ap * *(const U*)(bp + s * rsb + v * L);
      }
    for (; p < k; ++p, bp += rsb)
      for (int v = 0; v < NV; ++v) acc[0][v] += a[p * csa] * *(const U*)(bp + v * L);
    for (int v = 0; v < NV; ++v) {
      V t = acc[0][v];
      for (int s = 1; s < S; ++s) t += acc[s][v];
      const int l0 = v == 0 ? lo : 0, l1 = v == NV - 1 ? hi : L;
      if (l0 == 0 && l1 == L) {
        U* cp = (U*)(cv + v * L);
        *cp = beta1 ? alpha * t + *cp : alpha * t;
      } else {
        put_lanes(t, l0, l1, cv + v * L, alpha, beta1);
      }
    }
  }

  // The last n - j0 (< L) columns one at a time, 4 partial sums each.
  static void rows_scalar(int64_t j0, int64_t n, int64_t k, T alpha, const T* a, int64_t csa, const T* b,
                          int64_t rsb, T* c, bool beta1) {
    for (int64_t j = j0; j < n; ++j) {
      T s[4] = {0, 0, 0, 0};
      int64_t p = 0;
      for (; p + 4 <= k; p += 4)
        for (int q = 0; q < 4; ++q) s[q] += a[(p + q) * csa] * b[(p + q) * rsb + j];
      for (; p < k; ++p) s[0] += a[p * csa] * b[p * rsb + j];
      put(c + j, (s[0] + s[1]) + (s[2] + s[3]), alpha, beta1);
    }
  }

  // Vectors of columns, 8 at a time, then 4, 2, 1. When every row of B starts at
  // the same offset in a vector (rsb a multiple of it), the vectors are the
  // aligned ones that hold the row (an aligned vector never crosses a page, so
  // the lanes outside the row are read, then dropped): no load straddles two
  // cache lines, which would halve the bandwidth B streams in with from L2.
  // Otherwise unaligned loads, and the last columns one at a time.
  static void rows(int64_t n, int64_t k, T alpha, const T* a, int64_t csa, const T* b, int64_t rsb, T* c,
                   bool beta1) {
    const int64_t mis = (int64_t)((uintptr_t)b % sizeof(V));
    const bool same = (rsb * (int64_t)sizeof(T)) % (int64_t)sizeof(V) == 0 && mis % (int64_t)sizeof(T) == 0;
    const int off = same ? (int)(mis / (int64_t)sizeof(T)) : 0;
    const int64_t lanes = off + n;
    const int64_t nvec = same ? (lanes + L - 1) / L : n / L;
    const int last = (int)(same ? lanes - (nvec - 1) * L : L);
    const T* base = b - off;
    T* cbase = c - off;
    int64_t v = 0;
#define ADJ_ROWS_CHUNK(NV, S)                                                                                    \
  rows_chunk<NV, S>(base + v * L, cbase + v * L, v == 0 ? off : 0, v + NV == nvec ? last : L, k, alpha, a, csa, \
                    rsb, beta1)
    for (; v + 8 <= nvec; v += 8) ADJ_ROWS_CHUNK(8, 1);
    if (v + 4 <= nvec) ADJ_ROWS_CHUNK(4, 2), v += 4;
    if (v + 2 <= nvec) ADJ_ROWS_CHUNK(2, 4), v += 2;
    if (v + 1 <= nvec) ADJ_ROWS_CHUNK(1, 8), v += 1;
#undef ADJ_ROWS_CHUNK
    if (!same) rows_scalar(nvec * L, n, k, alpha, a, csa, b, rsb, c, beta1);
  }

  // One level of a transposing sum: x and y hold lane groups of G lanes (one
  // column's partial sums each); the result has groups of G / 2, the low half
  // of each group x's group folded in two, the high half y's.
  template <int G>
  static V fold(V x, V y) {
    V lo, hi;
    LaneSwap<T, G>::apply(x, y, lo, hi);
    return lo + hi;
  }
  // v[0:G] -> one vector whose lane q is the sum of v[q]'s lanes (v is overwritten).
  template <int G>
  static V transpose_sum(V* v) {
    if constexpr (G == 1) {
      return v[0];
    } else {
      for (int t = 0; t < G / 2; ++t) v[t] = fold<G>(v[t], v[t + G / 2]);
      return transpose_sum<G / 2>(v);
    }
  }

  // A partial vector along k: the lanes [lo, hi) of chunk ch (k indices
  // ch L - off + i) as a mask, and a's values there (0 elsewhere).
  struct Edge {
    M mask;
    V a;
    Edge(const T* a_, int64_t ch, int64_t off, int lo, int hi) {
      T at[L];
      for (int i = 0; i < L; ++i) {
        const bool in = i >= lo && i < hi;
        mask[i] = in ? -1 : 0;
        at[i] = in ? a_[ch * L - off + i] : T(0);
      }
      a = *(const U*)at;
    }
    // The vector at p (aligned) with the lanes outside [lo, hi) zeroed, times a.
    V times(const T* p) const { return a * (V)(*(const M*)p & mask); }
  };

  // B's columns contiguous (rsb == 1) and a contiguous: a dot product per column,
  // L columns at a time (L independent chains), their L partial-sum vectors
  // reduced together into one vector of C. When every column starts at the same
  // offset in a vector (csb a multiple of it), the loads along k are aligned:
  // the first and last partial vectors are read whole (an aligned vector never
  // crosses a page) and masked to the column's lanes, a zero-padded the same way.
  static void cols(int64_t n, int64_t k, T alpha, const T* a, const T* b, int64_t csb, T* c, bool beta1) {
    const int64_t mis = (int64_t)((uintptr_t)b % sizeof(V));
    const bool same = (csb * (int64_t)sizeof(T)) % (int64_t)sizeof(V) == 0 && mis % (int64_t)sizeof(T) == 0;
    const int64_t off = same ? mis / (int64_t)sizeof(T) : 0;
    // Aligned chunks along k: chunk ch covers k indices [ch L - off, ch L - off + L).
    const int64_t span = off + k, nch = (span + L - 1) / L;
    const bool head = off != 0 || span < L;  // chunk 0 partial
    const bool tail = nch > 1 && span % L != 0;  // chunk nch - 1 partial (and not chunk 0)
    const Edge eh(a, 0, off, (int)off, (int)imin(L, span)), et(a, nch - 1, off, 0, (int)(span - (nch - 1) * L));
    const int64_t kv = k / L * L;
    int64_t j = 0;
    for (; j + L <= n; j += L) {
      V acc[L];
      for (int q = 0; q < L; ++q) acc[q] = V{};
      const T* bj = b + j * csb;
      if (same) {
        const T* base = bj - off;  // aligned
        if (head)
          for (int q = 0; q < L; ++q) acc[q] += eh.times(base + q * csb);
        for (int64_t ch = head ? 1 : 0, end = tail ? nch - 1 : nch; ch < end; ++ch) {
          const V av = *(const U*)(a + ch * L - off);
          for (int q = 0; q < L; ++q) acc[q] += av * *(const V*)(base + q * csb + ch * L);
        }
        if (tail)
          for (int q = 0; q < L; ++q) acc[q] += et.times(base + q * csb + (nch - 1) * L);
      } else {
        for (int64_t p = 0; p < kv; p += L) {
          const V av = *(const U*)(a + p);
          for (int q = 0; q < L; ++q) acc[q] += av * *(const U*)(bj + q * csb + p);
        }
      }
      V s = transpose_sum<L>(acc);
      if (!same && kv < k) {
        T rest[L];
        for (int q = 0; q < L; ++q) {
          T t = 0;
          for (int64_t r = kv; r < k; ++r) t += a[r] * bj[q * csb + r];
          rest[q] = t;
        }
        s += *(const U*)rest;
      }
      U* cp = (U*)(c + j);
      *cp = beta1 ? alpha * s + *cp : alpha * s;
    }
    for (; j < n; ++j) {
      const T* bj = b + j * csb;
      V acc = V{};
      int64_t p = 0;
      for (; p < kv; p += L) acc += *(const U*)(a + p) * *(const U*)(bj + p);
      T s = hsum(acc);
      for (; p < k; ++p) s += a[p] * bj[p];
      put(c + j, s, alpha, beta1);
    }
  }

  // Returns false when B's layout suits neither form (the caller packs instead).
  static bool run(int64_t n, int64_t k, T alpha, const T* a, int64_t csa, const T* b, int64_t rsb, int64_t csb,
                  T* c, bool beta1) {
    if (csb == 1) {
      rows(n, k, alpha, a, csa, b, rsb, c, beta1);
      return true;
    }
    if (rsb == 1 && csa == 1) {
      cols(n, k, alpha, a, b, csb, c, beta1);
      return true;
    }
    return false;
  }
};
