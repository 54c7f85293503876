// Which gradient buffers of a backward pass can be reused, and when.
//
// A buffer (a Storage) is reusable only if this backward pass allocated it
// (Tensor.empty / zeros while the pass ran: no forward activation, no user
// tensor) and it never escaped: not handed to a hook, not to a custom
// Function's backward, not made a leaf's .grad. The engine counts its own
// references to each such storage (a pending gradient, a result on its way to
// an input); when the count falls to zero the array goes back to the pool and
// the storage is emptied, so a stale holder reads nothing rather than another
// op's numbers. Backward closures must not keep their gradient argument or
// their results, nor any tensor they allocate, past returning (core's ops and
// record() callers do not; a defineFunction backward is user code and is treated
// as opaque; with retainGraph a closure runs again, so its scratch is left alone).
import { releaseStorage } from '../memory/pool.js'
import { setAllocSink, type Storage, type Tensor } from '../tensor.js'

export class GradMemory {
  private readonly owned = new Set<Storage>()
  private readonly refs = new Map<Storage, number>()
  /** Storages allocated while a backward closure ran (its results and its scratch). */
  private readonly inClosures: Storage[] = []
  /** Is a backward closure running whose scratch may be reused after the pass? */
  inClosure = false
  private prevSink: ((s: Storage) => void) | null = null

  /** Starts recording the storages allocated from now on (until end()). */
  begin(): void {
    this.prevSink = setAllocSink((s) => {
      this.owned.add(s)
      if (this.inClosure) this.inClosures.push(s)
    })
  }

  /**
   * Stops recording. A closure's scratch (allocated by it, never handed on: the
   * attention kernel's score gradient, a zero buffer an index-add copied) goes back
   * to the pool; buffers that escaped stay with their holders.
   */
  end(): void {
    setAllocSink(this.prevSink)
    for (const s of this.inClosures) {
      if (!this.owned.has(s) || this.refs.has(s) || s.data.length === 0) continue
      releaseStorage(s)
    }
    this.inClosures.length = 0
    this.owned.clear()
    this.refs.clear()
  }

  /** The engine keeps one more reference to t's storage. */
  hold(t: Tensor): void {
    const s = t.storage
    if (this.owned.has(s)) this.refs.set(s, (this.refs.get(s) ?? 0) + 1)
  }

  /** The engine drops one reference; at zero the buffer goes back to the pool. */
  drop(t: Tensor): void {
    const s = t.storage
    if (!this.owned.has(s)) return
    const n = (this.refs.get(s) ?? 0) - 1
    if (n > 0) { this.refs.set(s, n); return }
    this.refs.delete(s)
    this.owned.delete(s)
    releaseStorage(s)
  }

  /** t is now visible outside the engine (a hook saw it, it became a .grad): never reuse its buffer. */
  escape(t: Tensor): void {
    this.owned.delete(t.storage)
    this.refs.delete(t.storage)
  }

  /**
   * Does the engine hold the only reference to t's whole buffer, so it may be
   * written in place or handed over? (allocated by this pass, one reference,
   * contiguous over the full array)
   */
  exclusive(t: Tensor): boolean {
    const s = t.storage
    return this.owned.has(s) && this.refs.get(s) === 1 && t.offset === 0 && s.data.length === t.numel() && t.isContiguous()
  }
}
