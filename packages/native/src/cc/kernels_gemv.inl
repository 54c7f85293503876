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

  static void put(T* c, T v, T alpha, bool beta1) { *c = beta1 ? alpha * v + *c : alpha * v; }

  // Lanes [lo, hi) of t to c[lo:hi].
  static void put_lanes(V t, int lo, int hi, T* c, T alpha, bool beta1) {
    for (int i = lo; i < hi; ++i) put(c + i, t[i], alpha, beta1);
  }

  // Every column of C is computed by the same operations wherever it lies in
  // the product (which chunk, group or tail holds it, how B is aligned): a
  // column range of a product (what a thread computes when the columns are
  // split) gives bitwise the results of the whole. In the row form each lane
  // runs two chains (even / odd rows of B), summed at the end; in the column
  // form each column two (even / odd chunks of L along k), summed lane by lane,
  // then its lanes by halves (lane_sum, which transpose_sum does for L columns
  // at once).

  // B's rows contiguous (csb == 1): NV vectors of C, from the columns at bv (row 0)
  // and cv, accumulated over the rows of B. Only lanes [lo, L) of the first vector
  // and [0, hi) of the last are columns of C; the others (ML: the first vector has
  // some, MH: the last) are zeroed as they are loaded and dropped at the end: in
  // the first and last rows they hold whatever lies around B, where a bit pattern
  // that reads as a denormal float costs a microcode assist per FMA (measured in
  // Node: +0.2 us on a 1 x 64 x 32 product, more than the product itself).
  template <int NV, bool ML, bool MH>
  static void rows_chunk(const T* bv, T* cv, int lo, int hi, int64_t k, T alpha, const T* a, int64_t csa,
                         int64_t rsb, bool beta1) {
    M mlo, mhi;
    for (int i = 0; i < L; ++i) {
      mlo[i] = i >= lo ? -1 : 0;
      mhi[i] = i < hi ? -1 : 0;
    }
    if (NV == 1) mlo &= mhi;
    // vector v of the row at q (edges: aligned, in the same-offset case)
    auto load = [&](const T* q, int v) -> V {
      if (ML && v == 0) return (V)(*(const M*)q & mlo);
      if (MH && v == NV - 1) return (V)(*(const M*)q & (NV == 1 ? mlo : mhi));
      return *(const U*)q;
    };
    V e[NV], o[NV];
    for (int v = 0; v < NV; ++v) e[v] = o[v] = V{};
    const T* bp = bv;
    int64_t p = 0;
    for (; p + 2 <= k; p += 2, bp += 2 * rsb) {
      const T a0 = a[p * csa], a1 = a[(p + 1) * csa];
      for (int v = 0; v < NV; ++v) e[v] += a0 * load(bp + v * L, v);
      for (int v = 0; v < NV; ++v) o[v] += a1 * load(bp + rsb + v * L, v);
    }
    if (p < k)
      for (int v = 0; v < NV; ++v) e[v] += a[p * csa] * load(bp + v * L, v);
    for (int v = 0; v < NV; ++v) {
      const V t = e[v] + o[v];
      const bool first = ML && v == 0, last = MH && v == NV - 1;
      if (!first && !last) {
        U* cp = (U*)(cv + v * L);
        *cp = beta1 ? alpha * t + *cp : alpha * t;
      } else {
        put_lanes(t, first ? lo : 0, last ? hi : L, cv + v * L, alpha, beta1);
      }
    }
  }
  // rows_chunk with the masks its edges need.
  template <int NV>
  static void rows_chunk_at(const T* bv, T* cv, int lo, int hi, int64_t k, T alpha, const T* a, int64_t csa,
                            int64_t rsb, bool beta1) {
    if (lo > 0 && hi < L)
      rows_chunk<NV, true, true>(bv, cv, lo, hi, k, alpha, a, csa, rsb, beta1);
    else if (lo > 0)
      rows_chunk<NV, true, false>(bv, cv, lo, hi, k, alpha, a, csa, rsb, beta1);
    else if (hi < L)
      rows_chunk<NV, false, true>(bv, cv, lo, hi, k, alpha, a, csa, rsb, beta1);
    else
      rows_chunk<NV, false, false>(bv, cv, lo, hi, k, alpha, a, csa, rsb, beta1);
  }

  // The last n - j0 (< L) columns: the same chains as a vector lane, on their
  // values gathered row by row into one vector (a scalar loop would not do the
  // same operations: the compiler vectorizes its multiplies apart from the adds).
  static void rows_rest(int64_t j0, int64_t n, int64_t k, T alpha, const T* a, int64_t csa, const T* b,
                        int64_t rsb, T* c, bool beta1) {
    const int w = (int)(n - j0);
    if (w <= 0) return;
    V acc[2] = {V{}, V{}};
    for (int64_t p = 0; p < k; ++p) {
      T g[L];
      for (int i = 0; i < L; ++i) g[i] = i < w ? b[p * rsb + j0 + i] : T(0);
      acc[p & 1] += a[p * csa] * *(const U*)g;
    }
    put_lanes(acc[0] + acc[1], 0, w, c + j0, alpha, beta1);
  }

  // Vectors of columns, 4 at a time, then 2, 1 (two chains each: from L2, 4
  // vectors x 2 chains were as fast as 8 x 1 and faster than 4 x 4 or 8 x 2; a
  // narrow product waits on the FMA latency, which 2 chains halve). When every
  // row of B starts at the same offset in a vector (rsb a multiple of it), the
  // vectors are the aligned ones that hold the row (an aligned vector never
  // crosses a page, so the lanes outside the row are read, then dropped): no load
  // straddles two cache lines, which would halve the bandwidth B streams in with
  // from L2. Otherwise unaligned loads, and the last columns gathered.
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
#define ADJ_ROWS_CHUNK(NV)                                                                                    \
  rows_chunk_at<NV>(base + v * L, cbase + v * L, v == 0 ? off : 0, v + NV == nvec ? last : L, k, alpha, a, csa, \
                    rsb, beta1)
    for (; v + 4 <= nvec; v += 4) ADJ_ROWS_CHUNK(4);
    if (v + 2 <= nvec) ADJ_ROWS_CHUNK(2), v += 2;
    if (v + 1 <= nvec) ADJ_ROWS_CHUNK(1), v += 1;
#undef ADJ_ROWS_CHUNK
    if (!same) rows_rest(nvec * L, n, k, alpha, a, csa, b, rsb, c, beta1);
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
    Edge() : mask(M{}), a(V{}) {}
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

  // How a column of B (k long, contiguous) is cut into chunks of L along k: chunk
  // ch covers k indices [ch L - off, ch L - off + L). same (every column starts at
  // the same offset in a vector: csb a multiple of it): the chunks are the aligned
  // vectors that hold the column, a partial first (head) or last (tail) one read
  // whole (an aligned vector never crosses a page) and masked, a zero-padded alike.
  // Otherwise chunks from k index 0, unaligned, a partial last one gathered.
  struct Chunks {
    bool same, head, tail;
    int64_t off, nch;
    Edge eh, et;
    Chunks(const T* a, int64_t k, bool same_, int64_t off_, int64_t span)
        : same(same_),
          head(same_ && (off_ != 0 || span < L)),
          tail(same_ ? span > L && span % L != 0 : k % L != 0),
          off(off_),
          nch((span + L - 1) / L),
          eh(head ? Edge(a, 0, off_, (int)off_, (int)imin(L, span)) : Edge()),
          et(tail ? Edge(a, nch - 1, off_, 0, (int)(span - (nch - 1) * L)) : Edge()) {}
    static Chunks of(const T* a, const T* b, int64_t csb, int64_t k) {
      const int64_t mis = (int64_t)((uintptr_t)b % sizeof(V));
      const bool same = (csb * (int64_t)sizeof(T)) % (int64_t)sizeof(V) == 0 && mis % (int64_t)sizeof(T) == 0;
      const int64_t off = same ? mis / (int64_t)sizeof(T) : 0;
      return Chunks(a, k, same, off, off + k);
    }
  };

  // R columns of B side by side (csb apart from bj): out[r] = column r's lane
  // partials, the even chunks' chain plus the odd chunks'. The R columns are read
  // chunk by chunk together: R streams through memory, about as fast from L2 as
  // one sequential read for R = 4 (16 side by side were ~15% slower).
  // The lanes of p[0:L] that mask selects (the others 0), read one at a time.
  __attribute__((noinline)) static V gather(const T* p, M mask) {
    T g[L];
    for (int i = 0; i < L; ++i) g[i] = mask[i] ? p[i] : T(0);
    return *(const U*)g;
  }

  template <int R>
  static void partials(const Chunks& ck, const T* a, const T* bj, int64_t csb, V* out) {
    V e[R], o[R];
    for (int r = 0; r < R; ++r) e[r] = o[r] = V{};
    const T* base = bj - ck.off;  // chunk ch of column r at base + r csb + ch L
    const T* ap = a - ck.off;     // a's part at ap + ch L
    int64_t ch = 0;
    const int64_t end = ck.tail ? ck.nch - 1 : ck.nch;
    if (ck.head) {
      for (int r = 0; r < R; ++r) e[r] += ck.eh.times(base + r * csb);
      ch = 1;
      if (ch < end) {
        const V a1 = *(const U*)(ap + L);
        for (int r = 0; r < R; ++r) o[r] += a1 * *(const U*)(base + r * csb + L);
        ch = 2;
      }
    }
    for (; ch + 2 <= end; ch += 2) {
      const V a0 = *(const U*)(ap + ch * L), a1 = *(const U*)(ap + ch * L + L);
      for (int r = 0; r < R; ++r) e[r] += a0 * *(const U*)(base + r * csb + ch * L);
      for (int r = 0; r < R; ++r) o[r] += a1 * *(const U*)(base + r * csb + ch * L + L);
    }
    if (ch < end) {
      const V a0 = *(const U*)(ap + ch * L);
      for (int r = 0; r < R; ++r) e[r] += a0 * *(const U*)(base + r * csb + ch * L);
      ++ch;
    }
    // the last chunk, partial: added the way a whole one is (acc += a * chunk, one FMA)
#define ADJ_TAIL(acc)                                                                                      \
  for (int r = 0; r < R; ++r)                                                                              \
    acc[r] += ck.et.a * (ck.same ? (V)(*(const M*)(base + r * csb + ch * L) & ck.et.mask)                  \
                                 : gather(bj + r * csb + ch * L, ck.et.mask));
    if (ck.tail) {
      if (ch & 1) {
        ADJ_TAIL(o)
      } else {
        ADJ_TAIL(e)
      }
    }
#undef ADJ_TAIL
    for (int r = 0; r < R; ++r) out[r] = e[r] + o[r];
  }

  // B's columns contiguous (rsb == 1) and a contiguous: a dot product per column,
  // L columns at a time, their L partial-sum vectors reduced together into one
  // vector of C (transpose_sum); the last n % L columns 4, then 1 at a time.
  static void cols(int64_t n, int64_t k, T alpha, const T* a, const T* b, int64_t csb, T* c, bool beta1) {
    const Chunks ck = Chunks::of(a, b, csb, k);
    constexpr int R = L < 4 ? L : 4;
    int64_t j = 0;
    for (; j + L <= n; j += L) {
      V acc[L];
      for (int r = 0; r < L; r += R) partials<R>(ck, a, b + (j + r) * csb, csb, acc + r);
      const V s = transpose_sum<L>(acc);
      U* cp = (U*)(c + j);
      *cp = beta1 ? alpha * s + *cp : alpha * s;
    }
    for (; j + R <= n; j += R) {
      V acc[R];
      partials<R>(ck, a, b + j * csb, csb, acc);
      for (int r = 0; r < R; ++r) put(c + j + r, lane_sum(acc[r]), alpha, beta1);
    }
    for (; j < n; ++j) {
      V acc[1];
      partials<1>(ck, a, b + j * csb, csb, acc);
      put(c + j, lane_sum(acc[0]), alpha, beta1);
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
