// The safetensors format, as bytes in and out (no file system: works in a browser).
//   [8 bytes: header length N, u64 little-endian][N bytes: JSON header][data]
// The header maps each tensor name to {dtype, shape, data_offsets: [begin, end]}
// (offsets into the data section, which the tensors must cover exactly) and may
// hold "__metadata__": {string: string}. Data is little-endian, row-major.
import { AdjointError, Tensor, ValueError, type DType, type TypedArray } from '@adjoint/core'

/** A malformed or unsupported safetensors file; the message names the file and the problem. */
export class SafetensorsError extends AdjointError {}

/** Header key of the checksum adjoint writes: CRC-32 of the header's tensor entries and metadata, then the data. */
export const CHECKSUM_KEY = 'adjoint.crc32'

const MAX_HEADER = 100_000_000

interface DTypeInfo {
  size: number
  /** Converts `count` elements at bytes[off..] to an adjoint dtype's array. */
  read(bytes: Uint8Array, off: number, count: number): { dtype: DType; data: TypedArray }
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1

function viewLE(bytes: Uint8Array, off: number, count: number, size: number, get: (dv: DataView, o: number) => number, out: TypedArray): TypedArray {
  if (LITTLE_ENDIAN) {
    // copy to a fresh, aligned buffer (not bytes.slice: on a Node Buffer that is a view), then view it
    const copy = new Uint8Array(count * size)
    copy.set(bytes.subarray(off, off + count * size))
    const buf = copy.buffer
    const ctor = out.constructor as new (b: ArrayBuffer) => TypedArray
    return new ctor(buf)
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset + off, count * size)
  for (let i = 0; i < count; i++) out[i] = get(dv, i * size)
  return out
}

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1, e = (h >> 10) & 0x1f, m = h & 0x3ff
  if (e === 0) return s * m * 2 ** -24
  if (e === 31) return m ? NaN : s * Infinity
  return s * (1 + m / 1024) * 2 ** (e - 15)
}

const READERS: Record<string, DTypeInfo> = {
  F64: { size: 8, read: (b, o, n) => ({ dtype: 'float64', data: viewLE(b, o, n, 8, (dv, k) => dv.getFloat64(k, true), new Float64Array(n)) }) },
  F32: { size: 4, read: (b, o, n) => ({ dtype: 'float32', data: viewLE(b, o, n, 4, (dv, k) => dv.getFloat32(k, true), new Float32Array(n)) }) },
  I32: { size: 4, read: (b, o, n) => ({ dtype: 'int32', data: viewLE(b, o, n, 4, (dv, k) => dv.getInt32(k, true), new Int32Array(n)) }) },
  BOOL: { size: 1, read: (b, o, n) => ({ dtype: 'bool', data: Uint8Array.from(b.subarray(o, o + n), (v) => (v ? 1 : 0)) }) },
  // read and widened: half precision to float32, small/large ints to int32
  F16: { size: 2, read: (b, o, n) => { const dv = new DataView(b.buffer, b.byteOffset + o, 2 * n); return { dtype: 'float32', data: Float32Array.from({ length: n }, (_, i) => halfToFloat(dv.getUint16(2 * i, true))) } } },
  BF16: { size: 2, read: (b, o, n) => { const dv = new DataView(b.buffer, b.byteOffset + o, 2 * n); const u = new Uint32Array(n); for (let i = 0; i < n; i++) u[i] = dv.getUint16(2 * i, true) << 16; return { dtype: 'float32', data: new Float32Array(u.buffer) } } },
  I16: { size: 2, read: (b, o, n) => { const dv = new DataView(b.buffer, b.byteOffset + o, 2 * n); return { dtype: 'int32', data: Int32Array.from({ length: n }, (_, i) => dv.getInt16(2 * i, true)) } } },
  I8: { size: 1, read: (b, o, n) => ({ dtype: 'int32', data: Int32Array.from(new Int8Array(b.buffer, b.byteOffset + o, n)) }) },
  U8: { size: 1, read: (b, o, n) => ({ dtype: 'int32', data: Int32Array.from(b.subarray(o, o + n)) }) },
  I64: { size: 8, read: () => { throw new Error('unreachable') } }, // handled in decode (range check)
}

const WRITE_NAME: Record<DType, string> = { float64: 'F64', float32: 'F32', int32: 'I32', bool: 'BOOL' }
const WRITE_SIZE: Record<DType, number> = { float64: 8, float32: 4, int32: 4, bool: 1 }

// ---------- CRC-32 (IEEE), for the checksum adjoint adds to its own files ----------

const CRC_TABLE = (() => {
  const t = new Uint32Array(256)
  for (let n = 0; n < 256; n++) {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
    t[n] = c >>> 0
  }
  return t
})()

export function crc32(bytes: Uint8Array, crc = 0): number {
  let c = ~crc >>> 0
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8)
  return ~c >>> 0
}

interface Entry {
  dtype: string
  shape: number[]
  data_offsets: [number, number]
}

/** The part of the header the checksum covers: entries and metadata, in a canonical order. */
function canonicalHeader(entries: Record<string, Entry>, metadata: Record<string, string>): Uint8Array {
  const names = Object.keys(entries).sort()
  const meta = Object.keys(metadata).filter((k) => k !== CHECKSUM_KEY).sort()
  const text = JSON.stringify([names.map((n) => [n, entries[n].dtype, entries[n].shape, entries[n].data_offsets]), meta.map((k) => [k, metadata[k]])])
  return new TextEncoder().encode(text)
}

export interface EncodeOptions {
  /** String key/values stored as "__metadata__"; "format" is "pt" unless given (transformers' loader checks it). */
  metadata?: Record<string, string>
  /** Add adjoint's CRC-32 checksum to the metadata (default true), so any corruption is detected on load. */
  checksum?: boolean
}

/** Serializes named tensors (float32, float64, int32, bool) to safetensors bytes. */
export function encodeSafetensors(tensors: Record<string, Tensor>, opts: EncodeOptions = {}): Uint8Array {
  return concatBytes(safetensorsParts(tensors, opts))
}

/** Joins byte chunks into one array. */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  let n = 0
  for (const b of parts) n += b.length
  const out = new Uint8Array(n)
  let p = 0
  for (const b of parts) { out.set(b, p); p += b.length }
  return out
}

/**
 * The safetensors bytes as chunks: the length-prefixed header, then each tensor's
 * bytes (views of its memory on little-endian machines, no copy). A file writer
 * writes them one after the other, so a save needs no second copy of the model.
 */
export function safetensorsParts(tensors: Record<string, Tensor>, opts: EncodeOptions = {}): Uint8Array[] {
  if (tensors === null || typeof tensors !== 'object') throw new ValueError(`encodeSafetensors: expected an object of name -> Tensor, got ${String(tensors)}`)
  const metadata: Record<string, string> = {}
  for (const [k, v] of Object.entries({ format: 'pt', ...opts.metadata })) {
    if (typeof v !== 'string') throw new ValueError(`encodeSafetensors: metadata values must be strings, "${k}" is ${typeof v}`)
    metadata[k] = v
  }
  const entries: Record<string, Entry> = {}
  const chunks: Uint8Array[] = []
  let offset = 0
  for (const [name, t] of Object.entries(tensors)) {
    if (name === '__metadata__') throw new ValueError('encodeSafetensors: "__metadata__" is reserved and cannot name a tensor')
    if (!(t instanceof Tensor)) throw new ValueError(`encodeSafetensors: "${name}" is not a Tensor`)
    const data = t.contiguousData()
    const nbytes = data.length * WRITE_SIZE[t.dtype]
    let bytes: Uint8Array
    if (LITTLE_ENDIAN || t.dtype === 'bool') bytes = new Uint8Array(data.buffer, data.byteOffset, nbytes)
    else {
      bytes = new Uint8Array(nbytes)
      const dv = new DataView(bytes.buffer)
      for (let i = 0; i < data.length; i++) {
        if (t.dtype === 'float64') dv.setFloat64(8 * i, data[i], true)
        else if (t.dtype === 'float32') dv.setFloat32(4 * i, data[i], true)
        else dv.setInt32(4 * i, data[i], true)
      }
    }
    entries[name] = { dtype: WRITE_NAME[t.dtype], shape: [...t.shape], data_offsets: [offset, offset + nbytes] }
    chunks.push(bytes)
    offset += nbytes
  }
  if (opts.checksum ?? true) {
    let c = crc32(canonicalHeader(entries, metadata))
    for (const b of chunks) c = crc32(b, c)
    metadata[CHECKSUM_KEY] = c.toString(16).padStart(8, '0')
  }
  const header: Record<string, unknown> = Object.keys(metadata).length > 0 ? { __metadata__: metadata, ...entries } : entries
  let json = new TextEncoder().encode(JSON.stringify(header))
  // pad with spaces so the data starts 8-byte aligned (as the reference implementation does)
  const pad = (8 - (json.length % 8)) % 8
  if (pad > 0) {
    const padded = new Uint8Array(json.length + pad).fill(0x20)
    padded.set(json)
    json = padded
  }
  const head = new Uint8Array(8 + json.length)
  new DataView(head.buffer).setBigUint64(0, BigInt(json.length), true)
  head.set(json, 8)
  return [head, ...chunks]
}

export interface Decoded {
  tensors: Record<string, Tensor>
  metadata: Record<string, string>
}

/**
 * Parses safetensors bytes. Every inconsistency (truncation, bad JSON, bad
 * offsets, unknown dtype, checksum mismatch) throws a SafetensorsError naming
 * `source` (e.g. the file path) and the problem.
 */
export function decodeSafetensors(bytes: Uint8Array, opts: { source?: string } = {}): Decoded {
  const src = opts.source ?? '<bytes>'
  const fail = (msg: string): never => { throw new SafetensorsError(`safetensors: ${src}: ${msg}`) }
  if (!(bytes instanceof Uint8Array)) throw new ValueError(`decodeSafetensors: expected a Uint8Array, got ${bytes === null ? 'null' : typeof bytes}`)
  if (bytes.length < 8) fail(`file is ${bytes.length} bytes, too short for the 8-byte header length (truncated?)`)
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const n64 = dv.getBigUint64(0, true)
  if (n64 > BigInt(bytes.length - 8)) fail(`header length ${n64} is beyond the file size (${bytes.length} bytes; truncated, or not a safetensors file)`)
  const n = Number(n64)
  if (n > MAX_HEADER) fail(`header length ${n} exceeds the limit of ${MAX_HEADER} bytes`)
  if (n < 2) fail(`header length ${n} is too small for a JSON object`)
  let text: string
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + n))
  } catch {
    return fail('header is not valid UTF-8')
  }
  if (!text.startsWith('{')) fail(`header does not start with "{" (got ${JSON.stringify(text.slice(0, 16))}): not a safetensors file`)
  let header: unknown
  try {
    header = JSON.parse(text)
  } catch (e) {
    return fail(`header is not valid JSON (${(e as Error).message})`)
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) return fail('header is not a JSON object')
  const dataStart = 8 + n
  const dataLen = bytes.length - dataStart
  const metadata: Record<string, string> = {}
  const raw = header as Record<string, unknown>
  if ('__metadata__' in raw) {
    const m = raw.__metadata__
    if (m === null || typeof m !== 'object' || Array.isArray(m)) fail('"__metadata__" must be an object of strings')
    for (const [k, v] of Object.entries(m as object)) {
      if (typeof v !== 'string') fail(`"__metadata__" value for "${k}" must be a string, got ${JSON.stringify(v)}`)
      metadata[k] = v
    }
  }
  const entries: Record<string, Entry> = {}
  const spans: [number, number, string][] = []
  for (const [name, e] of Object.entries(raw)) {
    if (name === '__metadata__') continue
    if (e === null || typeof e !== 'object' || Array.isArray(e)) fail(`entry "${name}" must be an object with dtype, shape and data_offsets`)
    const { dtype, shape, data_offsets: off } = e as Record<string, unknown>
    if (typeof dtype !== 'string') fail(`entry "${name}" has no dtype string`)
    const info = READERS[dtype as string]
    if (!info) fail(`entry "${name}" has unknown or unsupported dtype ${JSON.stringify(dtype)} (supported: ${Object.keys(READERS).join(', ')})`)
    if (!Array.isArray(shape) || shape.some((s) => !Number.isSafeInteger(s) || s < 0)) fail(`entry "${name}" has an invalid shape ${JSON.stringify(shape)}`)
    if (!Array.isArray(off) || off.length !== 2 || off.some((o) => !Number.isSafeInteger(o) || o < 0)) fail(`entry "${name}" has invalid data_offsets ${JSON.stringify(off)}`)
    const [begin, end] = off as [number, number]
    let count = 1
    for (const s of shape as number[]) count *= s
    if (!Number.isSafeInteger(count * info.size)) fail(`entry "${name}" has a shape too large: ${JSON.stringify(shape)}`)
    if (begin > end || end > dataLen) fail(`entry "${name}" has data_offsets [${begin}, ${end}] out of range (the data section is ${dataLen} bytes)`)
    if (end - begin !== count * info.size) fail(`entry "${name}": data_offsets [${begin}, ${end}] span ${end - begin} bytes, but ${dtype} ${JSON.stringify(shape)} needs ${count * info.size}`)
    entries[name] = { dtype: dtype as string, shape: shape as number[], data_offsets: [begin, end] }
    spans.push([begin, end, name])
  }
  // the tensors must tile the data section: no gaps, no overlaps, nothing left over
  spans.sort((a, b) => a[0] - b[0] || a[1] - b[1])
  let pos = 0
  for (const [begin, end, name] of spans) {
    if (begin !== pos) fail(begin < pos ? `entry "${name}" overlaps the previous tensor's data (offset ${begin} < ${pos})` : `there is a gap in the data section before "${name}" (bytes ${pos}..${begin} belong to no tensor)`)
    pos = end
  }
  if (pos !== dataLen) fail(`the data section is ${dataLen} bytes but the tensors cover ${pos} (trailing bytes, or a truncated/extended file)`)
  if (CHECKSUM_KEY in metadata) {
    const want = metadata[CHECKSUM_KEY]
    const got = crc32(bytes.subarray(dataStart), crc32(canonicalHeader(entries, metadata))).toString(16).padStart(8, '0')
    if (got !== want) fail(`checksum mismatch (stored ${want}, computed ${got}): the file is corrupted (or was rewritten by another tool that kept adjoint's "${CHECKSUM_KEY}" metadata; drop that key to load it unchecked)`)
  }
  const tensors: Record<string, Tensor> = {}
  for (const [name, e] of Object.entries(entries)) {
    const count = (e.data_offsets[1] - e.data_offsets[0]) / READERS[e.dtype].size
    const off = dataStart + e.data_offsets[0]
    let dtype: DType, data: TypedArray
    if (e.dtype === 'I64') {
      const view = new DataView(bytes.buffer, bytes.byteOffset + off, 8 * count)
      const out = new Int32Array(count)
      for (let i = 0; i < count; i++) {
        const v = view.getBigInt64(8 * i, true)
        if (v > 2147483647n || v < -2147483648n) fail(`entry "${name}": I64 value ${v} does not fit in int32`)
        out[i] = Number(v)
      }
      dtype = 'int32'
      data = out
    } else ({ dtype, data } = READERS[e.dtype].read(bytes, off, count))
    tensors[name] = Tensor.fromArray(data, e.shape, dtype)
  }
  return { tensors, metadata }
}

