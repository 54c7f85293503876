// The op registry swept by the gradient tests (like PyTorch's OpInfo): every
// differentiable op with a generator of random float64 inputs (random shapes,
// broadcasting, dims, keepdim, non-contiguous views) and the call to check.
import fc from 'fast-check'
import { type Tensor, tensor, cat, stack, where, embedding, linear, linearGelu, layerNorm, crossEntropy, scaledDotProductAttention } from '../src/index.js'
import { broadcastShapesArb, shapeArb, tensorArb } from '../src/testing/index.js'

export interface OpInfo {
  name: string
  /** Random inputs; the differentiable ones have requiresGrad set. */
  inputs: fc.Arbitrary<Tensor[]>
  fn: (...xs: Tensor[]) => Tensor
  /** Second derivatives are checked by gradgradcheck (default true). */
  gradgrad?: boolean
}

const f64 = (shape: readonly number[], min = -2, max = 2, nonContiguous = true, shift = 0) =>
  tensorArb({ dtype: 'float64', shape, min, max, requiresGrad: true, nonContiguous, avoidKinks: { shift } })
const anyShape = shapeArb({ maxDims: 3, maxSize: 4 })
/** Elementwise ops: up to 4-D, sometimes empty, at most 48 elements (gradcheck is quadratic in them). */
const elementwiseShape = shapeArb({ maxDims: 4, maxSize: 4, allowEmpty: true, maxElements: 48 })
const atLeast1d = shapeArb({ minDims: 1, maxDims: 3, maxSize: 4 })
const atLeast2d = shapeArb({ minDims: 2, maxDims: 3, maxSize: 4 })

function unary(name: string, fn: (x: Tensor) => Tensor, min = -2, max = 2): OpInfo {
  return { name, inputs: elementwiseShape.chain((s) => f64(s, min, max)).map((x) => [x]), fn }
}

function binary(name: string, fn: (a: Tensor, b: Tensor) => Tensor, minB = -2, maxB = 2, minA = -2): OpInfo {
  return {
    name,
    inputs: broadcastShapesArb({ maxDims: 4, maxSize: 3, allowEmpty: true, maxElements: 36 }).chain(([a, b]) => fc.tuple(f64(a, minA, 2), f64(b, minB, maxB, true, 0.0217))),
    fn,
  }
}

/** A shape, a dim in it (negative sometimes), and keepdim. */
const dimCaseOf = (shapes: fc.Arbitrary<number[]>) => shapes.chain((s) => fc.tuple(fc.constant(s), fc.integer({ min: -s.length, max: s.length - 1 }), fc.boolean()))
const dimCase = dimCaseOf(atLeast1d)

/** minSize 2 for ops like std that are not differentiable on a single element (sqrt(0)). */
function reduction(name: string, fn: (x: Tensor, dim: number | number[] | undefined, keepdim: boolean) => Tensor, minSize = 1): OpInfo[] {
  const sized = (minDims: number) => shapeArb({ minDims, maxDims: 3, minSize, maxSize: 4 })
  return [
    { name: `${name}(all)`, inputs: sized(minSize > 1 ? 1 : 0).chain((s) => f64(s)).map((x) => [x]), fn: (x) => fn(x, undefined, false) },
    ...[false, true].map((keepdim) => ({
      name: `${name}(dim, keepdim=${keepdim})`,
      inputs: dimCaseOf(sized(1)).chain(([s, d]) => f64(s).map((x) => [x, tensor([d], { dtype: 'int32' })])),
      fn: (x: Tensor, d: Tensor) => fn(x, d.item(), keepdim),
    })),
    {
      name: `${name}(dims array)`,
      inputs: sized(2).chain((s) => f64(s)).map((x) => [x]),
      fn: (x: Tensor) => fn(x, [0, -1], true),
    },
  ]
}

export const opInfos: OpInfo[] = [
  unary('neg', (x) => x.neg()),
  unary('exp', (x) => x.exp()),
  unary('log', (x) => x.log(), 0.3, 3),
  unary('sqrt', (x) => x.sqrt(), 0.3, 3),
  unary('rsqrt', (x) => x.rsqrt(), 0.3, 3),
  unary('tanh', (x) => x.tanh()),
  unary('sigmoid', (x) => x.sigmoid()),
  unary('relu', (x) => x.relu()),
  unary('gelu', (x) => x.gelu()),
  unary('gelu(tanh)', (x) => x.gelu({ approximate: 'tanh' })),
  unary('silu', (x) => x.silu()),
  unary('sin', (x) => x.sin()),
  unary('cos', (x) => x.cos()),
  unary('abs', (x) => x.abs()),
  unary('reciprocal', (x) => x.reciprocal(), 0.3, 3),
  unary('square', (x) => x.square()),
  unary('erf', (x) => x.erf()),
  unary('clamp', (x) => x.clamp(-0.5, 0.7)),
  unary('clamp(min)', (x) => x.clamp(-0.5)),
  unary('pow(scalar)', (x) => x.pow(3)),
  unary('pow(fractional)', (x) => x.pow(1.5), 0.3, 3),
  unary('maskedFill', (x) => x.maskedFill(x.gt(0.5), 3)),
  { name: 'triu', inputs: atLeast2d.chain((s) => f64(s)).map((x) => [x]), fn: (x) => x.triu(0) },
  { name: 'tril(-1)', inputs: atLeast2d.chain((s) => f64(s)).map((x) => [x]), fn: (x) => x.tril(-1) },
  binary('add', (a, b) => a.add(b)),
  binary('sub', (a, b) => a.sub(b)),
  binary('mul', (a, b) => a.mul(b)),
  binary('div', (a, b) => a.div(b), 0.5, 2),
  binary('pow', (a, b) => a.pow(b), -1.5, 1.5, 0.3),
  binary('maximum', (a, b) => a.maximum(b)),
  binary('minimum', (a, b) => a.minimum(b)),
  binary('where', (a, b) => where(a.gt(b), a, b)),
  ...reduction('sum', (x, d, k) => x.sum(d, k)),
  ...reduction('mean', (x, d, k) => x.mean(d, k)),
  ...reduction('prod', (x, d, k) => x.prod(d, k)),
  ...reduction('amax', (x, d, k) => x.amax(d, k)),
  ...reduction('amin', (x, d, k) => x.amin(d, k)),
  ...reduction('logsumexp', (x, d, k) => x.logsumexp(d, k)),
  ...reduction('var', (x, d, k) => x.var(d, { keepdim: k, correction: 0 })),
  ...reduction('std', (x, d, k) => x.std(d, { keepdim: k, correction: 0 }), 2),
  {
    name: 'max(dim)',
    inputs: dimCase.chain(([s, d]) => f64(s).map((x) => [x, tensor([d], { dtype: 'int32' })])),
    fn: (x, d) => x.max(d.item()).values,
  },
  {
    name: 'min(dim, keepdim)',
    inputs: dimCase.chain(([s, d]) => f64(s).map((x) => [x, tensor([d], { dtype: 'int32' })])),
    fn: (x, d) => x.min(d.item(), true).values,
  },
  {
    name: 'softmax',
    inputs: dimCase.chain(([s, d]) => f64(s).map((x) => [x, tensor([d], { dtype: 'int32' })])),
    fn: (x, d) => x.softmax(d.item()),
  },
  {
    name: 'logSoftmax',
    inputs: dimCase.chain(([s, d]) => f64(s).map((x) => [x, tensor([d], { dtype: 'int32' })])),
    fn: (x, d) => x.logSoftmax(d.item()),
  },
  {
    name: 'matmul',
    inputs: fc
      .tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 }), fc.constantFrom([], [2], [3, 1]), fc.constantFrom([], [2], [1, 2]))
      .chain(([m, k, n, ba, bb]) => fc.tuple(f64([...ba, m, k]), f64([...bb, k, n]))),
    fn: (a, b) => a.matmul(b),
  },
  {
    name: 'matmul(vector)',
    inputs: fc.tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 }), fc.constantFrom('vv', 'mv', 'vm', 'bv'))
      .chain(([m, k, kind]) => fc.tuple(f64(kind === 'vv' || kind === 'vm' ? [k] : kind === 'bv' ? [2, m, k] : [m, k]), f64(kind === 'vm' ? [k, m] : [k]))),
    fn: (a, b) => a.matmul(b),
  },
  {
    name: 'linear',
    inputs: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 }))
      .chain(([b, i, o]) => fc.tuple(f64([2, b, i]), f64([o, i]), f64([o]))),
    fn: (x, w, b) => x.matmul(w.t()).add(b),
  },
  {
    name: 'linear(op)',
    inputs: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 }), fc.constantFrom([], [2], [2, 1]))
      .chain(([b, i, o, lead]) => fc.tuple(f64([...lead, b, i]), f64([o, i]), f64([o]))),
    fn: (x, w, b) => linear(x, w, b),
  },
  {
    name: 'linear(op, no bias)',
    inputs: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 })).chain(([b, i, o]) => fc.tuple(f64([b, i]), f64([o, i]))),
    fn: (x, w) => linear(x, w),
  },
  ...(['none', 'tanh'] as const).flatMap((approximate): OpInfo[] => [
    {
      name: `linearGelu(${approximate})`,
      inputs: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 }), fc.constantFrom([], [2]))
        .chain(([b, i, o, lead]) => fc.tuple(f64([...lead, b, i]), f64([o, i]), f64([o]))),
      fn: (x, w, b) => linearGelu(x, w, b, { approximate }),
    },
    {
      name: `linearGelu(${approximate}, no bias)`,
      inputs: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 })).chain(([b, i, o]) => fc.tuple(f64([b, i]), f64([o, i]))),
      fn: (x, w) => linearGelu(x, w, null, { approximate }),
    },
  ]),
  { name: 'reshape', inputs: atLeast2d.chain((s) => f64(s)).map((x) => [x]), fn: (x) => x.reshape([-1]).reshape([x.shape[0], -1]) },
  { name: 'permute', inputs: shapeArb({ minDims: 3, maxDims: 3, maxSize: 3 }).chain((s) => f64(s)).map((x) => [x]), fn: (x) => x.permute([2, 0, 1]).mul(x.permute([2, 0, 1])) },
  { name: 'transpose', inputs: atLeast2d.chain((s) => f64(s)).map((x) => [x]), fn: (x) => x.transpose(0, -1).exp() },
  { name: 'expand', inputs: fc.integer({ min: 1, max: 4 }).chain((n) => f64([n, 1])).map((x) => [x]), fn: (x) => x.expand([2, x.shape[0], 3]).mul(tensor([1, 2, 3], { dtype: 'float64' })) },
  { name: 'unsqueeze/squeeze', inputs: anyShape.chain((s) => f64(s)).map((x) => [x]), fn: (x) => x.unsqueeze(0).unsqueeze(-1).square().squeeze() },
  { name: 'flatten/unflatten', inputs: atLeast2d.chain((s) => f64(s)).map((x) => [x]), fn: (x) => x.flatten().unflatten(0, [x.shape[0], -1]).exp() },
  { name: 'slice(step)', inputs: atLeast1d.chain((s) => f64(s)).map((x) => [x]), fn: (x) => x.slice(-1, 0, undefined, 2).square() },
  { name: 'narrow', inputs: atLeast1d.chain((s) => f64(s)).map((x) => [x]), fn: (x) => x.narrow(0, 0, Math.max(1, x.shape[0] - 1)).exp() },
  { name: 'split', inputs: atLeast1d.chain((s) => f64(s)).map((x) => [x]), fn: (x) => { const p = x.split(2, 0); return p[p.length - 1].mul(p[0].sum()) } },
  { name: 'chunk', inputs: atLeast1d.chain((s) => f64(s)).map((x) => [x]), fn: (x) => x.chunk(2, -1)[0].exp() },
  {
    name: 'cat',
    inputs: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })).chain(([a, b, c]) => fc.tuple(f64([a, c]), f64([b, c]))),
    fn: (a, b) => cat([a, b, a], 0).square(),
  },
  { name: 'stack', inputs: anyShape.chain((s) => fc.tuple(f64(s), f64(s))), fn: (a, b) => stack([a, b], -1).mul(stack([b, a], -1)) },
  { name: 'contiguous', inputs: atLeast2d.chain((s) => f64(s)).map((x) => [x]), fn: (x) => x.t().contiguous().square() },
  {
    name: 'gather',
    inputs: fc.tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 0, max: 1 })).chain(([r, c, d]) =>
      fc.tuple(f64([r, c]), fc.array(fc.integer({ min: 0, max: (d === 0 ? r : c) - 1 }), { minLength: r * c, maxLength: r * c }))
        .map(([x, idx]) => [x, tensor(idx, { dtype: 'int32', shape: [r, c] }), tensor([d], { dtype: 'int32' })])),
    fn: (x, idx, d) => x.gather(d.item(), idx),
  },
  {
    name: 'scatterAdd',
    inputs: fc.tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 })).chain(([r, c]) =>
      fc.tuple(f64([r, c]), f64([r, c]), fc.array(fc.integer({ min: 0, max: r - 1 }), { minLength: r * c, maxLength: r * c }))
        .map(([x, src, idx]) => [x, src, tensor(idx, { dtype: 'int32', shape: [r, c] })])),
    fn: (x, src, idx) => x.scatterAdd(0, idx, src).square(),
  },
  {
    name: 'indexSelect',
    inputs: fc.tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 })).chain(([r, c]) =>
      fc.tuple(f64([r, c]), fc.array(fc.integer({ min: 0, max: c - 1 }), { minLength: 1, maxLength: 5 })).map(([x, idx]) => [x, tensor(idx, { dtype: 'int32' })])),
    fn: (x, idx) => x.indexSelect(1, idx),
  },
  {
    name: 'embedding',
    inputs: fc.tuple(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 3 })).chain(([v, d]) =>
      fc.tuple(f64([v, d], -2, 2, false), fc.array(fc.integer({ min: 0, max: v - 1 }), { minLength: 6, maxLength: 6 })).map(([w, idx]) => [w, tensor(idx, { dtype: 'int32', shape: [2, 3] })])),
    fn: (w, idx) => embedding(w, idx).square(),
  },
  ...fusedOps(),
]

/** The fused ops (one node, a kernel backward and a composed one): layerNorm, crossEntropy, scaledDotProductAttention. */
function fusedOps(): OpInfo[] {
  const ids = (n: number, classes: number, ignore = false) => fc.array(fc.integer({ min: ignore ? -1 : 0, max: classes - 1 }), { minLength: n, maxLength: n }).map((t) => tensor(t, { dtype: 'int32' }))
  const rowsClasses = fc.tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 2, max: 5 }))
  /** [batch..., L, E] q, [batch..., S, E] k, [batch..., S, Ev] v with small random sizes. */
  const qkv = (batch: readonly number[][]) => fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 }), fc.constantFrom(...batch))
  const sdpa = (name: string, batch: readonly number[][], fn: (q: Tensor, k: Tensor, v: Tensor, extra: Tensor[]) => Tensor, extra: (L: number, S: number, b: number[]) => fc.Arbitrary<Tensor[]> = () => fc.constant([])): OpInfo => ({
    name: `scaledDotProductAttention(${name})`,
    inputs: qkv(batch).chain(([L, S, E, Ev, b]) => fc.tuple(f64([...b, L, E]), f64([...b, S, E]), f64([...b, S, Ev]), extra(L, S, b)).map(([q, k, v, x]) => [q, k, v, ...x])),
    fn: (q, k, v, ...x) => fn(q, k, v, x),
  })
  /** A bool "may attend" mask [L, S] with key 0 always allowed (no all-blocked row). */
  const keep = (L: number, S: number) => fc.array(fc.boolean(), { minLength: L * S, maxLength: L * S }).map((m) => tensor(m.map((v, i) => v || i % S === 0), { dtype: 'bool', shape: [L, S] }))
  return [
    {
      name: 'layerNorm',
      inputs: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 2, max: 4 })).chain(([r, c]) => fc.tuple(f64([2, r, c]), f64([c]), f64([c]))),
      fn: (x, w, b) => layerNorm(x, [x.shape[2]], w, b),
    },
    {
      name: 'layerNorm(2 dims, no affine)',
      inputs: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })).chain(([r, c]) => f64([2, r, c + 1])).map((x) => [x]),
      fn: (x) => layerNorm(x, x.shape.slice(1)),
    },
    {
      name: 'crossEntropy(ignoreIndex, labelSmoothing)',
      inputs: rowsClasses.chain(([n, c]) => fc.tuple(f64([n, c]), ids(n, c, true))),
      fn: (x, t) => crossEntropy(x, t, { ignoreIndex: -1, labelSmoothing: 0.1, reduction: 'sum' }),
    },
    {
      name: 'crossEntropy(none)',
      inputs: rowsClasses.chain(([n, c]) => fc.tuple(f64([n, c]), ids(n, c))),
      fn: (x, t) => crossEntropy(x, t, { reduction: 'none' }),
    },
    {
      name: 'crossEntropy(class weights, [N, C, d])',
      inputs: rowsClasses.chain(([n, c]) => fc.tuple(f64([n, c, 2]), ids(2 * n, c), f64([c], 0.5, 2, false))).map(([x, t, w]) => [x, t.reshape([x.shape[0], 2]), w]),
      fn: (x, t, w) => crossEntropy(x, t, { weight: w, labelSmoothing: 0.2 }),
    },
    sdpa('plain', [[], [2], [2, 3]], (q, k, v) => scaledDotProductAttention(q, k, v)),
    sdpa('causal', [[2], [1, 2]], (q, k, v) => scaledDotProductAttention(q, k, v, { isCausal: true })),
    sdpa('causal, queryOffset', [[2]], (q, k, v) => scaledDotProductAttention(q, k, v, { isCausal: true, queryOffset: Math.max(0, k.shape[1] - q.shape[1]) })),
    sdpa('scale', [[], [3]], (q, k, v) => scaledDotProductAttention(q, k, v, { scale: 0.7 })),
    sdpa('bool mask', [[2]], (q, k, v, [m]) => scaledDotProductAttention(q, k, v, { attnMask: m }), (L, S) => keep(L, S).map((m) => [m])),
    sdpa('float mask with a gradient', [[2], [2, 2]], (q, k, v, [m]) => scaledDotProductAttention(q, k, v, { attnMask: m }), (L, S) => f64([1, L, S]).map((m) => [m])),
    {
      // q, k, v heads split from one packed projection: gradients written into the base's gradient
      name: 'scaledDotProductAttention(packed heads of one tensor, causal)',
      inputs: fc.tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 4 })).chain(([b, t]) => f64([b, t, 12], -2, 2, false)).map((x) => [x]),
      fn: (x) => {
        const [B, T] = x.shape
        const heads = (i: number) => x.narrow(2, 4 * i, 4).reshape([B, T, 2, 2]).transpose(1, 2)
        return scaledDotProductAttention(heads(0), heads(1), heads(2), { isCausal: true })
      },
    },
    {
      name: 'scaledDotProductAttention(broadcast key/value, 5-d)',
      inputs: qkv([[2, 1, 2]]).chain(([L, S, E, Ev]) => fc.tuple(f64([2, 2, 2, L, E]), f64([1, 2, S, E]), f64([2, 1, 1, S, Ev]))),
      fn: (q, k, v) => scaledDotProductAttention(q, k, v, { isCausal: true }),
    },
  ]
}
