// What every N-API binding file (bind_*.cc) shares: the exception guard that
// turns C++ errors into JS TypeError/RangeError, value makers, the float32 /
// float64 dispatch, and ADJ_EXPORT, which registers a binding under its JS name.
//
// Adding a kernel binding (a row of core's KERNELS table): write bind_NAME.cc
// with a `napi_value F(napi_env, napi_callback_info)` that parses its arguments
// with KernelArgs from a constexpr kernel_def (kernel_args.h) inside guard(),
// end it with ADJ_KERNEL(kDef, F), add the file to binding.gyp's sources and
// the name to NATIVE_KERNELS in src/addon.ts (docs/architecture.md). Other
// functions (settings, probes) use Args and ADJ_EXPORT("jsName", F).
// addon.cc installs every export.
#pragma once
#include <node_api.h>

#include <climits>
#include <initializer_list>
#include <cstdint>
#include <new>
#include <string>

#include "napi_args.h"
#include "kernel_args.h"

namespace adj {

constexpr int64_t kMaxIndex = (int64_t(1) << 53) - 1;  // largest exact JS integer
constexpr int64_t kMaxDim = INT32_MAX;

// Runs f (returning napi_value); a thrown ArgError, bad_alloc or exception
// becomes a pending JS exception and the binding returns nullptr.
template <class F>
napi_value guard(napi_env env, F&& f) {
  try {
    return f();
  } catch (const ArgError& e) {
    if (e.range)
      napi_throw_range_error(env, nullptr, e.message.c_str());
    else
      napi_throw_type_error(env, nullptr, e.message.c_str());
  } catch (const std::bad_alloc&) {
    napi_throw_range_error(env, nullptr, "adjoint native: out of memory");
  } catch (const std::exception& e) {
    napi_throw_error(env, nullptr, (std::string("adjoint native: ") + e.what()).c_str());
  }
  return nullptr;
}

// Calls f(float{}) or f(double{}) by the element type of `like` (a float array
// checked with kF32 | kF64): write the body once as a generic lambda,
// `[&](auto t) { using T = decltype(t); kernel<T>(x.as<const T>(), ...); }`.
template <class F>
void with_float_type(const ArrayView& like, F&& f) {
  if (like.kind == kF32)
    f(float{});
  else
    f(double{});
}

napi_value undefined(napi_env env);
napi_value make_number(napi_env env, double v);
napi_value make_string(napi_env env, const std::string& s);
napi_value make_bool(napi_env env, bool b);
napi_value make_number_array(napi_env env, const double* v, size_t n);

// Span of a contiguous run of n elements from index 0.
Span flat(int64_t n);
// Throws RangeError unless v holds a contiguous rows x cols block from index 0.
void check_rows(const Args& A, const ArrayView& v, int64_t rows, int64_t cols);
// The same for each of vs, in order.
void check_rows(const Args& A, std::initializer_list<const ArrayView*> vs, int64_t rows, int64_t cols);
// An operand of check_apart: its array (nullptr: an optional one not given), the elements the
// kernel reaches in it, and whether an output may be exactly it (in place).
struct Reach {
  const ArrayView* a;
  Span span;
  bool in_place = false;
};
// Each output against each input, in order: no shared element, except that an in-place output
// may be exactly an in-place input (Args::check_no_overlap's allow_exact).
void check_apart(const Args& A, std::initializer_list<Reach> outs, std::initializer_list<Reach> ins);
bool get_bool(const Args& A, size_t i, const char* name);
// The operands of an elementwise kernel over n elements: each array holds n
// elements from index 0, and out shares no byte with an input unless it is
// that input exactly (in place).
void check_elementwise(const Args& A, int64_t n, const ArrayView& out, std::initializer_list<const ArrayView*> inputs);

// Registers fn as exports[name] (at static initialisation; see ADJ_EXPORT).
bool register_binding(const char* name, napi_callback fn);
struct Binding {
  const char* name;
  napi_callback fn;
};
// Every registered binding, in registration order.
const Binding* bindings(size_t& count);

}  // namespace adj

#define ADJ_EXPORT_CAT2(a, b) a##b
#define ADJ_EXPORT_CAT(a, b) ADJ_EXPORT_CAT2(a, b)
// At namespace scope in a bind_*.cc: exports[NAME] = FN when the addon loads.
#define ADJ_EXPORT(NAME, FN) \
  [[maybe_unused]] static const bool ADJ_EXPORT_CAT(adj_export_, __LINE__) = ::adj::register_binding(NAME, FN)
