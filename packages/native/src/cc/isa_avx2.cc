// AVX2 + FMA kernels (compiled with -mavx2 -mfma; run only where cpu.cc saw both).
#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>

#include "isa.h"

#define ADJ_STREAM_STORE(p, v) _mm256_stream_ps((p), (__m256)(v))
#define ADJ_STREAM_FENCE() _mm_sfence()
#define ADJ_VBYTES 32
namespace {
#include "kernels.inl"
}  // namespace

namespace adj {
// float: 6 x 16 tile = 12 ymm accumulators; double: 6 x 8.
static const IsaTable avx2 = ADJ_ISA_TABLE("avx2", 6, 2, 120, 256, 3072, 6, 2, 120, 256, 1536);
const IsaTable* isa_avx2() { return &avx2; }

// The AVX-512 tile shapes (float 12 x 32, double 12 x 16) on AVX2 registers:
// slow (the tile spills), only for testing the wide tiles' edge handling.
static const IsaTable wide = ADJ_ISA_TABLE("avx2-wide-tiles", 12, 4, 120, 192, 3072, 12, 4, 120, 192, 1536);
const IsaTable* isa_avx2_wide_tiles() { return &wide; }
}  // namespace adj
#endif
