// The examples to pick from. Each is the body of a function with adjoint's API
// in scope; it returns the tensor(s) whose graph is drawn, and calls backward
// itself so the trace holds the backward pass to step through.

export interface Example {
  id: string
  title: string
  code: string
}

const chain = `// The chain rule on scalars: y = 3 sin(x²)
// dy/dx = 3 cos(x²) · 2x  (each node multiplies the gradient by its local derivative)
const x = tensor(1.5, { requiresGrad: true, dtype: 'float64' })
x.name = 'x'
const u = x.square()
u.name = 'u'
const y = u.sin().mul(3)
y.name = 'y'
y.backward()
check((x) => x.square().sin().mul(3), [x])
return y
`

const broadcast = `// Broadcasting: the bias b [3] is added to every row of X [4,3].
// add sends b a gradient of shape [4,3]; the engine sums it over the
// broadcast rows, so b.grad is the sum of the 4 rows.
const X = randn([4, 3], { requiresGrad: true })
X.name = 'X'
const b = tensor([0.1, -0.2, 0.3], { requiresGrad: true })
b.name = 'b'
const h = X.add(b)
h.name = 'h'
const loss = h.square().mean()
loss.name = 'loss'
loss.backward()
return loss
`

const softmaxCe = `// Softmax + cross-entropy: loss = mean over rows of -log p[target]
// The gradient of the logits is (p - onehot(target)) / rows.
const logits = randn([3, 4], { requiresGrad: true })
logits.name = 'logits'
const target = tensor([2, 0, 3], { dtype: 'int32' })
const p = logits.softmax(1)
p.name = 'p'
const picked = p.log().gather(1, target.unsqueeze(1))
picked.name = 'logp_target'
const loss = picked.neg().mean()
loss.name = 'loss'
loss.backward()
return loss
`

const mlp = `// A 2-layer MLP on 8 points: tanh hidden layer, squared error.
const X = randn([8, 2])
const Y = randn([8, 1])
const W1 = randn([2, 4]).mul(0.7).requiresGrad_(true)
W1.name = 'W1'
const b1 = zeros([4], { requiresGrad: true })
b1.name = 'b1'
const W2 = randn([4, 1]).mul(0.5).requiresGrad_(true)
W2.name = 'W2'
const b2 = zeros([1], { requiresGrad: true })
b2.name = 'b2'
const h = X.matmul(W1).add(b1).tanh()
h.name = 'h'
const out = h.matmul(W2).add(b2)
out.name = 'out'
const loss = out.sub(Y).square().mean()
loss.name = 'loss'
loss.backward()
return loss
`

const customOp = `// A custom op with a wrong backward: cube(x) = x³ has derivative 3x²,
// but this backward forgets the 3. Press "gradcheck": the numerical
// gradient (3x²) disagrees with the analytic one (x²).
const cube = defineFunction({
  name: 'cube',
  forward(ctx, x) { ctx.saveForBackward(x); return x.mul(x).mul(x) },
  backward(ctx, g) { const [x] = ctx.savedTensors; return g.mul(x.square()) }, // bug: should be g * 3x²
})
const x = tensor([0.5, -1, 2], { requiresGrad: true, dtype: 'float64' })
x.name = 'x'
const y = cube(x).sum()
y.name = 'y'
y.backward()
check((x) => cube(x), [x])
return y
`

const secondDerivative = `// A second derivative: with createGraph the backward pass is itself
// recorded, so its result can be differentiated again.
// y = x³, dy/dx = 3x² = 12, d²y/dx² = 6x = 12 at x = 2
const x = tensor(2, { requiresGrad: true, dtype: 'float64' })
x.name = 'x'
const y = x.pow(3)
y.name = 'y'
const [dy] = autograd.grad(y, [x], null, { createGraph: true }) // backward pass 1
dy.name = 'dy'
dy.backward() // backward pass 2: x.grad = 6x
check((x) => autograd.grad(x.pow(3), [x], null, { createGraph: true })[0], [x])
return [y, dy]
`

const attention = `// Tiny self-attention over 3 tokens of width 4. x feeds the query, key
// and value projections, so its gradient is the sum of three contributions.
const d = 4
const x = randn([3, d], { requiresGrad: true })
x.name = 'x'
const Wq = randn([d, d]).mul(0.5).requiresGrad_(true)
Wq.name = 'Wq'
const Wk = randn([d, d]).mul(0.5).requiresGrad_(true)
Wk.name = 'Wk'
const Wv = randn([d, d]).mul(0.5).requiresGrad_(true)
Wv.name = 'Wv'
const q = x.matmul(Wq), k = x.matmul(Wk), v = x.matmul(Wv)
q.name = 'q'; k.name = 'k'; v.name = 'v'
const scores = q.matmul(k.transpose(0, 1)).div(Math.sqrt(d))
scores.name = 'scores'
const attn = scores.softmax(-1)
attn.name = 'attn'
const out = attn.matmul(v)
out.name = 'out'
const loss = out.square().mean()
loss.name = 'loss'
loss.backward()
return loss
`

export const examples: Example[] = [
  { id: 'chain-rule', title: 'Scalar chain rule', code: chain },
  { id: 'broadcast', title: 'Broadcasting: a bias gradient is a sum', code: broadcast },
  { id: 'softmax-ce', title: 'Softmax + cross-entropy', code: softmaxCe },
  { id: 'mlp', title: '2-layer MLP', code: mlp },
  { id: 'custom-op', title: 'Custom op with a wrong backward (gradcheck)', code: customOp },
  { id: 'second-derivative', title: 'Second derivative (createGraph)', code: secondDerivative },
  { id: 'attention', title: 'Tiny attention', code: attention },
]
