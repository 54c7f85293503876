// Fused optimizer steps and gradient clipping over lists of parameters (optim.h):
//   adamStep(params, grads, expAvg, expAvgSq, maxExpAvgSq | null, consts, beta1, beta2, eps, weightDecay, decoupled, maximize)
//     consts: Float64Array of [stepSize, sqrt(1 - beta2^t), lr] per parameter
//   sgdStep(params, grads, momentumBuffers | null, fresh: Int32Array, lr, momentum, dampening, weightDecay, nesterov, maximize)
//   sumSquares(arrays) -> number;  scaleAll(arrays, c)
// Every list holds one Float32Array or Float64Array per parameter, all of one
// type; the i-th entries of the lists have one length and must not overlap.
#include <vector>

#include "binding.h"
#include "optim.h"

namespace adj {
namespace {

constexpr auto kAdamStep = kernel_def("adamStep", float_list("params"), float_list("grads"), float_list("expAvg"), float_list("expAvgSq"), float_list_opt("maxExpAvgSq"), f64("consts"),
                                       number("beta1"), number("beta2"), number("eps"), number("weightDecay"), boolean("decoupled"), boolean("maximize"));
constexpr auto kSgdStep = kernel_def("sgdStep", float_list("params"), float_list("grads"), float_list_opt("momentumBuffers"), i32("fresh"),
                                     number("lr"), number("momentum"), number("dampening"), number("weightDecay"), boolean("nesterov"), boolean("maximize"));
constexpr auto kSumSquares = kernel_def("sumSquares", float_list("arrays"));
constexpr auto kScaleAll = kernel_def("scaleAll", float_list("arrays"), number("c"));

using Entry = ListEntry;

// Checks that list b matches list a entry by entry (count, type, length).
void check_like(const Args& A, const std::vector<Entry>& a, const char* an, const std::vector<Entry>& b, const char* bn) {
  if (a.size() != b.size()) A.range_error(std::string(bn) + " has " + std::to_string(b.size()) + " arrays, " + an + " has " + std::to_string(a.size()));
  for (size_t k = 0; k < a.size(); ++k) {
    if (b[k].kind != a[0].kind) A.type_error(std::string(bn) + "[" + std::to_string(k) + "] has another element type than " + an + "[0]");
    if (b[k].length != a[k].length) A.range_error(std::string(bn) + "[" + std::to_string(k) + "] has length " + std::to_string(b[k].length) + ", " + an + "[" + std::to_string(k) + "] has " + std::to_string(a[k].length));
  }
}

// No two lists may share bytes at the same parameter (an output read as another input).
void check_disjoint(const Args& A, const std::vector<const std::vector<Entry>*>& lists) {
  const size_t n = lists[0]->size();
  for (size_t k = 0; k < n; ++k)
    for (size_t a = 0; a < lists.size(); ++a)
      for (size_t b = a + 1; b < lists.size(); ++b) {
        const Entry& x = (*lists[a])[k];
        const Entry& y = (*lists[b])[k];
        const size_t es = x.kind == kF32 ? 4 : 8;
        const char *x0 = (const char*)x.data, *y0 = (const char*)y.data;
        if (x.length && y.length && x0 < y0 + y.length * es && y0 < x0 + x.length * es)
          A.range_error("the arrays of parameter " + std::to_string(k) + " overlap");
      }
}

template <class T>
std::vector<Slice<T>> slices(const std::vector<Entry>& es) {
  std::vector<Slice<T>> out;
  out.reserve(es.size());
  for (const Entry& e : es) out.push_back({static_cast<T*>(e.data), (int64_t)e.length});
  return out;
}

napi_value AdamStep(napi_env env, napi_callback_info info) {
  return guard(env, [&]() -> napi_value {
    KernelArgs A(env, info, kAdamStep);
    const auto &p = A.list(0), &g = A.list(1), &m = A.list(2), &v = A.list(3), &vm = A.list(4);
    check_like(A, p, "params", g, "grads");
    check_like(A, p, "params", m, "expAvg");
    check_like(A, p, "params", v, "expAvgSq");
    const bool ams = A.present(4);
    if (ams) check_like(A, p, "params", vm, "maxExpAvgSq");
    std::vector<const std::vector<Entry>*> lists{&p, &g, &m, &v};
    if (ams) lists.push_back(&vm);
    check_disjoint(A, lists);
    const ArrayView& consts = A.array(5);
    A.check_span(consts, flat(3 * (int64_t)p.size()), [&] { return "3 numbers per parameter"; });
    std::vector<AdamParamConst> c(p.size());
    const double* cd = consts.as<const double>();
    for (size_t k = 0; k < p.size(); ++k) c[k] = {cd[3 * k], cd[3 * k + 1], cd[3 * k + 2]};
    const AdamHyper h{A.number(6), A.number(7), A.number(8), A.number(9), A.flag(10), A.flag(11)};
    if (p.empty()) return undefined(env);
    if (p[0].kind == kF32) {
      auto vms = slices<float>(vm);
      adam_step<float>(slices<float>(p), slices<const float>(g), slices<float>(m), slices<float>(v), ams ? &vms : nullptr, c, h);
    } else {
      auto vms = slices<double>(vm);
      adam_step<double>(slices<double>(p), slices<const double>(g), slices<double>(m), slices<double>(v), ams ? &vms : nullptr, c, h);
    }
    return undefined(env);
  });
}

napi_value SgdStep(napi_env env, napi_callback_info info) {
  return guard(env, [&]() -> napi_value {
    KernelArgs A(env, info, kSgdStep);
    const auto &p = A.list(0), &g = A.list(1), &b = A.list(2);
    check_like(A, p, "params", g, "grads");
    const bool mom = A.present(2);
    if (mom) check_like(A, p, "params", b, "momentumBuffers");
    std::vector<const std::vector<Entry>*> lists{&p, &g};
    if (mom) lists.push_back(&b);
    check_disjoint(A, lists);
    const ArrayView& fr = A.array(3);
    A.check_span(fr, flat((int64_t)p.size()), [&] { return "one flag per parameter"; });
    std::vector<uint8_t> fresh(p.size());
    for (size_t k = 0; k < p.size(); ++k) fresh[k] = fr.as<const int32_t>()[k] != 0;
    const SgdHyper h{A.number(4), A.number(5), A.number(6), A.number(7), A.flag(8), A.flag(9)};
    if (p.empty()) return undefined(env);
    if (p[0].kind == kF32) sgd_step<float>(slices<float>(p), slices<const float>(g), slices<float>(b), fresh, h);
    else sgd_step<double>(slices<double>(p), slices<const double>(g), slices<double>(b), fresh, h);
    return undefined(env);
  });
}

// Calls f(float{}) or f(double{}) for a non-empty list of arrays of one type.
template <class F>
void with_list_type(const std::vector<Entry>& xs, F&& f) {
  if (xs[0].kind == kF32) f(float{});
  else f(double{});
}

napi_value SumSquares(napi_env env, napi_callback_info info) {
  return guard(env, [&]() -> napi_value {
    KernelArgs A(env, info, kSumSquares);
    const auto& xs = A.list(0);
    double s = 0;
    if (!xs.empty()) with_list_type(xs, [&](auto t) { using T = decltype(t); s = sum_squares<T>(slices<const T>(xs)); });
    return make_number(env, s);
  });
}

napi_value ScaleAll(napi_env env, napi_callback_info info) {
  return guard(env, [&]() -> napi_value {
    KernelArgs A(env, info, kScaleAll);
    const auto& xs = A.list(0);
    const double c = A.number(1);
    if (!xs.empty()) with_list_type(xs, [&](auto t) { using T = decltype(t); scale_all<T>(slices<T>(xs), c); });
    return undefined(env);
  });
}

ADJ_KERNEL(kAdamStep, AdamStep);
ADJ_KERNEL(kSgdStep, SgdStep);
ADJ_KERNEL(kSumSquares, SumSquares);
ADJ_KERNEL(kScaleAll, ScaleAll);

}  // namespace
}  // namespace adj
