#include "blas.h"

#ifdef ADJOINT_USE_OPENBLAS
#include <cblas.h>
#endif

namespace adj {

#ifdef ADJOINT_USE_OPENBLAS
bool blas_linked() { return true; }
const char* blas_corename() { return openblas_get_corename(); }
const char* blas_config() { return openblas_get_config(); }
void blas_set_threads(int n) { openblas_set_num_threads(n); }

static CBLAS_TRANSPOSE tr(bool t) { return t ? CblasTrans : CblasNoTrans; }

void blas_gemm(bool ta, bool tb, int m, int n, int k, float alpha, const float* a, int lda, const float* b,
               int ldb, float beta, float* c, int ldc) {
  cblas_sgemm(CblasRowMajor, tr(ta), tr(tb), m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
void blas_gemm(bool ta, bool tb, int m, int n, int k, double alpha, const double* a, int lda, const double* b,
               int ldb, double beta, double* c, int ldc) {
  cblas_dgemm(CblasRowMajor, tr(ta), tr(tb), m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
#else
bool blas_linked() { return false; }
const char* blas_corename() { return ""; }
const char* blas_config() { return ""; }
void blas_set_threads(int) {}
void blas_gemm(bool, bool, int, int, int, float, const float*, int, const float*, int, float, float*, int) {}
void blas_gemm(bool, bool, int, int, int, double, const double*, int, const double*, int, double, double*, int) {}
#endif

}  // namespace adj
