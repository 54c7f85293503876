// OpenBLAS, when the build found it (ADJOINT_USE_OPENBLAS); stubs otherwise.
#pragma once
#include <cstdint>

namespace adj {

bool blas_linked();
const char* blas_corename();   // e.g. "Haswell", or "" when not linked
const char* blas_config();
void blas_set_threads(int n);  // openblas_set_num_threads

// Row-major C (ldc) = alpha * op(A) @ op(B) + beta * C with 32-bit BLAS ints.
void blas_gemm(bool ta, bool tb, int m, int n, int k, float alpha, const float* a, int lda, const float* b,
               int ldb, float beta, float* c, int ldc);
void blas_gemm(bool ta, bool tb, int m, int n, int k, double alpha, const double* a, int lda, const double* b,
               int ldb, double beta, double* c, int ldc);

}  // namespace adj
