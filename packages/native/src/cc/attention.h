// Scaled dot-product attention over every (batch, head) pair in one call: the
// per-ISA head kernels (kernels_attention.inl) driven over batch * heads, on
// the thread pool when there is enough work and no two heads write the same
// output element. Each head is computed the same way whatever the thread
// count, so results are bit-identical on every run. Arguments must be validated.
#pragma once
#include <cstdint>

namespace adj {

// A strided [batch, heads, rows, cols] operand; p points at element (0, 0, 0, 0).
template <class T>
struct Operand4 {
  T* p = nullptr;
  int64_t sb = 0, sh = 0, rs = 0, cs = 0;
};

template <class T>
struct AttentionCall {
  int64_t batch, heads, L, S, E, Ev;
  T scale;
  bool causal, acc;
  int64_t qoff;
  Operand4<T> q, k, v, mask, g;  // inputs (mask.p, g.p may be null)
  T* probs;                      // contiguous [batch, heads, L, S]
  T* gs;                         // contiguous [batch, heads, L, S] (backward), or null: scratch
  Operand4<T> out, gq, gk, gv;   // outputs (unit column stride; p null: not wanted)
};

template <class T>
void attention_forward(const AttentionCall<T>& c);
template <class T>
void attention_backward(const AttentionCall<T>& c);

}  // namespace adj
