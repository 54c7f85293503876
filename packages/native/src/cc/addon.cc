// Module entry of adjoint_native.node: installs every binding the bind_*.cc
// files registered with ADJ_KERNEL / ADJ_EXPORT (see binding.h for how to add one), and the
// helpers they share. Context-aware: works in worker_threads.
//   bind_gemm.cc      gemm
//   bind_rows.cc      softmax family, layerNorm, crossEntropy (+ backwards)
//   bind_gelu.cc      gelu, geluBackward
//   bind_optim.cc     adamStep, sgdStep, sumSquares, scaleAll
//   bind_elementwise.cc binary2d
//   kernel_args.cc    the table-driven argument parser, kernelSpecs()
//   bind_settings.cc  info, setNumThreads, setIsa, setGemmImpl, setTuning
//   bind_probes.cc    benchmark probes: timeGemm, cpuClockGHz, ...
#include <mutex>
#include <vector>

#include "binding.h"
#include "blas.h"
#include "threadpool.h"

namespace adj {

namespace {
std::vector<Binding>& registry() {
  static std::vector<Binding> r;
  return r;
}
}  // namespace

bool register_binding(const char* name, napi_callback fn) {
  registry().push_back({name, fn});
  return true;
}

const Binding* bindings(size_t& count) {
  count = registry().size();
  return registry().data();
}

napi_value undefined(napi_env env) {
  napi_value u;
  napi_get_undefined(env, &u);
  return u;
}
napi_value make_number(napi_env env, double v) {
  napi_value r;
  napi_create_double(env, v, &r);
  return r;
}
napi_value make_string(napi_env env, const std::string& s) {
  napi_value r;
  napi_create_string_utf8(env, s.c_str(), s.size(), &r);
  return r;
}
napi_value make_bool(napi_env env, bool b) {
  napi_value r;
  napi_get_boolean(env, b, &r);
  return r;
}
napi_value make_number_array(napi_env env, const double* v, size_t n) {
  napi_value arr;
  napi_create_array_with_length(env, n, &arr);
  for (size_t i = 0; i < n; ++i) napi_set_element(env, arr, (uint32_t)i, make_number(env, v[i]));
  return arr;
}

Span flat(int64_t n) { return span_of(0, {{n, 1}}); }

void check_rows(const Args& A, const ArrayView& v, int64_t rows, int64_t cols) {
  A.check_span(v, flat(rows * cols), [&] { return "rows=" + std::to_string(rows) + ", cols=" + std::to_string(cols); });
}

void check_rows(const Args& A, std::initializer_list<const ArrayView*> vs, int64_t rows, int64_t cols) {
  for (const ArrayView* v : vs) check_rows(A, *v, rows, cols);
}

void check_apart(const Args& A, std::initializer_list<Reach> outs, std::initializer_list<Reach> ins) {
  for (const Reach& o : outs)
    for (const Reach& i : ins)
      if (o.a && i.a) A.check_no_overlap(*o.a, o.span, *i.a, i.span, o.in_place && i.in_place);
}

void check_elementwise(const Args& A, int64_t n, const ArrayView& out, std::initializer_list<const ArrayView*> inputs) {
  const Span s = flat(n);
  auto what = [&] { return "n=" + std::to_string(n); };
  for (const ArrayView* in : inputs) A.check_span(*in, s, what);
  A.check_span(out, s, what);
  for (const ArrayView* in : inputs) A.check_no_overlap(out, s, *in, s, true);
}

bool get_bool(const Args& A, size_t i, const char* name) {
  bool b = false;
  if (napi_get_value_bool(A.env(), A.at(i), &b) != napi_ok) A.type_error(std::string(name) + " must be a boolean");
  return b;
}

}  // namespace adj

NAPI_MODULE_INIT() {
  using namespace adj;
  static std::once_flag once;
  std::call_once(once, [] { blas_set_threads(num_threads()); });
  size_t count = 0;
  const Binding* list = bindings(count);
  std::vector<napi_property_descriptor> props;
  for (size_t i = 0; i < count; ++i)
    props.push_back({list[i].name, nullptr, list[i].fn, nullptr, nullptr, nullptr, napi_enumerable, nullptr});
  napi_define_properties(env, exports, props.size(), props.data());
  return exports;
}
