// AVX-512F kernels (compiled with -mavx512f; run only where cpu.cc saw AVX-512F).
#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>

#include "isa.h"

#define ADJ_STREAM_STORE(p, v) _mm512_stream_ps((p), (__m512)(v))
#define ADJ_STREAM_FENCE() _mm_sfence()
#define ADJ_VBYTES 64
namespace {
#include "kernels.inl"
}  // namespace

namespace adj {
// float: 12 x 32 tile = 24 zmm accumulators (of 32); double: 12 x 16.
// float KC 256: a B micro-panel of 256 x 32 floats (32 KiB) stays in the 48 KiB
// L1 of the Xeons with AVX-512 this runs on, and C is read and written less
// often than with KC 192 (1024^3: 1.01x KC 192, KC 384 the same; measured A/B
// in one process with interleaved samples on a loaded machine). float NC 1024:
// the packed B panel (256 x 1024, 1 MiB) stays in a 2 MiB L2 next to the A block
// and the C rows streaming through; 3072 (3 MiB) did not: 768 x 768 x 3072
// 0.90x -> 0.96x OpenBLAS SkylakeX, 768 x 768 x 50304 nt 0.87x -> 0.92x
// (NC 1536: 0.96x / 0.88x; n <= 1024 is one panel either way).
static const IsaTable avx512 = ADJ_ISA_TABLE("avx512", 12, 2, 120, 256, 1024, 12, 2, 120, 192, 1536);
const IsaTable* isa_avx512() { return &avx512; }
}  // namespace adj
#endif
