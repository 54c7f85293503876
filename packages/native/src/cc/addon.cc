// N-API entry points of adjoint_native.node. Each function checks all its
// arguments (napi_args.h) before touching memory, then reads and writes the
// TypedArrays' memory in place (no copies). Context-aware: works in worker_threads.
#include <node_api.h>

#include <time.h>

#include <chrono>
#include <algorithm>
#include <climits>
#include <cmath>
#include <mutex>
#include <new>
#include <random>
#include <utility>
#include <string>
#include <vector>

#include "blas.h"
#include "cpu.h"
#include "gemm.h"
#include "napi_args.h"
#include "rows.h"
#include "threadpool.h"

namespace adj {
namespace {

constexpr int64_t kMaxIndex = (int64_t(1) << 53) - 1;  // largest exact JS integer
constexpr int64_t kMaxDim = INT32_MAX;

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

std::string strides(int64_t a, int64_t b, int64_t c) {
  return "(" + std::to_string(a) + ", " + std::to_string(b) + ", " + std::to_string(c) + ")";
}

// gemm(a, aOffset, aBatchStride, aRowStride, aColStride,
//      b, bOffset, bBatchStride, bRowStride, bColStride,
//      c, cOffset, cBatchStride, cRowStride, batch, m, n, k, alpha, beta)
napi_value Gemm(napi_env env, napi_callback_info info) {
  return guard(env, [&]() -> napi_value {
    Args A(env, info, "gemm", 20, 20);
    const ArrayView a = A.array(0, "a", kF32 | kF64);
    const int64_t aOff = A.integer(1, "aOffset", 0, kMaxIndex);
    const int64_t aBS = A.integer(2, "aBatchStride", -kMaxIndex, kMaxIndex);
    const int64_t aRS = A.integer(3, "aRowStride", -kMaxIndex, kMaxIndex);
    const int64_t aCS = A.integer(4, "aColStride", -kMaxIndex, kMaxIndex);
    const ArrayView b = A.array(5, "b", kF32 | kF64);
    const int64_t bOff = A.integer(6, "bOffset", 0, kMaxIndex);
    const int64_t bBS = A.integer(7, "bBatchStride", -kMaxIndex, kMaxIndex);
    const int64_t bRS = A.integer(8, "bRowStride", -kMaxIndex, kMaxIndex);
    const int64_t bCS = A.integer(9, "bColStride", -kMaxIndex, kMaxIndex);
    const ArrayView c = A.array(10, "c", kF32 | kF64);
    const int64_t cOff = A.integer(11, "cOffset", 0, kMaxIndex);
    const int64_t cBS = A.integer(12, "cBatchStride", -kMaxIndex, kMaxIndex);
    const int64_t cRS = A.integer(13, "cRowStride", -kMaxIndex, kMaxIndex);
    const int64_t batch = A.integer(14, "batch", 0, kMaxDim);
    const int64_t m = A.integer(15, "m", 0, kMaxDim);
    const int64_t n = A.integer(16, "n", 0, kMaxDim);
    const int64_t k = A.integer(17, "k", 0, kMaxDim);
    const double alpha = A.number(18, "alpha");
    const double beta = A.number(19, "beta");
    A.check_same_type(a, b);
    A.check_same_type(a, c);
    if (beta != 0 && beta != 1) A.range_error("beta must be 0 or 1, got " + std::to_string(beta));

    const bool any = batch > 0 && m > 0 && n > 0;
    if (any && m > 1 && (cRS < n && cRS > -n))
      A.range_error("rows of c overlap: |cRowStride| (" + std::to_string(cRS) + ") must be at least n (" +
                    std::to_string(n) + ")");
    if (any && batch > 1) {
      const __int128 one = (__int128)(m - 1) * (cRS < 0 ? -cRS : cRS) + n;
      const __int128 bs = cBS < 0 ? -(__int128)cBS : (__int128)cBS;
      if (bs < one)
        A.range_error("matrices of c overlap: |cBatchStride| (" + std::to_string(cBS) +
                      ") must be at least (m - 1) * |cRowStride| + n = " + std::to_string((long long)one));
    }
    const bool touch_ab = any && k > 0;
    const Span sa = touch_ab ? span_of(aOff, {{batch, aBS}, {m, aRS}, {k, aCS}}) : Span{};
    const Span sb = touch_ab ? span_of(bOff, {{batch, bBS}, {k, bRS}, {n, bCS}}) : Span{};
    const Span sc = any ? span_of(cOff, {{batch, cBS}, {m, cRS}, {n, 1}}) : Span{};
    auto what = [&](const char* r, int64_t rv, const char* c, int64_t cv, int64_t off, int64_t s0, int64_t s1,
                    int64_t s2) {
      return [=] {
        return "batch=" + std::to_string(batch) + ", " + r + "=" + std::to_string(rv) + ", " + c + "=" +
               std::to_string(cv) + " at offset " + std::to_string(off) + " with strides " + strides(s0, s1, s2);
      };
    };
    A.check_span(a, sa, what("m", m, "k", k, aOff, aBS, aRS, aCS));
    A.check_span(b, sb, what("k", k, "n", n, bOff, bBS, bRS, bCS));
    A.check_span(c, sc, what("m", m, "n", n, cOff, cBS, cRS, 1));
    A.check_no_overlap(c, sc, a, sa, false);
    A.check_no_overlap(c, sc, b, sb, false);
    if (!any) return undefined(env);

    if (a.kind == kF32) {
      GemmCall<float> g{batch, m, n, k, (float)alpha, beta == 1, (const float*)a.data + aOff, aBS, aRS, aCS,
                        (const float*)b.data + bOff, bBS, bRS, bCS, (float*)c.data + cOff, cBS, cRS};
      gemm(g);
    } else {
      GemmCall<double> g{batch, m, n, k, alpha, beta == 1, (const double*)a.data + aOff, aBS, aRS, aCS,
                         (const double*)b.data + bOff, bBS, bRS, bCS, (double*)c.data + cOff, cBS, cRS};
      gemm(g);
    }
    return undefined(env);
  });
}

void check_rows(const Args& A, const ArrayView& v, int64_t rows, int64_t cols) {
  A.check_span(v, span_of(0, {{rows * cols, 1}}),
               [&] { return "rows=" + std::to_string(rows) + ", cols=" + std::to_string(cols); });
}

// softmax(x, out, rows, cols), logSoftmax(x, out, rows, cols)
template <RowOp OP>
napi_value RowForward(napi_env env, napi_callback_info info) {
  const char* fn = OP == RowOp::Softmax ? "softmax" : "logSoftmax";
  return guard(env, [&]() -> napi_value {
    Args A(env, info, fn, 4, 4);
    const ArrayView x = A.array(0, "x", kF32 | kF64);
    const ArrayView out = A.array(1, "out", kF32 | kF64);
    A.check_same_type(x, out);
    const int64_t rows = A.integer(2, "rows", 0, kMaxDim), cols = A.integer(3, "cols", 0, kMaxDim);
    check_rows(A, x, rows, cols);
    check_rows(A, out, rows, cols);
    const Span s = span_of(0, {{rows * cols, 1}});
    A.check_no_overlap(out, s, x, s, true);
    if (x.kind == kF32)
      row_op<float>(OP, (const float*)x.data, nullptr, (float*)out.data, rows, cols);
    else
      row_op<double>(OP, (const double*)x.data, nullptr, (double*)out.data, rows, cols);
    return undefined(env);
  });
}

// softmaxBackward(y, gy, gx, rows, cols), logSoftmaxBackward(y, gy, gx, rows, cols)
template <RowOp OP>
napi_value RowBackward(napi_env env, napi_callback_info info) {
  const char* fn = OP == RowOp::SoftmaxBackward ? "softmaxBackward" : "logSoftmaxBackward";
  return guard(env, [&]() -> napi_value {
    Args A(env, info, fn, 5, 5);
    const ArrayView y = A.array(0, "y", kF32 | kF64);
    const ArrayView gy = A.array(1, "gy", kF32 | kF64);
    const ArrayView gx = A.array(2, "gx", kF32 | kF64);
    A.check_same_type(y, gy);
    A.check_same_type(y, gx);
    const int64_t rows = A.integer(3, "rows", 0, kMaxDim), cols = A.integer(4, "cols", 0, kMaxDim);
    check_rows(A, y, rows, cols);
    check_rows(A, gy, rows, cols);
    check_rows(A, gx, rows, cols);
    const Span s = span_of(0, {{rows * cols, 1}});
    A.check_no_overlap(gx, s, y, s, true);
    A.check_no_overlap(gx, s, gy, s, true);
    if (y.kind == kF32)
      row_op<float>(OP, (const float*)y.data, (const float*)gy.data, (float*)gx.data, rows, cols);
    else
      row_op<double>(OP, (const double*)y.data, (const double*)gy.data, (double*)gx.data, rows, cols);
    return undefined(env);
  });
}

bool get_bool(const Args& A, size_t i, const char* name) {
  bool b = false;
  if (napi_get_value_bool(A.env(), A.at(i), &b) != napi_ok) A.type_error(std::string(name) + " must be a boolean");
  return b;
}

// gelu(x, y, n, approximate): float32 only (core's TS kernel does float64)
napi_value Gelu(napi_env env, napi_callback_info info) {
  return guard(env, [&]() -> napi_value {
    Args A(env, info, "gelu", 4, 4);
    const ArrayView x = A.array(0, "x", kF32);
    const ArrayView y = A.array(1, "y", kF32);
    const int64_t n = A.integer(2, "n", 0, kMaxIndex);
    const bool tanh = get_bool(A, 3, "approximate");
    const Span s = span_of(0, {{n, 1}});
    auto what = [&] { return "n=" + std::to_string(n); };
    A.check_span(x, s, what);
    A.check_span(y, s, what);
    A.check_no_overlap(y, s, x, s, true);
    gelu_f32((const float*)x.data, (float*)y.data, n, tanh);
    return undefined(env);
  });
}

// geluBackward(x, gy, gx, n, approximate): float32 only
napi_value GeluBackward(napi_env env, napi_callback_info info) {
  return guard(env, [&]() -> napi_value {
    Args A(env, info, "geluBackward", 5, 5);
    const ArrayView x = A.array(0, "x", kF32);
    const ArrayView gy = A.array(1, "gy", kF32);
    const ArrayView gx = A.array(2, "gx", kF32);
    const int64_t n = A.integer(3, "n", 0, kMaxIndex);
    const bool tanh = get_bool(A, 4, "approximate");
    const Span s = span_of(0, {{n, 1}});
    auto what = [&] { return "n=" + std::to_string(n); };
    A.check_span(x, s, what);
    A.check_span(gy, s, what);
    A.check_span(gx, s, what);
    A.check_no_overlap(gx, s, x, s, true);
    A.check_no_overlap(gx, s, gy, s, true);
    gelu_backward_f32((const float*)x.data, (const float*)gy.data, (float*)gx.data, n, tanh);
    return undefined(env);
  });
}

// Span of a contiguous run of `n` elements from index 0.
Span flat(int64_t n) { return span_of(0, {{n, 1}}); }

// An optional (null/undefined) float array of the same type as `like`, at least n long.
ArrayView optional_array(const Args& A, size_t i, const char* name, const ArrayView& like, int64_t n, bool& present) {
  present = !A.is_nullish(i);
  if (!present) return ArrayView{};
  ArrayView v = A.array(i, name, kF32 | kF64);
  A.check_same_type(like, v);
  A.check_span(v, flat(n), [&] { return "length " + std::to_string(n); });
  return v;
}

// Targets: each in [0, cols) or equal to ignoreIndex.
void check_targets(const Args& A, const ArrayView& t, int64_t rows, int64_t cols, int64_t ignore) {
  A.check_span(t, flat(rows), [&] { return "rows=" + std::to_string(rows); });
  const int32_t* tp = (const int32_t*)t.data;
  for (int64_t r = 0; r < rows; ++r) {
    if (tp[r] != ignore && (tp[r] < 0 || tp[r] >= cols))
      A.range_error("target " + std::to_string(tp[r]) + " at row " + std::to_string(r) + " is out of range for " +
                    std::to_string(cols) + " classes (and is not ignoreIndex " + std::to_string(ignore) + ")");
  }
}

// crossEntropy(x, target, loss, lse, rows, cols, ignoreIndex, labelSmoothing)
napi_value CrossEntropy(napi_env env, napi_callback_info info) {
  return guard(env, [&]() -> napi_value {
    Args A(env, info, "crossEntropy", 8, 8);
    const ArrayView x = A.array(0, "x", kF32 | kF64);
    const ArrayView t = A.array(1, "target", kI32);
    const ArrayView loss = A.array(2, "loss", kF32 | kF64);
    const ArrayView lse = A.array(3, "lse", kF32 | kF64);
    A.check_same_type(x, loss);
    A.check_same_type(x, lse);
    const int64_t rows = A.integer(4, "rows", 0, kMaxDim), cols = A.integer(5, "cols", 0, kMaxDim);
    const int64_t ignore = A.integer(6, "ignoreIndex", INT32_MIN, INT32_MAX);
    const double smoothing = A.number(7, "labelSmoothing");
    check_rows(A, x, rows, cols);
    check_rows(A, loss, rows, 1);
    check_rows(A, lse, rows, 1);
    check_targets(A, t, rows, cols, ignore);
    const Span sx = flat(rows * cols), sr = flat(rows);
    A.check_no_overlap(loss, sr, x, sx, false);
    A.check_no_overlap(lse, sr, x, sx, false);
    A.check_no_overlap(loss, sr, lse, sr, false);
    A.check_no_overlap(loss, sr, t, sr, false);
    A.check_no_overlap(lse, sr, t, sr, false);
    if (x.kind == kF32)
      cross_entropy<float>((const float*)x.data, (const int32_t*)t.data, (float*)loss.data, (float*)lse.data, rows,
                           cols, (int32_t)ignore, smoothing);
    else
      cross_entropy<double>((const double*)x.data, (const int32_t*)t.data, (double*)loss.data, (double*)lse.data,
                            rows, cols, (int32_t)ignore, smoothing);
    return undefined(env);
  });
}

// crossEntropyBackward(x, target, lse, gLoss, gx, rows, cols, ignoreIndex, labelSmoothing)
napi_value CrossEntropyBackward(napi_env env, napi_callback_info info) {
  return guard(env, [&]() -> napi_value {
    Args A(env, info, "crossEntropyBackward", 9, 9);
    const ArrayView x = A.array(0, "x", kF32 | kF64);
    const ArrayView t = A.array(1, "target", kI32);
    const ArrayView lse = A.array(2, "lse", kF32 | kF64);
    const ArrayView gl = A.array(3, "gLoss", kF32 | kF64);
    const ArrayView gx = A.array(4, "gx", kF32 | kF64);
    A.check_same_type(x, lse);
    A.check_same_type(x, gl);
    A.check_same_type(x, gx);
    const int64_t rows = A.integer(5, "rows", 0, kMaxDim), cols = A.integer(6, "cols", 0, kMaxDim);
    const int64_t ignore = A.integer(7, "ignoreIndex", INT32_MIN, INT32_MAX);
    const double smoothing = A.number(8, "labelSmoothing");
    check_rows(A, x, rows, cols);
    check_rows(A, gx, rows, cols);
    check_rows(A, lse, rows, 1);
    check_rows(A, gl, rows, 1);
    check_targets(A, t, rows, cols, ignore);
    const Span sx = flat(rows * cols), sr = flat(rows);
    A.check_no_overlap(gx, sx, x, sx, true);
    A.check_no_overlap(gx, sx, lse, sr, false);
    A.check_no_overlap(gx, sx, gl, sr, false);
    A.check_no_overlap(gx, sx, t, sr, false);
    if (x.kind == kF32)
      cross_entropy_backward<float>((const float*)x.data, (const int32_t*)t.data, (const float*)lse.data,
                                    (const float*)gl.data, (float*)gx.data, rows, cols, (int32_t)ignore, smoothing);
    else
      cross_entropy_backward<double>((const double*)x.data, (const int32_t*)t.data, (const double*)lse.data,
                                     (const double*)gl.data, (double*)gx.data, rows, cols, (int32_t)ignore, smoothing);
    return undefined(env);
  });
}

// layerNorm(x, w | null, b | null, y, mean, rstd, rows, cols, eps)
napi_value LayerNorm(napi_env env, napi_callback_info info) {
  return guard(env, [&]() -> napi_value {
    Args A(env, info, "layerNorm", 9, 9);
    const ArrayView x = A.array(0, "x", kF32 | kF64);
    const int64_t rows = A.integer(6, "rows", 0, kMaxDim), cols = A.integer(7, "cols", 0, kMaxDim);
    const double eps = A.number(8, "eps");
    bool hw, hb;
    const ArrayView w = optional_array(A, 1, "w", x, cols, hw);
    const ArrayView b = optional_array(A, 2, "b", x, cols, hb);
    const ArrayView y = A.array(3, "y", kF32 | kF64);
    const ArrayView mean = A.array(4, "mean", kF32 | kF64);
    const ArrayView rstd = A.array(5, "rstd", kF32 | kF64);
    A.check_same_type(x, y);
    A.check_same_type(x, mean);
    A.check_same_type(x, rstd);
    check_rows(A, x, rows, cols);
    check_rows(A, y, rows, cols);
    check_rows(A, mean, rows, 1);
    check_rows(A, rstd, rows, 1);
    const Span sx = flat(rows * cols), sr = flat(rows), sc = (rows > 0 ? flat(cols) : Span{});
    A.check_no_overlap(y, sx, x, sx, true);
    if (hw) A.check_no_overlap(y, sx, w, sc, false);
    if (hb) A.check_no_overlap(y, sx, b, sc, false);
    for (const ArrayView* o : {&mean, &rstd}) {
      A.check_no_overlap(*o, sr, x, sx, false);
      A.check_no_overlap(*o, sr, y, sx, false);
      if (hw) A.check_no_overlap(*o, sr, w, sc, false);
      if (hb) A.check_no_overlap(*o, sr, b, sc, false);
    }
    A.check_no_overlap(mean, sr, rstd, sr, false);
    if (x.kind == kF32)
      layer_norm<float>((const float*)x.data, hw ? (const float*)w.data : nullptr, hb ? (const float*)b.data : nullptr,
                        (float*)y.data, (float*)mean.data, (float*)rstd.data, rows, cols, eps);
    else
      layer_norm<double>((const double*)x.data, hw ? (const double*)w.data : nullptr,
                         hb ? (const double*)b.data : nullptr, (double*)y.data, (double*)mean.data,
                         (double*)rstd.data, rows, cols, eps);
    return undefined(env);
  });
}

// layerNormBackward(x, gy, w | null, mean, rstd, gx | null, gw | null, gb | null, rows, cols)
napi_value LayerNormBackward(napi_env env, napi_callback_info info) {
  return guard(env, [&]() -> napi_value {
    Args A(env, info, "layerNormBackward", 10, 10);
    const ArrayView x = A.array(0, "x", kF32 | kF64);
    const ArrayView gy = A.array(1, "gy", kF32 | kF64);
    A.check_same_type(x, gy);
    const int64_t rows = A.integer(8, "rows", 0, kMaxDim), cols = A.integer(9, "cols", 0, kMaxDim);
    bool hw, hgx, hgw, hgb;
    const ArrayView w = optional_array(A, 2, "w", x, cols, hw);
    const ArrayView mean = A.array(3, "mean", kF32 | kF64);
    const ArrayView rstd = A.array(4, "rstd", kF32 | kF64);
    A.check_same_type(x, mean);
    A.check_same_type(x, rstd);
    const ArrayView gx = optional_array(A, 5, "gx", x, rows * cols, hgx);
    const ArrayView gw = optional_array(A, 6, "gw", x, cols, hgw);
    const ArrayView gb = optional_array(A, 7, "gb", x, cols, hgb);
    check_rows(A, x, rows, cols);
    check_rows(A, gy, rows, cols);
    check_rows(A, mean, rows, 1);
    check_rows(A, rstd, rows, 1);
    const Span sx = flat(rows * cols), sr = flat(rows), sc = flat(cols);
    const Span swc = rows > 0 ? sc : Span{};  // w is read only when there are rows
    if (hgx) {
      A.check_no_overlap(gx, sx, x, sx, true);
      A.check_no_overlap(gx, sx, gy, sx, true);
      if (hw) A.check_no_overlap(gx, sx, w, swc, false);
      A.check_no_overlap(gx, sx, mean, sr, false);
      A.check_no_overlap(gx, sx, rstd, sr, false);
    }
    for (const auto& o : {std::make_pair(hgw, &gw), std::make_pair(hgb, &gb)}) {
      if (!o.first) continue;
      const ArrayView& g = *o.second;
      A.check_no_overlap(g, sc, x, sx, false);
      A.check_no_overlap(g, sc, gy, sx, false);
      if (hw) A.check_no_overlap(g, sc, w, swc, false);
      A.check_no_overlap(g, sc, mean, sr, false);
      A.check_no_overlap(g, sc, rstd, sr, false);
      if (hgx) A.check_no_overlap(g, sc, gx, sx, false);
    }
    if (hgw && hgb) A.check_no_overlap(gw, sc, gb, sc, false);
    if (x.kind == kF32)
      layer_norm_backward<float>((const float*)x.data, (const float*)gy.data, hw ? (const float*)w.data : nullptr,
                                 (const float*)mean.data, (const float*)rstd.data, hgx ? (float*)gx.data : nullptr,
                                 hgw ? (float*)gw.data : nullptr, hgb ? (float*)gb.data : nullptr, rows, cols);
    else
      layer_norm_backward<double>((const double*)x.data, (const double*)gy.data,
                                  hw ? (const double*)w.data : nullptr, (const double*)mean.data,
                                  (const double*)rstd.data, hgx ? (double*)gx.data : nullptr,
                                  hgw ? (double*)gw.data : nullptr, hgb ? (double*)gb.data : nullptr, rows, cols);
    return undefined(env);
  });
}

const char* impl_name(GemmImpl i) {
  if (i == GemmImpl::Builtin || !blas_linked()) return "builtin";
  return "openblas";
}

napi_value Info(napi_env env, napi_callback_info) {
  return guard(env, [&]() -> napi_value {
    napi_value o, isas;
    napi_create_object(env, &o);
    const std::vector<std::string> names = supported_isas();
    napi_create_array_with_length(env, names.size(), &isas);
    for (size_t i = 0; i < names.size(); ++i) napi_set_element(env, isas, (uint32_t)i, make_string(env, names[i]));
    napi_set_named_property(env, o, "isa", make_string(env, isa().name));
    napi_set_named_property(env, o, "isas", isas);
    napi_set_named_property(env, o, "blas", make_string(env, impl_name(gemm_impl())));
    napi_set_named_property(env, o, "openblasLinked", make_bool(env, blas_linked()));
    napi_set_named_property(env, o, "openblasCore", make_string(env, blas_corename()));
    napi_set_named_property(env, o, "openblasConfig", make_string(env, blas_config()));
    napi_set_named_property(env, o, "threads", make_number(env, num_threads()));
    napi_set_named_property(env, o, "defaultThreads", make_number(env, default_num_threads()));
    return o;
  });
}

napi_value SetNumThreads(napi_env env, napi_callback_info info) {
  return guard(env, [&]() -> napi_value {
    Args A(env, info, "setNumThreads", 1, 1);
    const int n = (int)A.integer(0, "n", 1, 256);
    set_num_threads(n);
    blas_set_threads(n);
    return undefined(env);
  });
}

napi_value SetIsa(napi_env env, napi_callback_info info) {
  return guard(env, [&]() -> napi_value {
    Args A(env, info, "setIsa", 1, 1);
    const std::string name = A.string(0, "isa");
    if (!set_isa(name)) {
      std::string list;
      for (const std::string& s : supported_isas()) list += (list.empty() ? "" : ", ") + s;
      A.range_error("isa \"" + name + "\" is not available on this CPU/build (available: " + list + ")");
    }
    return undefined(env);
  });
}

napi_value SetGemmImpl(napi_env env, napi_callback_info info) {
  return guard(env, [&]() -> napi_value {
    Args A(env, info, "setGemmImpl", 1, 1);
    const std::string name = A.string(0, "impl");
    if (name == "auto" || name == "openblas")
      set_gemm_impl(GemmImpl::Auto);
    else if (name == "builtin")
      set_gemm_impl(GemmImpl::Builtin);
    else
      A.range_error("impl must be \"auto\", \"openblas\" or \"builtin\", got \"" + name + "\"");
    return undefined(env);
  });
}

// setTuning(minFlopsPerThread, blasMinFlops, rowsParallelMinElements, streamMinBytes):
// for benchmarks and tests; returns the previous values as an array.
napi_value SetTuning(napi_env env, napi_callback_info info) {
  return guard(env, [&]() -> napi_value {
    Args A(env, info, "setTuning", 4, 4);
    const int64_t v0 = A.integer(0, "minFlopsPerThread", 1, kMaxIndex);
    const int64_t v1 = A.integer(1, "blasMinFlops", 0, kMaxIndex);
    const int64_t v2 = A.integer(2, "rowsParallelMinElements", 1, kMaxIndex);
    const int64_t v3 = A.integer(3, "streamMinBytes", 0, kMaxIndex);
    const double old[4] = {(double)gemm_tuning().min_flops_per_thread, (double)gemm_tuning().blas_min_flops,
                           (double)rows_parallel_min_elements(), (double)stream_min_bytes()};
    gemm_tuning().min_flops_per_thread = v0;
    gemm_tuning().blas_min_flops = v1;
    rows_parallel_min_elements() = v2;
    stream_min_bytes() = v3;
    napi_value arr;
    napi_create_array_with_length(env, 4, &arr);
    for (uint32_t i = 0; i < 4; ++i) napi_set_element(env, arr, i, make_number(env, old[i]));
    return arr;
  });
}

// timeGemm(m, n, k, iters, how): [wall, thread CPU] seconds per C = A @ B (float32,
// row-major, beta 0) measured inside C++, without the N-API call: how = "cblas" calls cblas_sgemm
// directly, "driver" goes through the same dispatch as gemm(). For benchmarks.
napi_value TimeGemm(napi_env env, napi_callback_info info) {
  return guard(env, [&]() -> napi_value {
    Args A(env, info, "timeGemm", 5, 5);
    const int64_t m = A.integer(0, "m", 1, 8192), n = A.integer(1, "n", 1, 8192), k = A.integer(2, "k", 1, 8192);
    const int64_t iters = A.integer(3, "iters", 1, 1000000);
    const std::string how = A.string(4, "how");
    if (how != "cblas" && how != "driver") A.range_error("how must be \"cblas\" or \"driver\", got \"" + how + "\"");
    if (how == "cblas" && !blas_linked()) A.range_error("OpenBLAS is not linked into this build");
    std::vector<float> a(m * k), b(k * n), c(m * n);
    std::mt19937 rng(1);
    std::uniform_real_distribution<float> u(-1, 1);
    for (float& v : a) v = u(rng);
    for (float& v : b) v = u(rng);
    auto once = [&] {
      if (how == "cblas") {
        blas_gemm(false, false, (int)m, (int)n, (int)k, 1.0f, a.data(), (int)k, b.data(), (int)n, 0.0f, c.data(), (int)n);
      } else {
        gemm(GemmCall<float>{1, m, n, k, 1.0f, false, a.data(), 0, k, 1, b.data(), 0, n, 1, c.data(), 0, n});
      }
    };
    once();
    timespec c0{}, c1{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c0);
    const auto t0 = std::chrono::steady_clock::now();
    for (int64_t i = 0; i < iters; ++i) once();
    const std::chrono::duration<double> dt = std::chrono::steady_clock::now() - t0;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c1);
    const double cpu = (double)(c1.tv_sec - c0.tv_sec) + 1e-9 * (double)(c1.tv_nsec - c0.tv_nsec);
    napi_value arr;
    napi_create_array_with_length(env, 2, &arr);
    napi_set_element(env, arr, 0, make_number(env, dt.count() / (double)iters));
    napi_set_element(env, arr, 1, make_number(env, cpu / (double)iters));
    return arr;
  });
}

// cpuClockGHz(): the core clock, from a chain of dependent integer adds (one
// per cycle) timed for ~20 ms; 0 where not measured (non-x86). For benchmarks,
// to turn GFLOP/s into a fraction of the FMA peak.
napi_value CpuClockGHz(napi_env env, napi_callback_info) {
  return guard(env, [&]() -> napi_value {
#if defined(__x86_64__)
    double best = 0;
    for (int rep = 0; rep < 5; ++rep) {
      const long n = 10000000;
      long x = 0;
      const auto t0 = std::chrono::steady_clock::now();
      for (long i = 0; i < n; ++i) asm volatile("add $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\tadd $1, %0" : "+r"(x));
      const std::chrono::duration<double> dt = std::chrono::steady_clock::now() - t0;
      best = std::max(best, 4.0 * (double)n / dt.count() / 1e9);
    }
    return make_number(env, best);
#else
    return make_number(env, 0);
#endif
  });
}

void init_once() {
  static std::once_flag once;
  std::call_once(once, [] { blas_set_threads(num_threads()); });
}

}  // namespace
}  // namespace adj

NAPI_MODULE_INIT() {
  using namespace adj;
  init_once();
  const napi_property_descriptor props[] = {
      {"gemm", nullptr, Gemm, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"softmax", nullptr, RowForward<RowOp::Softmax>, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"logSoftmax", nullptr, RowForward<RowOp::LogSoftmax>, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"softmaxBackward", nullptr, RowBackward<RowOp::SoftmaxBackward>, nullptr, nullptr, nullptr, napi_enumerable,
       nullptr},
      {"logSoftmaxBackward", nullptr, RowBackward<RowOp::LogSoftmaxBackward>, nullptr, nullptr, nullptr,
       napi_enumerable, nullptr},
      {"layerNorm", nullptr, LayerNorm, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"layerNormBackward", nullptr, LayerNormBackward, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"crossEntropy", nullptr, CrossEntropy, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"crossEntropyBackward", nullptr, CrossEntropyBackward, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"gelu", nullptr, Gelu, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"geluBackward", nullptr, GeluBackward, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"info", nullptr, Info, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"setNumThreads", nullptr, SetNumThreads, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"setIsa", nullptr, SetIsa, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"setGemmImpl", nullptr, SetGemmImpl, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"setTuning", nullptr, SetTuning, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"timeGemm", nullptr, TimeGemm, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"cpuClockGHz", nullptr, CpuClockGHz, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
  return exports;
}
