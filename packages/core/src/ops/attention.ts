// Scaled dot-product attention, softmax(scale q k^T + mask) v, as one fused op:
// the backend's attention kernels forward and backward (q, k, v read in place
// through their 4-D Layouts, no copies), and the same rule composed of Tensor ops beside
// them for createGraph and for dropout (the "math" form, which also gives the
// attention weights).
import { recordFused } from '../autograd/fused.js'
import { needsGrad } from '../autograd/node.js'
import { getBackend } from '../backend/backend.js'
import type { DType, FloatArray } from '../dtype.js'
import { DTypeError, ShapeError, ValueError, fmtShape } from '../errors.js'
import { Layout } from '../layout.js'
import type { Generator } from '../random.js'
import { broadcastShapes } from '../shape.js'
import { Tensor } from '../tensor.js'
import { zeros } from './creation.js'
import { dropout } from './dropout.js'
import { assertFloat, assertTensor } from './util.js'

export interface SdpaOptions {
  /**
   * Broadcast to [..., L, S]. A bool mask says which keys each query may attend
   * (true = take part, PyTorch's convention); a float mask is added to the scores
   * (and gets a gradient when it requires one, e.g. a learned position bias).
   */
  attnMask?: Tensor | null
  /** Query i attends to keys j <= i + queryOffset only. */
  isCausal?: boolean
  /**
   * The absolute position of query 0 for isCausal (default 0: PyTorch's top-left
   * aligned is_causal). L new queries after a KV cache of S - L positions pass S - L,
   * so each query sees the keys up to its own position.
   */
  queryOffset?: number
  /** Dropout on the attention weights (applied whenever > 0, as in PyTorch's functional). */
  dropoutP?: number
  /** Multiplies q k^T; default 1 / sqrt(q.size(-1)). */
  scale?: number | null
  generator?: Generator
}

/** The checked arguments of one call. */
interface Call {
  q: Tensor
  k: Tensor
  v: Tensor
  /** The additive mask in q's dtype (a bool mask as 0 / -inf), or null. */
  mask: Tensor | null
  causal: boolean
  queryOffset: number
  scale: number
  dropoutP: number
  generator?: Generator
  /** Broadcast batch dims, and L, S, E, Ev. */
  batch: number[]
  L: number
  S: number
  E: number
  Ev: number
}

const OP = 'scaledDotProductAttention'

function checkCall(op: string, q: Tensor, k: Tensor, v: Tensor, opts: SdpaOptions): Call {
  for (const [t, what] of [[q, 'query'], [k, 'key'], [v, 'value']] as const) {
    assertTensor(op, t, what)
    assertFloat(op, t, what)
    if (t.ndim < 2) throw new ShapeError(`${op}: ${what} must have at least 2 dims [..., len, dim], got ${fmtShape(t.shape)}`)
  }
  if (k.dtype !== q.dtype || v.dtype !== q.dtype) throw new DTypeError(`${op}: query, key and value must have the same dtype, got ${q.dtype}, ${k.dtype} and ${v.dtype}`)
  const L = q.shape[q.ndim - 2], S = k.shape[k.ndim - 2], E = q.shape[q.ndim - 1], Ev = v.shape[v.ndim - 1]
  if (k.shape[k.ndim - 1] !== E) throw new ShapeError(`${op}: query ${fmtShape(q.shape)} and key ${fmtShape(k.shape)} must have the same last dim`)
  if (v.shape[v.ndim - 2] !== S) throw new ShapeError(`${op}: key ${fmtShape(k.shape)} and value ${fmtShape(v.shape)} must have the same length (dim -2)`)
  const lead = (t: Tensor) => t.shape.slice(0, -2)
  const batch = broadcastShapes(op, broadcastShapes(op, lead(q), lead(k)), lead(v))
  const dropoutP = opts.dropoutP ?? 0
  if (typeof dropoutP !== 'number' || !(dropoutP >= 0 && dropoutP <= 1)) throw new ValueError(`${op}: dropoutP must be in [0, 1], got ${dropoutP}`)
  const scale = opts.scale ?? 1 / Math.sqrt(E)
  if (typeof scale !== 'number' || !Number.isFinite(scale)) throw new ValueError(`${op}: scale must be a finite number, got ${scale}`)
  const queryOffset = opts.queryOffset ?? 0
  if (!Number.isInteger(queryOffset)) throw new ValueError(`${op}: queryOffset must be an integer, got ${queryOffset}`)
  let mask: Tensor | null = null
  const m = opts.attnMask ?? null
  if (m !== null) {
    assertTensor(op, m, 'attnMask')
    const want = [...batch, L, S]
    const off = want.length - m.ndim
    if (off < 0 || m.shape.some((d, i) => d !== 1 && d !== want[off + i])) {
      throw new ShapeError(`${op}: attnMask of shape ${fmtShape(m.shape)} does not broadcast to the attention weights' shape ${fmtShape(want)}`)
    }
    if (m.dtype === 'bool') mask = blockedToAdditive(m, q.dtype)
    else if (m.dtype === 'float32' || m.dtype === 'float64') mask = m.dtype === q.dtype ? m : m.to(q.dtype)
    else throw new DTypeError(`${op}: attnMask must be bool or float, got ${m.dtype}`)
  }
  return { q, k, v, mask, causal: opts.isCausal ?? false, queryOffset, scale, dropoutP, generator: opts.generator, batch, L, S, E, Ev }
}

/** 0 where a bool "may attend" mask is true, -inf where it is false (a constant: no gradient). */
function blockedToAdditive(keep: Tensor, dtype: DType): Tensor {
  const out = Tensor.zeros(keep.shape, dtype)
  const src = keep.contiguousData(), d = out.storage.data
  for (let i = 0; i < d.length; i++) if (!src[i]) d[i] = -Infinity
  return out
}

/** The [L, S] additive causal mask: -inf where key j comes after query i + offset. */
function causalAdditive(L: number, S: number, offset: number, dtype: DType): Tensor {
  const out = Tensor.zeros([L, S], dtype)
  const d = out.storage.data
  for (let i = 0; i < L; i++) for (let j = Math.max(0, i + offset + 1); j < S; j++) d[i * S + j] = -Infinity
  return out
}

/**
 * softmax(scale q k^T + mask) v for query [..., L, E], key [..., S, E], value [..., S, Ev]
 * (batch dims broadcast): PyTorch's F.scaled_dot_product_attention, plus queryOffset
 * for causal attention of new queries against a KV cache. Returns [..., L, Ev].
 */
export function scaledDotProductAttention(query: Tensor, key: Tensor, value: Tensor, opts: SdpaOptions = {}): Tensor {
  const c = checkCall(OP, query, key, value, opts)
  if (c.dropoutP > 0) return composedAttention(c).output
  return fusedAttention(c)
}

/**
 * The composed ("math") form of scaledDotProductAttention, which also returns the
 * attention weights softmax(scale q k^T + mask) [..., L, S] (what MultiheadAttention
 * returns with needWeights). Twice differentiable through its ops.
 */
export function scaledDotProductAttentionMath(query: Tensor, key: Tensor, value: Tensor, opts: SdpaOptions = {}): { output: Tensor; weights: Tensor } {
  return composedAttention(checkCall('scaledDotProductAttentionMath', query, key, value, opts))
}

/** softmax(scale q k^T + mask), composed of ops. */
function composedWeights(c: Call): Tensor {
  // scale q (smaller than the scores) before the product, as PyTorch's math path does
  let scores = c.q.mul(c.scale).matmul(c.k.transpose(-2, -1))
  if (c.mask) scores = scores.add(c.mask)
  if (c.causal) scores = scores.add(causalAdditive(c.L, c.S, c.queryOffset, scores.dtype))
  return scores.softmax(-1)
}

function composedAttention(c: Call): { output: Tensor; weights: Tensor } {
  const weights = composedWeights(c)
  const w = c.dropoutP > 0 ? dropout(weights, c.dropoutP, true, { generator: c.generator }) : weights
  return { output: w.matmul(c.v), weights }
}

// ---------------------------------------------------------------- fused

/** x broadcast to [...batch, rows, cols] and viewed as 4-D [B, H, rows, cols] (a view when the layout allows; no graph). */
function as4d(x: Tensor, batch: readonly number[], rows: number, cols: number): Tensor {
  let t = x.detach().expand([...batch, rows, cols])
  if (batch.length < 2) t = t.reshape([1, ...(batch.length === 0 ? [1] : batch), rows, cols])
  else if (batch.length > 2) t = t.reshape([-1, batch[batch.length - 1], rows, cols])
  return t
}

const data = (t: Tensor): FloatArray => t.storage.data as FloatArray

/**
 * A fresh [B, H, rows, cols] tensor laid out like `like`: when like's heads sit
 * inside its rows (the [B, T, H, D] memory of heads split from one projection),
 * the result is [B, rows, H, cols] memory viewed as [B, H, rows, cols], so its
 * gradient flows back through the head split without a copy.
 */
function emptyLike4d(like: Tensor, rows: number, cols: number, dtype: DType): Tensor {
  const [B, H] = like.shape
  const interleaved = H > 1 && like.strides[1] !== 0 && like.strides[1] < like.strides[2]
  return interleaved ? Tensor.empty([B, rows, H, cols], dtype).transpose(1, 2) : Tensor.empty([B, H, rows, cols], dtype)
}

/**
 * The tensor that q, k and v all are views of (through view ops only: the heads of
 * one packed projection), when it is contiguous and each of their 4-D layouts reads
 * its memory without broadcasting and with unit col stride. Their gradients are then
 * written straight into one gradient of it, instead of three gradients that each
 * view's backward would copy into a zero tensor of its shape and the engine would add.
 */
function sharedBase(views: readonly Tensor[], layouts: readonly Tensor[]): Tensor | null {
  let base: Tensor | null = null
  for (const view of views) {
    let t = view
    while (t.gradFn?.viewOf) {
      if (t.gradFn.hooks !== null || t.gradFn.retained !== null) return null // a hook or retainGrad must see the view's gradient
      t = t.gradFn.viewOf
    }
    if (t === view || (base !== null && t !== base)) return null
    base = t
  }
  if (base === null || !base.requiresGrad || !base.isContiguous()) return null
  for (const t4 of layouts) if (t4.storage !== base.storage || t4.strides[3] !== 1 || t4.shape.some((n, i) => n > 1 && t4.strides[i] === 0)) return null
  return base
}

/** The gradient of a view, taken back through its view ops to the tensor `base` it was viewed from (differentiably). */
function throughViews(view: Tensor, g: Tensor, base: Tensor): Tensor {
  let t = view, grad = g.reshape(view.shape)
  while (t !== base) {
    grad = t.gradFn!.apply(grad)[0]!
    t = t.gradFn!.viewOf!
  }
  return grad
}

function fusedAttention(c: Call): Tensor {
  const { q, k, v, mask, batch, L, S, E, Ev } = c
  const dtype = q.dtype
  const q4 = as4d(q, batch, L, E), k4 = as4d(k, batch, S, E), v4 = as4d(v, batch, S, Ev)
  const mask4 = mask ? as4d(mask, batch, L, S) : null
  const [B, H] = q4.shape
  const out4 = emptyLike4d(q4, L, Ev, dtype)
  const probs = Tensor.empty([B, H, L, S], dtype)
  // each call's arguments are one object literal (no spreads): a spread makes objects of a
  // new hidden class that V8 keeps in its long-lived heap, a steady growth over a training run
  getBackend().attention({
    q: data(q4), qLayout: q4.layout, k: data(k4), kLayout: k4.layout, v: data(v4), vLayout: v4.layout, scale: c.scale, causal: c.causal, queryOffset: c.queryOffset, probs: data(probs),
    mask: mask4 && data(mask4), maskLayout: mask4 && mask4.layout, out: data(out4), outLayout: out4.layout,
  })
  const out = out4.reshape([...batch, L, Ev])
  const maskGrad = mask !== null && mask.requiresGrad
  if (!needsGrad(q, k, v, maskGrad ? mask : null)) return out
  const base = q.requiresGrad && k.requiresGrad && v.requiresGrad ? sharedBase([q, k, v], [q4, k4, v4]) : null
  /** The kernel backward: gradients of q, k, v (or of their base) and dS, the mask's. */
  const kernel = (g: Tensor): { gq: Tensor | null; gk: Tensor | null; gv: Tensor | null; gBase: Tensor | null; gScores: Tensor | null } => {
    const g4 = as4d(g.dtype === dtype ? g : g.to(dtype), batch, L, Ev)
    // dS, the mask's gradient, only when wanted (else the kernel keeps it in scratch)
    const gScores = maskGrad ? Tensor.empty([B, H, L, S], dtype) : null
    const backward = (gq: FloatArray | null, gqLayout: Layout | null, gk: FloatArray | null, gkLayout: Layout | null, gv: FloatArray | null, gvLayout: Layout | null, accumulate: boolean) => getBackend().attentionBackward({
      q: data(q4), qLayout: q4.layout, k: data(k4), kLayout: k4.layout, v: data(v4), vLayout: v4.layout, scale: c.scale, causal: c.causal, queryOffset: c.queryOffset, probs: data(probs),
      gOut: data(g4), gOutLayout: g4.layout, gScores: gScores && data(gScores), gq, gqLayout, gk, gkLayout, gv, gvLayout, accumulate,
    })
    if (base !== null) {
      // each view's gradient lands at the view's place in the base's gradient
      const gBase = zeros(base.shape, { dtype }), d = data(gBase)
      const at = (t4: Tensor): Layout => new Layout(t4.shape, t4.strides, t4.offset - base.offset)
      backward(d, at(q4), d, at(k4), d, at(v4), true)
      return { gq: null, gk: null, gv: null, gBase, gScores }
    }
    const gq = q.requiresGrad ? emptyLike4d(q4, L, E, dtype) : null
    const gk = k.requiresGrad ? emptyLike4d(k4, S, E, dtype) : null
    const gv = v.requiresGrad ? emptyLike4d(v4, S, Ev, dtype) : null
    backward(gq && data(gq), gq && gq.layout, gk && data(gk), gk && gk.layout, gv && data(gv), gv && gv.layout, false)
    return { gq, gk, gv, gBase: null, gScores }
  }
  /** The same rule with Tensor ops (differentiable again). */
  const composed = (g: Tensor) => {
    const P = composedWeights(c)
    const dP = g.matmul(v.transpose(-2, -1))
    const dS = P.mul(dP.sub(dP.mul(P).sum(-1, true)))
    return {
      gq: q.requiresGrad ? dS.matmul(k).mul(c.scale) : null,
      gk: k.requiresGrad ? dS.transpose(-2, -1).matmul(q).mul(c.scale) : null,
      gv: v.requiresGrad ? P.transpose(-2, -1).matmul(g) : null,
      dS,
    }
  }
  // P = softmax(S), S = scale q k^T + mask: dv = P^T g, dS = P (g v^T - rowsum(P g v^T)), dq = scale dS k, dk = scale dS^T q, dmask = dS
  // (gradients at the broadcast shape: the engine sums them back to each input's)
  const saved = [q, k, v, probs, ...(maskGrad ? [mask] : [])]
  if (base !== null) {
    recordFused(OP, out, [base, maskGrad ? mask : null], {
      kernel: (g) => { const r = kernel(g); return [r.gBase, r.gScores && r.gScores.reshape([...batch, L, S])] },
      composed: (g) => {
        const r = composed(g)
        return [throughViews(q, r.gq!, base).add(throughViews(k, r.gk!, base)).add(throughViews(v, r.gv!, base)), maskGrad ? r.dS : null]
      },
    }, saved)
  } else {
    recordFused(OP, out, [q, k, v, maskGrad ? mask : null], {
      kernel: (g) => {
        const r = kernel(g)
        return [r.gq?.reshape([...batch, L, E]), r.gk?.reshape([...batch, S, E]), r.gv?.reshape([...batch, S, Ev]), r.gScores && r.gScores.reshape([...batch, L, S])]
      },
      composed: (g) => { const r = composed(g); return [r.gq, r.gk, r.gv, maskGrad ? r.dS : null] },
    }, saved)
  }
  return out
}
