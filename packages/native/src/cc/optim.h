// Fused optimizer and gradient-norm kernels over lists of arrays (one list
// entry per parameter): Adam/AdamW, SGD with momentum, the sum of squares
// of many arrays and their joint scaling. Same formulas as core's TS kernels
// (packages/core/src/backend/ts/optim.ts); vectorised (GCC target clones per
// ISA) and split across the pool for large lists.
#pragma once
#include <cstdint>
#include <vector>

namespace adj {

template <class T>
struct Slice {
  T* data;
  int64_t n;
};

struct AdamHyper {
  double b1, b2, eps, weight_decay;
  bool decoupled, maximize;
};
// Per parameter: step size lr / (1 - b1^t), sqrt(1 - b2^t), and lr (for the decoupled decay 1 - lr wd).
struct AdamParamConst {
  double step_size, bc2_sqrt, lr;
};

template <class T>
void adam_step(const std::vector<Slice<T>>& p, const std::vector<Slice<const T>>& g, const std::vector<Slice<T>>& m,
               const std::vector<Slice<T>>& v, const std::vector<Slice<T>>* vmax, const std::vector<AdamParamConst>& c,
               const AdamHyper& h);

struct SgdHyper {
  double lr, momentum, dampening, weight_decay;
  bool nesterov, maximize;
};
// buf may be empty (no momentum); fresh[i]: parameter i's buffer is new (takes d as is).
template <class T>
void sgd_step(const std::vector<Slice<T>>& p, const std::vector<Slice<const T>>& g, const std::vector<Slice<T>>& buf,
              const std::vector<uint8_t>& fresh, const SgdHyper& h);

// sum over all arrays of x^2, accumulated in double.
template <class T>
double sum_squares(const std::vector<Slice<const T>>& xs);
// x *= c for every array.
template <class T>
void scale_all(const std::vector<Slice<T>>& xs, double c);

}  // namespace adj
