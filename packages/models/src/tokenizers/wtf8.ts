// String <-> bytes for the byte-level BPE. UTF-8, except that a lone UTF-16
// surrogate (which JavaScript strings may hold and UTF-8 cannot) is written as
// its own 3-byte sequence (WTF-8), so that decode(encode(s)) === s for every
// string. Decoding is lenient: a byte that starts no valid sequence (a model
// can generate anything) becomes U+FFFD.

export function encodeWtf8(s: string, out: number[] = []): number[] {
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i)
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1)
      if (d >= 0xdc00 && d <= 0xdfff) { c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00); i++ }
    }
    if (c < 0x80) out.push(c)
    else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 63))
    else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63))
    else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63))
  }
  return out
}

const cont = (b: number | undefined) => b !== undefined && (b & 0xc0) === 0x80

export function decodeWtf8(bytes: ArrayLike<number>): string {
  const units: number[] = []
  let s = ''
  const flush = () => { s += String.fromCharCode(...units); units.length = 0 }
  for (let i = 0; i < bytes.length;) {
    const b = bytes[i]
    let cp = -1, n = 1
    if (b < 0x80) cp = b
    else if (b >= 0xc2 && b < 0xe0 && cont(bytes[i + 1])) { cp = ((b & 31) << 6) | (bytes[i + 1] & 63); n = 2 }
    else if (b >= 0xe0 && b < 0xf0 && cont(bytes[i + 1]) && cont(bytes[i + 2])) {
      cp = ((b & 15) << 12) | ((bytes[i + 1] & 63) << 6) | (bytes[i + 2] & 63); n = 3
      if (cp < 0x800) { cp = -1; n = 1 } // overlong
    } else if (b >= 0xf0 && b < 0xf5 && cont(bytes[i + 1]) && cont(bytes[i + 2]) && cont(bytes[i + 3])) {
      cp = ((b & 7) << 18) | ((bytes[i + 1] & 63) << 12) | ((bytes[i + 2] & 63) << 6) | (bytes[i + 3] & 63); n = 4
      if (cp < 0x10000 || cp > 0x10ffff) { cp = -1; n = 1 }
    }
    if (cp < 0) cp = 0xfffd
    if (cp >= 0x10000) { cp -= 0x10000; units.push(0xd800 + (cp >> 10), 0xdc00 + (cp & 1023)) }
    else units.push(cp)
    i += n
    if (units.length > 4096) flush()
  }
  flush()
  return s
}
