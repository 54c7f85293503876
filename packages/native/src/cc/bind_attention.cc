// Scaled dot-product attention kernels, core's Backend attention / attentionBackward
// (their struct argument flattened, in core's table order):
//   attention(batch, heads, L, S, E, Ev, q, k, v, scale, probs, mask?, causal, queryOffset, out)
//   attentionBackward(batch, heads, L, S, E, Ev, q, k, v, scale, probs, gOut, gScores, gq?, gk?, gv?,
//                     causal, queryOffset, accumulate)
// Operands are {data, offset, strides} over [batch, heads, rows, cols]; probs and gScores
// contiguous [batch, heads, L, S]. Outputs have a unit column stride and overlap no
// input; gq, gk, gv may overlap each other only with accumulate.
#include <string>

#include "attention.h"
#include "binding.h"

namespace adj {
namespace {

#define ADJ_ATTENTION_SIZES dim("batch"), dim("heads"), dim("L"), dim("S"), dim("E"), dim("Ev")
#define ADJ_ATTENTION_INPUTS operand("q"), operand("k"), operand("v"), number("scale"), floats("probs")
constexpr auto kAttention = kernel_def("attention", ADJ_ATTENTION_SIZES, ADJ_ATTENTION_INPUTS, operand_opt("mask"),
                                       boolean("causal"), integer("queryOffset", -INT32_MAX, INT32_MAX), operand("out"));
constexpr auto kAttentionBackward =
    kernel_def("attentionBackward", ADJ_ATTENTION_SIZES, ADJ_ATTENTION_INPUTS, operand("gOut"), floats("gScores"),
               operand_opt("gq"), operand_opt("gk"), operand_opt("gv"), boolean("causal"),
               integer("queryOffset", -INT32_MAX, INT32_MAX), boolean("accumulate"));

struct Sizes {
  int64_t batch, heads, L, S, E, Ev;
};

// A checked strided operand (absent: a == nullptr).
struct Strided {
  const ArrayView* a = nullptr;
  int64_t offset = 0, s[4] = {0, 0, 0, 0};
  Span span;
};

// Argument i as an operand of rows x cols per (batch, head), its reach checked.
Strided strided(const KernelArgs& A, size_t i, const Sizes& z, int64_t rows, int64_t cols, bool output) {
  Strided o;
  if (!A.present(i)) return o;
  const OperandView& v = A.operand(i);
  const char* name = v.data.name;
  if (v.strides.n != 4) A.range_error(std::string(name) + ".strides must hold 4 strides [batch, head, row, col], got " + std::to_string(v.strides.n));
  o.a = &v.data, o.offset = v.offset;
  for (int d = 0; d < 4; ++d) o.s[d] = v.strides.v[d];
  o.span = span_of(o.offset, {{z.batch, o.s[0]}, {z.heads, o.s[1]}, {rows, o.s[2]}, {cols, o.s[3]}});
  A.check_span(v.data, o.span, [&] {
    return std::string(name) + " [" + std::to_string(z.batch) + ", " + std::to_string(z.heads) + ", " + std::to_string(rows) + ", " +
           std::to_string(cols) + "] at offset " + std::to_string(o.offset) + " with strides [" + std::to_string(o.s[0]) + ", " +
           std::to_string(o.s[1]) + ", " + std::to_string(o.s[2]) + ", " + std::to_string(o.s[3]) + "]";
  });
  if (output && cols > 1 && o.s[3] != 1) A.range_error(std::string(name) + " must have a unit column stride, got " + std::to_string(o.s[3]));
  return o;
}

// A contiguous [batch, heads, L, S] array.
Strided scores(const KernelArgs& A, size_t i, const Sizes& z) {
  Strided o;
  o.a = &A.array(i);
  o.span = flat(z.batch * z.heads * z.L * z.S);
  A.check_span(*o.a, o.span, [&] { return std::string(o.a->name) + " [batch, heads, L, S] contiguous"; });
  return o;
}

// Every output against every input: no shared element.
void check_apart(const KernelArgs& A, std::initializer_list<const Strided*> outs, std::initializer_list<const Strided*> ins) {
  for (const Strided* o : outs)
    for (const Strided* i : ins)
      if (o->a && i->a) A.check_no_overlap(*o->a, o->span, *i->a, i->span, false);
}

template <class T>
Operand4<T> op4(const Strided& o) {
  Operand4<T> r;
  if (!o.a) return r;
  r.p = o.a->as<T>() + o.offset;
  r.sb = o.s[0], r.sh = o.s[1], r.rs = o.s[2], r.cs = o.s[3];
  return r;
}

// The arguments both kernels share (sizes, q, k, v, scale, probs: arguments 0-10), checked.
struct Shared {
  Sizes z;
  Strided q, k, v, probs;
};
Shared shared(const KernelArgs& A) {
  Shared s;
  s.z = {A.integer(0), A.integer(1), A.integer(2), A.integer(3), A.integer(4), A.integer(5)};
  const Sizes& z = s.z;
  s.q = strided(A, 6, z, z.L, z.E, false), s.k = strided(A, 7, z, z.S, z.E, false);
  s.v = strided(A, 8, z, z.S, z.Ev, false), s.probs = scores(A, 10, z);
  return s;
}

// A call with the shared arguments filled in.
template <class T>
AttentionCall<T> call_of(const KernelArgs& A, const Shared& s, bool causal, int64_t qoff) {
  AttentionCall<T> c{};
  c.batch = s.z.batch, c.heads = s.z.heads, c.L = s.z.L, c.S = s.z.S, c.E = s.z.E, c.Ev = s.z.Ev;
  c.scale = (T)A.number(9), c.causal = causal, c.qoff = qoff;
  c.q = op4<T>(s.q), c.k = op4<T>(s.k), c.v = op4<T>(s.v);
  c.probs = s.probs.a->as<T>();
  return c;
}

napi_value Attention(napi_env env, napi_callback_info info) {
  return guard(env, [&]() -> napi_value {
    KernelArgs A(env, info, kAttention);
    const Shared s = shared(A);
    const Sizes& z = s.z;
    const Strided mask = strided(A, 11, z, z.L, z.S, false), out = strided(A, 14, z, z.L, z.Ev, true);
    check_apart(A, {&out, &s.probs}, {&s.q, &s.k, &s.v, &mask});
    check_apart(A, {&out}, {&s.probs});
    with_float_type(*s.q.a, [&](auto t) {
      using T = decltype(t);
      AttentionCall<T> c = call_of<T>(A, s, A.flag(12), A.integer(13));
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
    const Strided g = strided(A, 11, z, z.L, z.Ev, false), gs = scores(A, 12, z);
    const Strided gq = strided(A, 13, z, z.L, z.E, true), gk = strided(A, 14, z, z.S, z.E, true);
    const Strided gv = strided(A, 15, z, z.S, z.Ev, true);
    const bool acc = A.flag(18);
    check_apart(A, {&gq, &gk, &gv, &gs}, {&s.q, &s.k, &s.v, &g, &s.probs});
    check_apart(A, {&gq, &gk, &gv}, {&gs});
    if (!acc) check_apart(A, {&gq, &gk}, {&gv}), check_apart(A, {&gq}, {&gk});
    with_float_type(*s.q.a, [&](auto t) {
      using T = decltype(t);
      AttentionCall<T> c = call_of<T>(A, s, A.flag(16), A.integer(17));
      c.acc = acc, c.g = op4<T>(g), c.gq = op4<T>(gq), c.gk = op4<T>(gk), c.gv = op4<T>(gv), c.gs = gs.a->as<T>();
      attention_backward<T>(c);
    });
    return undefined(env);
  });
}

ADJ_KERNEL(kAttention, Attention);
ADJ_KERNEL(kAttentionBackward, AttentionBackward);

}  // namespace
}  // namespace adj
