// Row-wise driver: picks the float32 (per-ISA) or float64 kernels and splits
// large inputs by rows over the thread pool. Arguments must be validated.
#pragma once
#include <cstdint>

namespace adj {

enum class RowOp { Softmax, LogSoftmax, SoftmaxBackward, LogSoftmaxBackward };

// Forward ops read x (= p0) and write out (= p2); backward ops read y (p0) and gy (p1), write gx (p2).
template <class T>
void row_op(RowOp op, const T* p0, const T* p1, T* p2, int64_t rows, int64_t cols);

template <class T>
void layer_norm(const T* x, const T* w, const T* b, T* y, T* mean, T* rstd, int64_t rows, int64_t cols, double eps);

// gx, gw, gb may be null; gw and gb are overwritten (sums over all rows, in float64).
template <class T>
void layer_norm_backward(const T* x, const T* gy, const T* w, const T* mean, const T* rstd, T* gx, T* gw, T* gb,
                         int64_t rows, int64_t cols);

template <class T>
void rms_norm(const T* x, const T* w, T* y, T* rstd, int64_t rows, int64_t cols, double eps);

// gx, gw may be null; gw is overwritten (a sum over all rows, in float64).
template <class T>
void rms_norm_backward(const T* x, const T* gy, const T* w, const T* rstd, T* gx, T* gw, int64_t rows, int64_t cols);

template <class T>
void cross_entropy(const T* x, const int32_t* t, T* loss, T* lse, int64_t rows, int64_t cols, int32_t ignore,
                   double smoothing);

template <class T>
void cross_entropy_backward(const T* x, const int32_t* t, const T* lse, const T* gloss, T* gx, int64_t rows,
                            int64_t cols, int32_t ignore, double smoothing);

// GELU over n contiguous float32 elements (split over threads when large).
void gelu_f32(const float* x, float* y, int64_t n, bool tanh);
void gelu_backward_f32(const float* x, const float* gy, float* gx, int64_t n, bool tanh);

// y = relu(x), gx = x > 0 ? gy : 0 over n contiguous float32 elements (split over threads when large).
void relu_f32(const float* x, float* y, int64_t n);
void relu_backward_f32(const float* x, const float* gy, float* gx, int64_t n);

// pre = x + b per row, y = gelu(pre) over float32 [rows, cols] (pre may be x).
void bias_gelu_f32(const float* x, const float* b, float* pre, float* y, int64_t rows, int64_t cols, bool tanh);
// gx = gy gelu'(pre) (gx may be gy); gb (may be null) = sum over rows of gx, in float64, overwritten.
void bias_gelu_backward_f32(const float* pre, const float* gy, float* gx, float* gb, int64_t rows, int64_t cols,
                            bool tanh);
// out[c] = sum over rows of x[r * cols + c] (float64 sums, block partials added in block order), overwritten.
void column_sums_f32(const float* x, float* out, int64_t rows, int64_t cols);

// Inputs with at least this many elements are split over threads.
int64_t& rows_parallel_min_elements();
// softmax outputs of at least this many bytes are written with non-temporal stores.
int64_t& stream_min_bytes();

}  // namespace adj
