import { Tensor, ShapeError, ValueError, manualSeed, randn, tensor, zeros } from '@adjoint/core'
import { describe, expect, it } from 'vitest'
import { Dropout, Embedding, LayerNorm, Linear, Module, ModuleDict, ModuleList, Parameter, ReLU, Sequential } from '../src/index.js'

class Block extends Module {
  attn = new Linear(4, 4)
  mlp = new Sequential(new Linear(4, 8), new ReLU(), new Linear(8, 4))
  constructor() {
    super()
    this.registerBuffer('mask', zeros([4]))
    this.registerBuffer('scratch', zeros([2]), { persistent: false })
  }
}

class Net extends Module {
  scale = new Parameter(tensor([1]))
  emb = new Embedding(10, 4)
  h = new ModuleList([new Block(), new Block()])
  heads: Linear[] = [new Linear(4, 2), new Linear(4, 3, { bias: false })]
  norm = new LayerNorm(4)
  label = 'not a module'
  override forward(ids: Tensor): Tensor {
    let x = this.emb.forward(ids)
    for (const b of this.h) x = b.mlp.forward(b.attn.forward(x))
    return this.heads[0].forward(this.norm.forward(x)).mul(this.scale)
  }
}

describe('Module', () => {
  it('finds parameters from fields with dotted names, in order', () => {
    manualSeed(0)
    const net = new Net()
    const names = net.namedParameters().map(([n]) => n)
    expect(names).toEqual([
      'scale', 'emb.weight',
      'h.0.attn.weight', 'h.0.attn.bias', 'h.0.mlp.0.weight', 'h.0.mlp.0.bias', 'h.0.mlp.2.weight', 'h.0.mlp.2.bias',
      'h.1.attn.weight', 'h.1.attn.bias', 'h.1.mlp.0.weight', 'h.1.mlp.0.bias', 'h.1.mlp.2.weight', 'h.1.mlp.2.bias',
      'heads.0.weight', 'heads.0.bias', 'heads.1.weight', 'norm.weight', 'norm.bias',
    ])
    expect(net.parameters().length).toBe(names.length)
    expect(net.numParameters()).toBe(1 + 40 + 2 * (20 + 40 + 36) + 10 + 12 + 8)
    expect(net.namedModules().map(([n]) => n)).toEqual(['', 'emb', 'h', 'h.0', 'h.0.attn', 'h.0.mlp', 'h.0.mlp.0', 'h.0.mlp.1', 'h.0.mlp.2', 'h.1', 'h.1.attn', 'h.1.mlp', 'h.1.mlp.0', 'h.1.mlp.1', 'h.1.mlp.2', 'heads.0', 'heads.1', 'norm'])
    expect(net.getSubmodule('h.1.mlp.2')).toBe(net.h.get(1).mlp.get(2))
    expect(net.getParameter('h.0.attn.bias')).toBe(net.h.get(0).attn.bias)
  })

  it('stateDict has parameters and persistent buffers; a shared parameter is listed once by parameters()', () => {
    const net = new Net()
    const sd = net.stateDict()
    expect(Object.keys(sd)).toContain('h.0.mask')
    expect(Object.keys(sd)).not.toContain('h.0.scratch')
    expect(net.namedBuffers().map(([n]) => n)).toEqual(['h.0.mask', 'h.0.scratch', 'h.1.mask', 'h.1.scratch'])
    // weight tying
    class Tied extends Module {
      a = new Linear(3, 3)
      b = new Linear(3, 3)
      constructor() { super(); this.b.weight = this.a.weight }
    }
    const t = new Tied()
    expect(t.parameters().length).toBe(3)
    expect(Object.keys(t.stateDict())).toEqual(['a.weight', 'a.bias', 'b.weight', 'b.bias'])
  })

  it('loadStateDict copies values and reports every problem in one error', () => {
    manualSeed(1)
    const a = new Net(), b = new Net()
    b.loadStateDict(a.stateDict())
    const wa = (a.h.get(1).mlp.get(0) as Linear).weight, wb = (b.h.get(1).mlp.get(0) as Linear).weight
    expect(wb.toList()).toEqual(wa.toList())
    // the copy does not alias
    wa.data[0] += 1
    expect(wb.data[0]).not.toBe(wa.data[0])

    const sd = a.stateDict()
    delete sd['norm.bias']
    delete sd['emb.weight']
    sd['extra.weight'] = zeros([1])
    sd['h.0.attn.weight'] = zeros([3, 4])
    let err: Error | null = null
    try { b.loadStateDict(sd) } catch (e) { err = e as Error }
    expect(err).toBeInstanceOf(ValueError)
    expect(err!.message).toMatch(/missing keys: emb\.weight, norm\.bias/)
    expect(err!.message).toMatch(/unexpected keys: extra\.weight/)
    expect(err!.message).toMatch(/shape mismatch for h\.0\.attn\.weight: the state dict has \[3,4\], the model has \[4,4\]/)
    // non-strict: only the shape mismatch remains an error
    expect(() => b.loadStateDict(sd, { strict: false })).toThrow(ShapeError)
    sd['h.0.attn.weight'] = a.h.get(0).attn.weight.detach()
    expect(b.loadStateDict(sd, { strict: false })).toEqual({ missingKeys: ['emb.weight', 'norm.bias'], unexpectedKeys: ['extra.weight'] })
  })

  it('train/eval, zeroGrad, requiresGrad_, apply, to(float64)', () => {
    const net = new Net()
    net.eval()
    expect(net.modules().every((m) => !m.training)).toBe(true)
    net.train()
    expect(net.h.get(0).mlp.get(1).training).toBe(true)
    const out = net.forward(tensor([[1, 2, 3]], { dtype: 'int32' })).sum()
    out.backward()
    expect(net.emb.weight.grad).not.toBeNull()
    net.zeroGrad({ setToNone: false })
    expect(net.emb.weight.grad!.abs().sum().item()).toBe(0)
    net.zeroGrad()
    expect(net.emb.weight.grad).toBeNull()
    net.h.requiresGrad_(false)
    expect(net.numParameters({ trainableOnly: true })).toBe(1 + 40 + 10 + 12 + 8)
    const seen: string[] = []
    net.norm.apply((m) => seen.push(m.constructor.name))
    expect(seen).toEqual(['LayerNorm'])
    net.double()
    expect(net.parameters().every((p) => p.dtype === 'float64' && p instanceof Parameter)).toBe(true)
    expect(net.h.get(0).buffers()[0].dtype).toBe('float64')
    expect(net.forward(tensor([[1]], { dtype: 'int32' })).dtype).toBe('float64')
  })

  it('prints a tree like PyTorch', () => {
    const m = new Sequential(new Linear(2, 3), new ReLU(), new Dropout(0.1), new ModuleDict({ out: new Linear(3, 1, { bias: false }) }))
    expect(m.toString()).toBe([
      'Sequential(',
      '  (0): Linear(inFeatures=2, outFeatures=3, bias=true)',
      '  (1): ReLU()',
      '  (2): Dropout(p=0.1)',
      '  (3): ModuleDict(',
      '    (out): Linear(inFeatures=3, outFeatures=1, bias=false)',
      '  )',
      ')',
    ].join('\n'))
  })

  it('containers validate their contents', () => {
    const l = new ModuleList<Module>([new Linear(1, 1)])
    expect(() => l.append(randn([2]) as unknown as Module)).toThrow(ValueError)
    expect(() => l.get(3)).toThrow(/out of range/)
    const d = new ModuleDict({ a: new ReLU() })
    expect(() => d.get('b')).toThrow(/no module "b"/)
    expect(() => d.set('a.b', new ReLU())).toThrow(ValueError)
    expect(() => new Module().forward()).toThrow(/not implemented/)
  })
})
