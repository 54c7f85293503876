// A seeded generator, so that runs are reproducible: manualSeed(n) resets it.
// The algorithm is xoshiro128** (32-bit state words), uniform floats take 24 bits
// for float32-exact values; normals use the Box-Muller transform.
import { ValueError } from './errors.js'

export interface GeneratorState {
  s: [number, number, number, number]
  spare: number | null
}

export class Generator {
  private s = new Uint32Array(4)
  private spare: number | null = null

  constructor(seed = 0) {
    this.manualSeed(seed)
  }

  manualSeed(seed: number): this {
    if (!Number.isFinite(seed)) throw new ValueError(`manualSeed: seed must be a finite number, got ${seed}`)
    // splitmix32 expands the seed into four non-zero state words
    let x = (Math.floor(seed) >>> 0) ^ 0x9e3779b9
    for (let i = 0; i < 4; i++) {
      x = (x + 0x9e3779b9) >>> 0
      let z = x
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0
      this.s[i] = (z ^ (z >>> 16)) >>> 0
    }
    if ((this.s[0] | this.s[1] | this.s[2] | this.s[3]) === 0) this.s[0] = 1
    this.spare = null
    return this
  }

  /** Next 32-bit unsigned integer. */
  nextUint32(): number {
    const s = this.s
    const result = Math.imul(rotl(Math.imul(s[1], 5), 7), 9) >>> 0
    const t = s[1] << 9
    s[2] ^= s[0]
    s[3] ^= s[1]
    s[1] ^= s[2]
    s[0] ^= s[3]
    s[2] ^= t
    s[3] = rotl(s[3], 11)
    return result
  }

  /** Uniform in [0, 1). */
  uniform(): number {
    return (this.nextUint32() >>> 8) / 16777216
  }

  /** Standard normal. */
  normal(): number {
    if (this.spare !== null) {
      const v = this.spare
      this.spare = null
      return v
    }
    let u = 0
    while (u === 0) u = this.uniform()
    const v = this.uniform()
    const r = Math.sqrt(-2 * Math.log(u))
    this.spare = r * Math.sin(2 * Math.PI * v)
    return r * Math.cos(2 * Math.PI * v)
  }

  /** Integer in [low, high). */
  int(low: number, high: number): number {
    return low + Math.floor(this.uniform() * (high - low))
  }

  getState(): GeneratorState {
    return { s: [this.s[0], this.s[1], this.s[2], this.s[3]], spare: this.spare }
  }

  setState(state: GeneratorState): this {
    if (!state || !Array.isArray(state.s) || state.s.length !== 4) throw new ValueError('Generator.setState: expected {s: [4 numbers], spare}')
    this.s.set(state.s)
    this.spare = state.spare
    return this
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0
}

/** The default generator used by rand/randn/randint/dropout when none is given. */
export const defaultGenerator = new Generator(0)

export function manualSeed(seed: number): Generator {
  return defaultGenerator.manualSeed(seed)
}
