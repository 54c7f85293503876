// Elementwise add/sub/mul/div over a [rows, cols] iteration: out is contiguous,
// each operand is read at off + r * rowStride + c * colStride with colStride 0
// (broadcast within a row: a scalar or a column) or 1 (contiguous), so one call
// covers same-shape arrays, a bias row added to every row, a column, a scalar.
#pragma once
#include <cstdint>

namespace adj {

enum class BinOp { kAdd, kSub, kMul, kDiv };

struct Operand2d {
  int64_t offset, row_stride, col_stride;
};

template <class T>
void binary_2d(BinOp op, const T* a, Operand2d ao, const T* b, Operand2d bo, T* out, int64_t rows, int64_t cols);

}  // namespace adj
