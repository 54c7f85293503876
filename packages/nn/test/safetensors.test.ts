// safetensors encode/decode, files written by Python and read by Python,
// atomic saves, clear errors for damaged files, and a corruption fuzz.
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { AdjointError, Tensor, randn, tensor } from '@adjoint/core'
import fc from 'fast-check'
import { afterAll, describe, expect, it, vi } from 'vitest'
import { SafetensorsError, decodeSafetensors, encodeSafetensors, load, loadWithMetadata, save } from '../src/index.js'
import { tsWrittenMetadata, tsWrittenTensors } from './fixtures/ts_written_tensors.js'
import { FIXTURES, fixture } from './helpers.js'

const dir = mkdtempSync(join(tmpdir(), 'adjoint-io-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const bitsEqual = (a: Tensor, b: Tensor) =>
  a.dtype === b.dtype && a.shape.join() === b.shape.join() && Buffer.from(a.contiguousData().buffer, a.contiguousData().byteOffset, a.contiguousData().byteLength).equals(Buffer.from(b.contiguousData().buffer, b.contiguousData().byteOffset, b.contiguousData().byteLength))

function sample(): Record<string, Tensor> {
  return {
    'layer.weight': randn([3, 4]),
    'layer.bias': randn([4], { dtype: 'float64' }),
    ids: tensor([1, -2, 3], { dtype: 'int32' }),
    flags: tensor([[true, false]]),
    scalar: tensor(7, { dtype: 'float32' }),
    empty: randn([2, 0]),
  }
}

/** A header as JSON text -> a complete file with the given data bytes. */
function file(header: unknown, data: Uint8Array = new Uint8Array(0), headerLength?: number): Uint8Array {
  const h = new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header))
  const out = new Uint8Array(8 + h.length + data.length)
  new DataView(out.buffer).setBigUint64(0, BigInt(headerLength ?? h.length), true)
  out.set(h, 8)
  out.set(data, 8 + h.length)
  return out
}

describe('safetensors encode/decode', () => {
  it('round-trips every dtype, shape and the metadata, bit for bit', () => {
    const t = sample()
    const bytes = encodeSafetensors(t, { metadata: { epoch: '3' } })
    expect(new DataView(bytes.buffer).getBigUint64(0, true) % 8n).toBe(0n) // data section 8-aligned
    const { tensors, metadata } = decodeSafetensors(bytes)
    expect(Object.keys(tensors)).toEqual(Object.keys(t))
    for (const k of Object.keys(t)) expect(bitsEqual(tensors[k], t[k]), k).toBe(true)
    expect(metadata.epoch).toBe('3')
    expect(metadata['adjoint.crc32']).toMatch(/^[0-9a-f]{8}$/)
    expect(metadata.format).toBe('pt') // transformers' from_pretrained refuses a file without it
    // non-contiguous input is written in row-major order
    const v = randn([3, 2]).transpose(0, 1)
    expect(decodeSafetensors(encodeSafetensors({ v })).tensors.v.toList()).toEqual(v.toList())
  })

  it('writes exactly the bytes Python checked (fixtures/ts_written.safetensors)', () => {
    const want = readFileSync(join(FIXTURES, 'ts_written.safetensors'))
    const got = encodeSafetensors(tsWrittenTensors(), { metadata: tsWrittenMetadata })
    expect(Buffer.from(got).equals(want)).toBe(true)
  })

  it('reads a file written by Python (fixtures/py_written.safetensors), widening f16/bf16/i64/i16/i8/u8', () => {
    const fx = fixture<{ metadata: Record<string, string>; tensors: Record<string, { dtype: string; shape: number[]; data: (number | string | boolean)[] }> }>('py_written.json')
    const { tensors, metadata } = loadWithMetadata(join(FIXTURES, 'py_written.safetensors'))
    expect(metadata).toEqual(fx.metadata)
    expect(Object.keys(tensors).sort()).toEqual(Object.keys(fx.tensors).sort())
    for (const [k, e] of Object.entries(fx.tensors)) {
      expect(tensors[k].dtype, k).toBe(e.dtype)
      expect(tensors[k].shape, k).toEqual(e.shape)
      expect(tensors[k].toList(), k).toEqual(e.data.map((v) => (typeof v === 'boolean' ? Number(v) : Number(v))))
    }
  })

  it('save/load through a file; load gives a clear error for a missing file', () => {
    const p = join(dir, 'model.safetensors')
    const t = sample()
    save(t, p)
    const back = load(p)
    for (const k of Object.keys(t)) expect(bitsEqual(back[k], t[k])).toBe(true)
    expect(() => load(join(dir, 'nope.safetensors'))).toThrow(/nope\.safetensors/)
  })

  it('an interrupted save leaves the previous file intact and no temporary file', () => {
    const p = join(dir, 'atomic.safetensors')
    save({ a: tensor([1, 2, 3]) }, p)
    const before = readFileSync(p)
    const fs = process.getBuiltinModule('node:fs')
    const realWrite = fs.writeSync.bind(fs) as (fd: number, b: Uint8Array, off: number, len: number) => number
    const spy = vi.spyOn(fs, 'writeSync').mockImplementation(((fd: number, buf: Uint8Array, off: number) => {
      realWrite(fd, buf, off, 10) // half-written...
      throw new Error('ENOSPC: no space left on device') // ...then the disk fills up
    }) as never)
    expect(() => save({ a: randn([1000]) }, p)).toThrow(/could not write .*atomic\.safetensors: ENOSPC/)
    spy.mockRestore()
    expect(readFileSync(p).equals(before)).toBe(true)
    expect(readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([])
    expect(load(p).a.toList()).toEqual([1, 2, 3])
  })
})

describe('damaged files give a SafetensorsError naming the file and the problem', () => {
  const ok = { x: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } }
  const data8 = new Uint8Array(8)
  const cases: [string, Uint8Array, RegExp][] = [
    ['too short', new Uint8Array(5), /too short/],
    ['header length beyond file size', file(ok, data8, 10_000), /header length 10000 is beyond the file size/],
    ['bad JSON', file('{"x": {"dtype": "F32",', data8), /not valid JSON/],
    ['not an object', file('[1, 2, 3]', data8), /does not start with "\{"/],
    ['bad UTF-8', file('{"\xff"}').map((b, i) => (i === 10 ? 0xff : b)), /not valid UTF-8/],
    ['unknown dtype', file({ x: { dtype: 'F8_E4M3', shape: [2], data_offsets: [0, 2] } }, new Uint8Array(2)), /unknown or unsupported dtype "F8_E4M3"/],
    ['offsets out of range', file({ x: { dtype: 'F32', shape: [2], data_offsets: [0, 16] } }, data8), /data_offsets \[0, 16\] out of range/],
    ['offsets not matching the shape', file({ x: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, data8), /needs 12/],
    ['negative shape', file({ x: { dtype: 'F32', shape: [-2], data_offsets: [0, 8] } }, data8), /invalid shape/],
    ['a gap', file({ x: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, data8), /gap in the data section/],
    ['overlap', file({ x: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, y: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, data8), /overlaps/],
    ['trailing bytes', file(ok, new Uint8Array(12)), /tensors cover 8/],
    ['metadata not strings', file({ __metadata__: { a: 1 }, ...ok }, data8), /must be a string/],
    ['int64 out of int32 range', file({ x: { dtype: 'I64', shape: [1], data_offsets: [0, 8] } }, new Uint8Array([0, 0, 0, 0, 1, 0, 0, 0])), /does not fit in int32/],
  ]
  for (const [name, bytes, msg] of cases) {
    it(name, () => {
      let err: unknown
      try { decodeSafetensors(bytes, { source: 'ckpt/bad.safetensors' }) } catch (e) { err = e }
      expect(err).toBeInstanceOf(SafetensorsError)
      expect((err as Error).message).toMatch(/^safetensors: ckpt\/bad\.safetensors: /)
      expect((err as Error).message).toMatch(msg)
    })
  }

  it('a flipped data byte fails the checksum of files adjoint wrote', () => {
    const bytes = encodeSafetensors({ a: tensor([1, 2, 3]) })
    bytes[bytes.length - 1] ^= 1
    expect(() => decodeSafetensors(bytes, { source: 'x.safetensors' })).toThrow(/x\.safetensors: checksum mismatch/)
  })

  it('load names the file', () => {
    const p = join(dir, 'truncated.safetensors')
    writeFileSync(p, encodeSafetensors(sample()).subarray(0, 50))
    expect(() => load(p)).toThrow(new RegExp(`safetensors: ${p.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: header length \\d+ is beyond the file size`))
  })
})

describe('corruption fuzz (fast-check)', () => {
  const original = sample()
  const good = encodeSafetensors(original)
  const python = readFileSync(join(FIXTURES, 'py_written.safetensors'))

  const flips = (max: number) => fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: max }).map((fs) => (b: Uint8Array) => {
    const c = b.slice()
    for (const [pos, x] of fs) c[pos % c.length] ^= x
    return c
  })
  // one corruption event: a damaged byte, a damaged run, a truncation, appended junk, a wrong length field
  const burst = fc.oneof(
    flips(1),
    fc.nat().map((n) => (b: Uint8Array) => b.slice(0, n % b.length)),
    fc.uint8Array({ minLength: 1, maxLength: 16 }).map((extra) => (b: Uint8Array) => { const c = new Uint8Array(b.length + extra.length); c.set(b); c.set(extra, b.length); return c }),
    fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map((n) => (b: Uint8Array) => { const c = b.slice(); if (c.length >= 8) new DataView(c.buffer).setBigUint64(0, n, true); return c }),
    fc.tuple(fc.nat(), fc.uint8Array({ minLength: 1, maxLength: 12 })).map(([pos, junk]) => (b: Uint8Array) => { const c = b.slice(); c.set(junk.subarray(0, Math.max(0, c.length - (pos % c.length))), pos % c.length); return c }),
  )
  // several independent events
  const many = fc.array(burst, { minLength: 2, maxLength: 4 }).map((fs) => (b: Uint8Array) => fs.reduce((acc, f) => (acc.length > 0 ? f(acc) : acc), b))

  it('one corruption of a file adjoint wrote: a SafetensorsError, or (when it changed nothing that matters) the same tensors', () => {
    fc.assert(fc.property(burst, (corrupt) => {
      const bad = corrupt(good)
      let decoded
      try { decoded = decodeSafetensors(bad, { source: 'fuzz.safetensors' }) } catch (e) {
        if (!(e instanceof SafetensorsError) || !e.message.startsWith('safetensors: fuzz.safetensors: ')) throw e
        return
      }
      expect(Object.keys(decoded.tensors).sort()).toEqual(Object.keys(original).sort())
      for (const k of Object.keys(original)) if (!bitsEqual(decoded.tensors[k], original[k])) throw new Error(`silently wrong tensor ${k}`)
    }), { numRuns: 2000, seed: 20261126 })
  })

  it('any number of corruptions, of adjoint or Python files: only ever a SafetensorsError, never a crash', () => {
    for (const [name, bytes] of [['adjoint', good], ['python', python]] as const) {
      fc.assert(fc.property(fc.oneof(burst, many, flips(6)), (corrupt) => {
        const bad = corrupt(bytes)
        try { decodeSafetensors(bad) } catch (e) {
          if (!(e instanceof SafetensorsError)) throw new Error(`${name}: ${String(e)}`)
        }
      }), { numRuns: 1500, seed: 7 })
    }
  })
})
