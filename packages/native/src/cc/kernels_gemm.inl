// Part of kernels.inl (included there, inside each isa_*.cc's anonymous namespace).
// ---------------------------------------------------------------------------
// GEMM: BLIS-style loops around a register-blocked MR x NR micro-kernel.
//   for jc (NC columns of B and C)        B panel kc x nc packed: lives in L3/L2
//     for pc (KC of the k dimension)
//       for ic (MC rows of A and C)       A block mc x kc packed: lives in L2
//         for jr (NR) for ir (MR)         micro-kernel: C tile in registers,
//                                         B micro-panel (kc x NR) in L1
// Packing reads A and B through arbitrary strides, so transposed views cost
// nothing beyond the packing every block needs anyway.

// Swapping lane blocks between two vectors, the step of a register transpose:
// with G = 2h, swap_blocks<G>(x, y) returns in lo the low h lanes of each G-lane
// group of x followed by the low h of y's, in hi the high h of x's and of y's.
template <class T, int G>
struct LaneSwap {
  typedef typename Vec<T>::V V;
  typedef typename Vec<T>::M M;
  static constexpr int L = sizeof(V) / sizeof(T);
  static void apply(V x, V y, V& lo, V& hi) {
    M ml, mh;
    for (int i = 0; i < L; ++i) {
      const bool low = i % G < G / 2;
      ml[i] = low ? i : L + i - G / 2;
      mh[i] = low ? i + G / 2 : L + i;
    }
    lo = __builtin_shuffle(x, y, ml);
    hi = __builtin_shuffle(x, y, mh);
  }
};

// Transposes the L x L block held as L row vectors r[0:L] in place: swaps the
// off-diagonal blocks at every scale (L/2, L/4, ..., 1).
template <class T, int G = sizeof(typename Vec<T>::V) / sizeof(T)>
inline void transpose_block(typename Vec<T>::V* r) {
  if constexpr (G >= 2) {
    constexpr int L = sizeof(typename Vec<T>::V) / sizeof(T), H = G / 2;
    for (int i = 0; i < L; ++i)
      if ((i & H) == 0) LaneSwap<T, G>::apply(r[i], r[i + H], r[i], r[i + H]);
    transpose_block<T, H>(r);
  }
}

// What the strips of one Tile::strips call share (one struct by reference, not
// 14 arguments through three call levels: those cost ~3% of 64 x 64 x 32).
template <class T>
struct Strips {
  int64_t kc;
  const T* ap;           // A packed (strips of kc x tile rows one after another), or
  const T* a;            // nullptr and A read in place here: rows rsa, columns csa apart
  int64_t rsa, csa;
  const T* b;            // B's micro-panel: kc rows, sb apart (NR when packed)
  int64_t sb;
  T* c;                  // C's first row, rows rsc apart
  int64_t rsc;
  T alpha;
  bool acc;              // C += alpha A B, else C = alpha A B
  bool prefetch_c;       // C is large: fetch a strip's rows of C before computing it
};

template <class T, int MR, int NV>
struct Tile {
  typedef typename Vec<T>::V V;
  typedef typename Vec<T>::U U;
  static constexpr int L = sizeof(V) / sizeof(T);
  static constexpr int NR = NV * L;

  // How the micro-kernel reads A: packed (kc x MR, p-major), in place with its
  // rows adjacent (a transposed view: one pointer), in place row-major (rows in
  // groups of 3), or in place through any strides (rows past mr repeat row mr - 1).
  enum AMode { kPacked, kColumns, kRows, kAny };

  // C[0:mr, 0:nr] = alpha * A @ B (+ C when acc) for one strip: A at ap (packed)
  // or at a (in place, as AM says), B's micro-panel at bp, C at c.
  template <int AM>
  __attribute__((always_inline)) static inline void micro(const Strips<T>& s, const T* __restrict ap, const T* a,
                                                          T* __restrict c, int mr, int nr) {
    const int64_t kc = s.kc, sb = s.sb, rsc = s.rsc;
    const T* __restrict bp = s.b;
    // A large C's rows are far apart (and often not cached): start fetching them
    // now, so that the update at the end does not wait on memory. (A small C is
    // in L1 already: its 24 prefetches per strip cost 1.5% of 64 x 64 x 32.)
    if (s.prefetch_c)
      for (T* ci = c; ci < c + mr * rsc; ci += rsc) {
        __builtin_prefetch(ci, 1, 3);
        __builtin_prefetch(ci + nr - 1, 1, 3);
      }
    V acc[MR][NV];
    for (int i = 0; i < MR; ++i)
      for (int v = 0; v < NV; ++v) acc[i][v] = V{};
    if constexpr (AM == kPacked) {
      for (const T* const bend = bp + kc * sb; bp != bend; bp += sb) {
        V bv[NV];
        for (int v = 0; v < NV; ++v) bv[v] = *(const U*)(bp + v * L);
        for (int i = 0; i < MR; ++i) {
          const T av = ap[i];
          for (int v = 0; v < NV; ++v) acc[i][v] += av * bv[v];
        }
        ap += MR;
      }
    } else if constexpr (AM == kColumns) {
      const int64_t csa = s.csa;
      for (const T* const bend = bp + kc * sb; bp != bend; bp += sb) {  // B's pointer counts the steps
        V bv[NV];
        for (int v = 0; v < NV; ++v) bv[v] = *(const U*)(bp + v * L);
        for (int i = 0; i < MR; ++i) {
          const T av = a[i];
          for (int v = 0; v < NV; ++v) acc[i][v] += av * bv[v];
        }
        a += csa;
      }
    } else if constexpr (AM == kRows) {
      // Rows in groups of 3 from one pointer each (rows g, g + 1, g + 2 at q,
      // q + rsa, q + 2 rsa: base + index * scale addressing), so that the 12 row
      // addresses need 4 registers, not 12 (which spill).
      const int64_t rsa = s.rsa;
      constexpr int G = (MR + 2) / 3;
      const T* q[G];
      for (int g = 0; g < G; ++g) q[g] = a + 3 * g * rsa;
      for (int64_t p = 0; p < kc; ++p) {
        V bv[NV];
        for (int v = 0; v < NV; ++v) bv[v] = *(const U*)(bp + v * L);
        for (int i = 0; i < MR; ++i) {
          const T av = q[i / 3][(i % 3) * rsa + p];
          for (int v = 0; v < NV; ++v) acc[i][v] += av * bv[v];
        }
        bp += sb;
      }
    } else {
      const int64_t csa = s.csa;
      const T* rows[MR];
      for (int i = 0; i < MR; ++i) rows[i] = a + (i < mr ? i : mr - 1) * s.rsa;
      for (int64_t p = 0; p < kc; ++p) {
        V bv[NV];
        for (int v = 0; v < NV; ++v) bv[v] = *(const U*)(bp + v * L);
        for (int i = 0; i < MR; ++i) {
          const T av = rows[i][p * csa];
          for (int v = 0; v < NV; ++v) acc[i][v] += av * bv[v];
        }
        bp += sb;
      }
    }
    store(acc, c, s, mr, nr);
  }

  // `count` strips of mr rows (count > 1: mr == MR) against the same B
  // micro-panel, one after another down C (A's strips MR rows, or MR x kc
  // packed, apart). One loop per way of reading A: with all four in one function
  // GCC kept alpha, edge masks and row pointers in vector registers and spilled a
  // B vector in the loop (-20% on 64 x 64 x 32).
  template <int AM>
  __attribute__((noinline)) static void strips_as(const Strips<T>& s, int count, int mr, int nr) {
    for (int j = 0; j < count; ++j)
      micro<AM>(s, AM == kPacked ? s.ap + j * MR * s.kc : nullptr, AM == kPacked ? nullptr : s.a + j * MR * s.rsa,
                s.c + j * MR * s.rsc, mr, nr);
  }
  static void strips(const Strips<T>& s, int count, int mr, int nr) {
    if (s.ap)
      strips_as<kPacked>(s, count, mr, nr);
    else if (s.rsa == 1 && mr == MR)
      strips_as<kColumns>(s, count, mr, nr);
    else if (s.csa == 1 && mr == MR)
      strips_as<kRows>(s, count, mr, nr);
    else
      strips_as<kAny>(s, count, mr, nr);
  }

  // The tile to C: a whole tile with alpha 1 here; edges and alpha != 1 through
  // memory, out of line (what keeps the loop above free of their registers).
  __attribute__((always_inline)) static inline void store(V (&acc)[MR][NV], T* __restrict c, const Strips<T>& s,
                                                          int mr, int nr) {
    int64_t rsc = s.rsc;
    if (mr == MR && nr == NR && s.alpha == T(1)) {
      // one running row pointer (rsc opaque here: GCC would otherwise keep the MR
      // row offsets live across the strip loop, in registers the loop needs)
      asm("" : "+r"(rsc));
      T* ci = c;
      if (s.acc)
        for (int i = 0; i < MR; ++i, ci += rsc)
          for (int v = 0; v < NV; ++v) {
            U* cp = (U*)(ci + v * L);
            *cp = acc[i][v] + *cp;
          }
      else
        for (int i = 0; i < MR; ++i, ci += rsc)
          for (int v = 0; v < NV; ++v) *(U*)(ci + v * L) = acc[i][v];
      return;
    }
    T tmp[MR * NR] __attribute__((aligned(64)));
    for (int i = 0; i < MR; ++i)
      for (int v = 0; v < NV; ++v) *(U*)(tmp + i * NR + v * L) = acc[i][v];
    store_rest(tmp, c, s, mr, nr);
  }
  __attribute__((noinline)) static void store_rest(const T* tmp, T* __restrict c, const Strips<T>& s, int mr,
                                                   int nr) {
    for (int i = 0; i < mr; ++i) {
      T* ci = c + i * s.rsc;
      const T* ti = tmp + i * NR;
      if (s.acc)
        for (int j = 0; j < nr; ++j) ci[j] = s.alpha * ti[j] + ci[j];
      else
        for (int j = 0; j < nr; ++j) ci[j] = s.alpha * ti[j];
    }
  }

  // MR rows of A, each contiguous along k, to a kc x MR strip (p-major): the
  // rows in groups of L, each L x L block transposed in registers (rows past
  // MR zero) and stored as whole vectors; the lanes of a partial last group
  // that spill into the next p's first lanes are rewritten by the groups
  // stored after it (last group first), or, at the last p, not stored. The
  // last kc % L columns one at a time.
  static void pack_rows(int64_t kc, const T* src, int64_t rsa, T* __restrict ap) {
    const int64_t kv = kc / L * L;
    for (int64_t p = 0; p < kv; p += L) {
      for (int g = (MR - 1) / L * L; g >= 0; g -= L) {
        const int rows = (int)imin(L, MR - g);
        V r[L];
        for (int j = 0; j < L; ++j) r[j] = j < rows ? (V) * (const U*)(src + (g + j) * rsa + p) : V{};
        transpose_block<T>(r);
        for (int i = 0; i < L; ++i) {
          T* dst = ap + (p + i) * MR + g;
          if (rows == L || p + i + 1 < kc)
            *(U*)dst = r[i];
          else
            for (int j = 0; j < rows; ++j) dst[j] = r[i][j];
        }
      }
    }
    for (int64_t p = kv; p < kc; ++p)
      for (int i = 0; i < MR; ++i) ap[p * MR + i] = src[i * rsa + p];
  }

  // Ap: ceil(mc / MR) strips of kc x MR (p-major), rows past mc zero.
  static void pack_a(int64_t mc, int64_t kc, const T* a, int64_t rsa, int64_t csa, T* __restrict ap) {
    for (int64_t i0 = 0; i0 < mc; i0 += MR, ap += MR * kc) {
      const T* src = a + i0 * rsa;
      const int mr = (int)imin(MR, mc - i0);
      if (mr == MR && csa == 1) {
        pack_rows(kc, src, rsa, ap);
      } else if (mr == MR && rsa == 1) {
        for (int64_t p = 0; p < kc; ++p)
          for (int i = 0; i < MR; ++i) ap[p * MR + i] = src[p * csa + i];
      } else {
        for (int64_t p = 0; p < kc; ++p) {
          for (int i = 0; i < mr; ++i) ap[p * MR + i] = src[i * rsa + p * csa];
          for (int i = mr; i < MR; ++i) ap[p * MR + i] = T(0);
        }
      }
    }
  }

  // Bp: ceil(nc / NR) strips of kc x NR (p-major), columns past nc zero.
  static void pack_b(int64_t kc, int64_t nc, const T* b, int64_t rsb, int64_t csb, T* __restrict bp) {
    if (csb == 1 && nc >= NR) {
      // B's rows contiguous: each row read once, front to back, into every full
      // strip (strip by strip, B's rows would be re-read kc apart, nc / NR times).
      const int64_t full = nc / NR * NR;
      for (int64_t p = 0; p < kc; ++p) {
        const T* src = b + p * rsb;
        T* dst = bp + p * NR;
        for (int64_t j0 = 0; j0 < full; j0 += NR, dst += NR * kc)
          for (int v = 0; v < NV; ++v) *(U*)(dst + v * L) = *(const U*)(src + j0 + v * L);
      }
      if (full == nc) return;
      b += full;
      bp += full * kc;
      nc -= full;
    }
    for (int64_t j0 = 0; j0 < nc; j0 += NR, bp += NR * kc) {
      const T* src = b + j0 * csb;
      const int nr = (int)imin(NR, nc - j0);
      if (nr == NR && csb == 1) {
        for (int64_t p = 0; p < kc; ++p)
          for (int v = 0; v < NV; ++v) *(U*)(bp + p * NR + v * L) = *(const U*)(src + p * rsb + v * L);
      } else if (nr == NR && rsb == 1) {
        // B's columns contiguous (a transposed view, nn.Linear's weight): L x L
        // blocks transposed in registers, the last kc % L rows one at a time.
        const int64_t kv = kc / L * L;
        for (int v = 0; v < NV; ++v) {
          const T* sv = src + v * L * csb;
          for (int64_t p = 0; p < kv; p += L) {
            V r[L];
            for (int j = 0; j < L; ++j) r[j] = *(const U*)(sv + j * csb + p);
            transpose_block<T>(r);
            for (int i = 0; i < L; ++i) *(U*)(bp + (p + i) * NR + v * L) = r[i];
          }
          for (int64_t p = kv; p < kc; ++p)
            for (int j = 0; j < L; ++j) bp[p * NR + v * L + j] = sv[j * csb + p];
        }
      } else {
        for (int64_t p = 0; p < kc; ++p) {
          for (int j = 0; j < nr; ++j) bp[p * NR + j] = src[j * csb + p * rsb];
          for (int j = nr; j < NR; ++j) bp[p * NR + j] = T(0);
        }
      }
    }
  }
};

template <class T, int MR, int NV, int MC, int KC, int NC>
struct Gemm {
  typedef Tile<T, MR, NV> TT;
  static constexpr int NR = TT::NR;
  static constexpr int64_t ALIGN = 64 / sizeof(T);
  static_assert(MC % MR == 0, "MC must be a multiple of MR");
  static_assert(NC % NR == 0, "NC must be a multiple of NR");
  // Edge strips: a last strip of at most half a tile's columns is packed and
  // computed with a half-width tile (n = 65 with NR 32); the last rows of a block
  // with one of the tile heights MRH = MR / 2, MR2 = 2 MR / 3 or MR (strip_rows),
  // so that narrow edges do not pay for a whole tile of zeros.
  static constexpr int MRH = MR >= 2 ? MR / 2 : MR;
  static constexpr int MR2 = MR >= 3 ? MR * 2 / 3 : MR;
  static constexpr int NVH = NV >= 2 ? NV / 2 : NV;
  static constexpr int NRH = NVH * TT::L;
  typedef Tile<T, MRH, NV> TM;   // half height
  typedef Tile<T, MR2, NV> T2;   // two thirds
  typedef Tile<T, MR, NVH> TN;   // half width
  typedef Tile<T, MRH, NVH> TMN;
  typedef Tile<T, MR2, NVH> T2N;

  // Rows of the strip that starts `left` rows before the end of a block: MR,
  // except that the last MR + 1 .. MR + MR / 3 rows are two strips of at most MR2
  // (m = 64, MR 12: 4 x 12 + 8 + 8 rows, not 5 x 12 + 4 in a tile of 6).
  static int strip_rows(int64_t left) {
    if (left > MR + MR / 3) return MR;
    if (left > MR) return (int)(left - left / 2);
    return (int)left;
  }
  // The height of the tile that computes (and packs) a strip of h rows.
  static int tile_rows(int h) { return h <= MRH ? MRH : h <= MR2 ? MR2 : MR; }

  // Enough for run() on any m' <= m, n' <= n (the parts gemm.cc splits a product
  // into share one size): balanced_block(m', MC, MR) is not monotone in m' (m = 132
  // gives blocks of 72 rows, m = 120 one of 120), min(MC, m rounded up) bounds it.
  static size_t workspace(int64_t m, int64_t n, int64_t k) {
    if (m <= 0 || n <= 0 || k <= 0) return 0;
    const int64_t kc = balanced_block(k, KC, 1);
    const int64_t mc = imin(MC, round_up(m, MR));
    const int64_t nc = round_up(imin(NC, n), NR);
    return (size_t)(round_up(mc * kc, ALIGN) + nc * kc);
  }

  // Full strips of NR columns, then the rest (a half-width strip when it fits).
  static void pack_b(int64_t kc, int64_t nc, const T* b, int64_t rsb, int64_t csb, T* bp) {
    const int64_t full = nc / NR * NR, rest = nc - full;
    TT::pack_b(kc, full, b, rsb, csb, bp);
    if (rest == 0) return;
    if (rest <= NRH)
      TN::pack_b(kc, rest, b + full * csb, rsb, csb, bp + full * kc);
    else
      TT::pack_b(kc, rest, b + full * csb, rsb, csb, bp + full * kc);
  }

  // The strips of strip_rows, each tile_rows(h) x kc (rows past h zero), one after another.
  static void pack_a(int64_t mc, int64_t kc, const T* a, int64_t rsa, int64_t csa, T* ap) {
    for (int64_t ir = 0; ir < mc;) {
      const int h = strip_rows(mc - ir), t = tile_rows(h);
      const T* src = a + ir * rsa;
      if (t == MRH)
        TM::pack_a(h, kc, src, rsa, csa, ap);
      else if (t == MR2)
        T2::pack_a(h, kc, src, rsa, csa, ap);
      else
        TT::pack_a(h, kc, src, rsa, csa, ap);
      ap += t * kc;
      ir += h;
    }
  }

  // `count` strips of mr rows (Tile::strips) with the tile that fits them.
  static void strips(const Strips<T>& s, int count, int mr, int nr) {
    const int t = tile_rows(mr);
    const bool hn = nr <= NRH;
    if (t == MRH)
      (hn ? TMN::strips : TM::strips)(s, count, mr, nr);
    else if (t == MR2)
      (hn ? T2N::strips : T2::strips)(s, count, mr, nr);
    else
      (hn ? TN::strips : TT::strips)(s, count, mr, nr);
  }

  // B is read in place (not packed) when its rows are contiguous and all of it
  // stays in L1 (small products, e.g. attention per head): its full-width
  // strips are then as good as packed ones, and packing would be pure cost.
  static bool direct_b(int64_t k, int64_t rsb, int64_t csb) {
    return csb == 1 && rsb > 0 && k * rsb * (int64_t)sizeof(T) <= 32 * 1024;
  }

  // A is read in place (not packed) when its block stays in L1, or in L2 and
  // is reused for few column strips: packing a row-major A is a transposition
  // that costs more than it saves then (measured: +5-25% on the GPT shapes).
  // Many strips re-read it often: packed (contiguous, no L1 set conflicts).
  static bool a_in_l1(int64_t mc, int64_t kc) { return mc * kc * (int64_t)sizeof(T) <= 16 * 1024; }
  static bool direct_a(int64_t mc, int64_t kc, int64_t nc) {
    return a_in_l1(mc, kc) || (mc * kc * (int64_t)sizeof(T) <= 128 * 1024 && nc <= 16 * NR);
  }
  // A block in L1 read in place goes down in strips of MR2 rows when that tile
  // still has 16 accumulators (twice FMA latency x ports): 64 x 64 x 32 as 8 x 8
  // rows ran 2% faster than as 12 x 4 + 8 x 2 (one loop, one call); a larger A
  // (from L2) keeps the taller tile, which reads B fewer times (65 x 768 x 128 tn,
  // 768 x 512 x 128 nt: 8-row strips 8-9% slower).
  static constexpr bool kShortStrips = MR2 * NV >= 16 && MR2 < MR;

  // bd != nullptr: B's full strips read in place at bd (rows rsb apart), the rest packed in bp.
  static void macro(int64_t m, int64_t nc, int64_t kc, T alpha, const T* a, int64_t rsa, int64_t csa, const T* bp,
                    T* c, int64_t rsc, bool acc, T* ap, const T* bd, int64_t rsb) {
    const int64_t MCb = balanced_block(m, MC, MR);
    Strips<T> s;
    s.kc = kc, s.rsa = rsa, s.csa = csa, s.rsc = rsc, s.alpha = alpha, s.acc = acc;
    s.prefetch_c = m * rsc * (int64_t)sizeof(T) > 32 * 1024;
    for (int64_t ic = 0; ic < m; ic += MCb) {
      const int64_t mc = imin(MCb, m - ic);
      const T* ai = a + ic * rsa;
      const bool direct = direct_a(mc, kc, nc);
      const bool short_strips = kShortStrips && direct && a_in_l1(mc, kc);
      if (!direct) pack_a(mc, kc, ai, rsa, csa, ap);
      for (int64_t jr = 0; jr < nc; jr += NR) {
        const int nr = (int)imin(NR, nc - jr);
        const bool in_place = bd && nr == NR;
        s.b = in_place ? bd + jr : bp + jr * kc;
        s.sb = in_place ? rsb : nr <= NRH ? NRH : NR;
        const T* api = ap;  // strip ir's packed rows
        for (int64_t ir = 0; ir < mc;) {
          // the strips of this height from here (as tall as their tile) in one call
          const int h = short_strips ? (int)imin(MR2, mc - ir) : strip_rows(mc - ir);
          int count = 1;
          if (short_strips && h == MR2)
            count = (int)((mc - ir) / MR2);
          else if (!short_strips && h == tile_rows(h))
            while (ir + (count + 1) * h <= mc && strip_rows(mc - ir - count * h) == h) ++count;
          s.ap = direct ? nullptr : api;
          s.a = ai + ir * rsa;
          s.c = c + (ic + ir) * rsc + jr;
          strips(s, count, h, nr);
          api += count * tile_rows(h) * kc;
          ir += count * h;
        }
      }
    }
  }

  static void run(int64_t m, int64_t n, int64_t k, T alpha, const T* a, int64_t rsa, int64_t csa,
                  const T* b, int64_t rsb, int64_t csb, T* c, int64_t rsc, bool beta1, T* ws) {
    if (m <= 0 || n <= 0) return;
    if (k <= 0) {
      if (!beta1)
        for (int64_t i = 0; i < m; ++i)
          for (int64_t j = 0; j < n; ++j) c[i * rsc + j] = T(0);
      return;
    }
    // Nothing to pack (A and B read in place, one block of k, whole strips of B):
    // straight to the strips (the blocking below costs ~1% of 64 x 64 x 32).
    if (k <= KC && n <= NC && n % NR == 0 && m <= MC && direct_b(k, rsb, csb) && direct_a(m, k, n))
      return macro(m, n, k, alpha, a, rsa, csa, nullptr, c, rsc, beta1, nullptr, b, rsb);
    const int64_t KCb = balanced_block(k, KC, 1);
    const bool in_place = direct_b(k, rsb, csb);
    T* ap = ws;
    T* bp = ws + round_up(round_up(balanced_block(m, MC, MR), MR) * KCb, ALIGN);
    for (int64_t jc = 0; jc < n; jc += NC) {
      const int64_t nc = imin(NC, n - jc);
      for (int64_t pc = 0; pc < k; pc += KCb) {
        const int64_t kc = imin(KCb, k - pc);
        const T* bpc = b + pc * rsb + jc * csb;
        const int64_t full = in_place ? nc / NR * NR : 0;  // strips read in place
        if (full < nc) pack_b(kc, nc - full, bpc + full * csb, rsb, csb, bp + full * kc);
        macro(m, nc, kc, alpha, a + pc * csa, rsa, csa, bp, c + jc, rsc, beta1 || pc > 0, ap, in_place ? bpc : nullptr,
              rsb);
      }
    }
  }
};
