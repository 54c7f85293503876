// Per-ISA copies of a plain C++ loop (elementwise.cc, optim.cc): ADJ_CLONES makes
// GCC compile a function for AVX-512, AVX2 and the baseline and pick one at load
// time; everything such a function calls must be ADJ_LOOP, inlined into each
// clone so that it is compiled for that clone's ISA (a plain inline template
// stayed one out-of-line baseline SSE2 copy that every clone called).
#pragma once

#define ADJ_CLONES __attribute__((target_clones("arch=skylake-avx512", "arch=haswell", "default")))
#define ADJ_LOOP inline __attribute__((always_inline))
