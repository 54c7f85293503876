// Portable kernels: 16-byte vectors, which the compiler maps to the baseline
// SIMD of the target (SSE2 on x86-64, NEON on arm64) or to scalar code.
#include "isa.h"

#define ADJ_VBYTES 16
namespace {
#include "kernels.inl"
}  // namespace

namespace adj {
// float: 6 x 8 tile = 12 xmm accumulators; double: 6 x 4.
static const IsaTable portable = ADJ_ISA_TABLE("portable", 6, 2, 120, 256, 2048, 6, 2, 120, 256, 1024);
const IsaTable* isa_portable() { return &portable; }
}  // namespace adj
