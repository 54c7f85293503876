// Scaled dot-product attention kernels, core's Backend attention / attentionBackward
// (their struct argument flattened, in core's table order):
//   attention(q, qLayout, k, kLayout, v, vLayout, scale, causal, queryOffset, probs,
//             mask?, maskLayout?, out, outLayout)
//   attentionBackward(q, qLayout, k, kLayout, v, vLayout, scale, causal, queryOffset, probs,
//                     gOut, gOutLayout, gScores?, gq?, gqLayout?, gk?, gkLayout?, gv?, gvLayout?, accumulate)
// Every operand is an array and its 4-D layout [batch, heads, rows, cols]; the sizes
// come from the layouts: q [batch, heads, L, E], k [.., S, E], v [.., S, Ev], and the
// others must match them. probs and gScores are contiguous [batch, heads, L, S] (gScores null: dS is
// not wanted, each head keeps it in its workspace).
// Outputs have a unit column stride and overlap no input; gq, gk, gv may overlap
// each other only with accumulate.
#include <string>

#include "attention.h"
#include "binding.h"

namespace adj {
namespace {

#define ADJ_ATTENTION_INPUTS                                                                            \
  floats("q"), layout("qLayout"), floats("k"), layout("kLayout"), floats("v"), layout("vLayout"),      \
      number("scale"), boolean("causal"), integer("queryOffset", -INT32_MAX, INT32_MAX), floats("probs")
constexpr auto kAttention = kernel_def("attention", ADJ_ATTENTION_INPUTS, floats_opt("mask"), layout_opt("maskLayout"),
                                       floats("out"), layout("outLayout"));
constexpr auto kAttentionBackward =
    kernel_def("attentionBackward", ADJ_ATTENTION_INPUTS, floats("gOut"), layout("gOutLayout"), floats_opt("gScores"),
               floats_opt("gq"), layout_opt("gqLayout"), floats_opt("gk"), layout_opt("gkLayout"), floats_opt("gv"),
               layout_opt("gvLayout"), boolean("accumulate"));
// The index of each argument the bindings read (an operand's layout follows its array).
enum Arg : size_t { kQ = 0, kK = 2, kV = 4, kScale = 6, kCausal = 7, kQueryOffset = 8, kProbs = 9 };
enum ForwardArg : size_t { kMask = 10, kOut = 12 };
enum BackwardArg : size_t { kGOut = 10, kGScores = 12, kGq = 13, kGk = 15, kGv = 17, kAccumulate = 19 };

// [batch, heads, rows, cols]
using Shape4 = int64_t[4];

std::string list(const int64_t* v, size_t n) {
  std::string s = "[";
  for (size_t d = 0; d < n; ++d) s += (d ? ", " : "") + std::to_string(v[d]);
  return s + "]";
}

// A checked strided operand (absent: a == nullptr).
struct Strided {
  const ArrayView* a = nullptr;
  int64_t offset = 0, s[4] = {0, 0, 0, 0};
  Span span;
  // As an operand of check_apart: never in place.
  operator Reach() const { return {a, span}; }
};

// The layout of operand `name` (argument i + 1, after its array i), which must be 4-D.
const LayoutView& layout4(const KernelArgs& A, size_t i, const char* name) {
  const LayoutView& l = A.layout(i + 1);
  if (l.ndim != 4) A.range_error(std::string(name) + "Layout must be 4-D [batch, heads, rows, cols], got shape " + list(l.shape, l.ndim));
  return l;
}

// Operand `name`, arguments i, i + 1 (array, layout), as an operand of shape `want`, its reach checked.
Strided strided(const KernelArgs& A, size_t i, const char* name, const Shape4& want, bool output) {
  Strided o;
  const bool data = A.present(i), has_layout = A.present(i + 1);
  if (!data && !has_layout) return o;
  if (data != has_layout) A.type_error(std::string(name) + " and " + name + "Layout must both be given or both be null");
  const LayoutView& l = layout4(A, i, name);
  for (int d = 0; d < 4; ++d)
    if (l.shape[d] != want[d]) A.range_error(std::string(name) + "Layout has shape " + list(l.shape, 4) + ", expected " + list(want, 4));
  o.a = &A.array(i), o.offset = l.offset;
  for (int d = 0; d < 4; ++d) o.s[d] = l.strides[d];
  o.span = l.span();
  A.check_layout(*o.a, l);
  if (output && want[3] > 1 && o.s[3] != 1) A.range_error(std::string(name) + " must have a unit column stride, got " + std::to_string(o.s[3]));
  return o;
}

struct Sizes {
  int64_t batch, heads, L, S, E, Ev;
};

// A contiguous [batch, heads, L, S] array.
Strided scores(const KernelArgs& A, size_t i, const Sizes& z) {
  Strided o;
  o.a = &A.array(i);
  o.span = flat(z.batch * z.heads * z.L * z.S);
  A.check_span(*o.a, o.span, [&] { return std::string(o.a->name) + " [batch, heads, L, S] contiguous"; });
  return o;
}

template <class T>
Operand4<T> op4(const Strided& o) {
  Operand4<T> r;
  if (!o.a) return r;
  r.p = o.a->as<T>() + o.offset;
  r.sb = o.s[0], r.sh = o.s[1], r.rs = o.s[2], r.cs = o.s[3];
  return r;
}

// The arguments both kernels share (q, k, v and their layouts, scale, causal, queryOffset, probs), checked:
// the sizes are q's shape [batch, heads, L, E], k's S and v's Ev.
struct Shared {
  Sizes z;
  Strided q, k, v, probs;
};
Shared shared(const KernelArgs& A) {
  Shared s;
  const LayoutView &ql = layout4(A, kQ, "q"), &kl = layout4(A, kK, "k"), &vl = layout4(A, kV, "v");
  for (const LayoutView* l : {&ql, &kl, &vl})
    for (int d = 0; d < 4; ++d)
      if (l->shape[d] > INT32_MAX) A.range_error("sizes must be at most 2^31 - 1, got shape " + list(l->shape, 4));
  s.z = {ql.shape[0], ql.shape[1], ql.shape[2], kl.shape[2], ql.shape[3], vl.shape[3]};
  const Sizes& z = s.z;
  s.q = strided(A, kQ, "q", {z.batch, z.heads, z.L, z.E}, false), s.k = strided(A, kK, "k", {z.batch, z.heads, z.S, z.E}, false);
  s.v = strided(A, kV, "v", {z.batch, z.heads, z.S, z.Ev}, false), s.probs = scores(A, kProbs, z);
  return s;
}

// A call with the shared arguments filled in.
template <class T>
AttentionCall<T> call_of(const KernelArgs& A, const Shared& s) {
  AttentionCall<T> c{};
  c.batch = s.z.batch, c.heads = s.z.heads, c.L = s.z.L, c.S = s.z.S, c.E = s.z.E, c.Ev = s.z.Ev;
  c.scale = (T)A.number(kScale), c.causal = A.flag(kCausal), c.qoff = A.integer(kQueryOffset);
  c.q = op4<T>(s.q), c.k = op4<T>(s.k), c.v = op4<T>(s.v);
  c.probs = s.probs.a->as<T>();
  return c;
}

napi_value Attention(napi_env env, napi_callback_info info) {
  return guard(env, [&]() -> napi_value {
    KernelArgs A(env, info, kAttention);
    const Shared s = shared(A);
    const Sizes& z = s.z;
    const Strided mask = strided(A, kMask, "mask", {z.batch, z.heads, z.L, z.S}, false);
    const Strided out = strided(A, kOut, "out", {z.batch, z.heads, z.L, z.Ev}, true);
    check_apart(A, {out, s.probs}, {s.q, s.k, s.v, mask});
    check_apart(A, {out}, {s.probs});
    with_float_type(*s.q.a, [&](auto t) {
      using T = decltype(t);
      AttentionCall<T> c = call_of<T>(A, s);
      c.mask = op4<T>(mask), c.out = op4<T>(out);
      attention_forward<T>(c);
    });
    return undefined(env);
  });
}

napi_value AttentionBackward(napi_env env, napi_callback_info info) {
  return guard(env, [&]() -> napi_value {
    KernelArgs A(env, info, kAttentionBackward);
    const Shared s = shared(A);
    const Sizes& z = s.z;
    const Strided g = strided(A, kGOut, "gOut", {z.batch, z.heads, z.L, z.Ev}, false);
    const Strided gs = A.present(kGScores) ? scores(A, kGScores, z) : Strided{};  // absent: dS stays in the kernel's scratch
    const Strided gq = strided(A, kGq, "gq", {z.batch, z.heads, z.L, z.E}, true);
    const Strided gk = strided(A, kGk, "gk", {z.batch, z.heads, z.S, z.E}, true);
    const Strided gv = strided(A, kGv, "gv", {z.batch, z.heads, z.S, z.Ev}, true);
    const bool acc = A.flag(kAccumulate);
    check_apart(A, {gq, gk, gv, gs}, {s.q, s.k, s.v, g, s.probs});
    check_apart(A, {gq, gk, gv}, {gs});
    if (!acc) check_apart(A, {gq, gk}, {gv}), check_apart(A, {gq}, {gk});
    with_float_type(*s.q.a, [&](auto t) {
      using T = decltype(t);
      AttentionCall<T> c = call_of<T>(A, s);
      c.acc = acc, c.g = op4<T>(g), c.gq = op4<T>(gq), c.gk = op4<T>(gk), c.gv = op4<T>(gv), c.gs = gs.a ? gs.a->as<T>() : nullptr;
      attention_backward<T>(c);
    });
    return undefined(env);
  });
}

ADJ_KERNEL(kAttention, Attention);
ADJ_KERNEL(kAttentionBackward, AttentionBackward);

}  // namespace
}  // namespace adj
