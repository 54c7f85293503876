// bench:native's OpenBLAS side, in its own process: OPENBLAS_CORETYPE is read
// only when the library loads, so each core type needs a fresh process. Prints
// one JSON line (CHILD_MARKER + ChildResult) with 1- and 2-thread GFLOP/s per
// shape (the own kernel measured alongside, interleaved, so that the ratio
// compares like with like on a shared machine) and the per-call cost of the
// decode shapes.
import { nativeAddon, setGemmImpl, setNumThreads } from '@adjoint/native'
import { CHILD_MARKER, type ChildResult, DECODE_SHAPES, GEMM_SHAPES, type Run, timeDecodeCalls, timeShape } from './gemm-shapes.js'

const addon = nativeAddon()
if (!addon || !addon.info().openblasLinked) {
  console.error('OpenBLAS is not linked into the addon')
  process.exit(2)
}
const twoThreads = process.env.BENCH_TWO_THREADS !== '0'
const result: ChildResult = { core: addon.info().openblasCore, shapes: [], decode: [] }
// all four interleaved: "own 2T / own 1T" compares samples taken under the same neighbours
const runs: Run[] = [{ how: 'own', threads: 1 }, { how: 'cblas', threads: 1 }, ...(twoThreads ? [{ how: 'own', threads: 2 }, { how: 'cblas', threads: 2 }] as Run[] : [])]
for (const g of GEMM_SHAPES) {
  const [own1, blas1, own2, blas2] = timeShape(addon, g, runs)
  result.shapes.push({ name: g.name, own1: own1!, blas1: blas1!, own2: own2 ?? null, blas2: blas2 ?? null })
  console.error(`${g.name}: own ${own1!.cpu.toFixed(1)} / OpenBLAS ${result.core} ${blas1!.cpu.toFixed(1)} GFLOP/s (1 thread, CPU time)`)
}
setNumThreads(1)
setGemmImpl('openblas')
const cur = addon.setTuning(1, 0, 1, 0)
addon.setTuning(cur[0]!, 0, cur[2]!, cur[3]!) // every size to OpenBLAS
for (const g of DECODE_SHAPES) result.decode.push({ name: g.name, us: timeDecodeCalls(g, [1], setNumThreads)[0]! })
addon.setTuning(cur[0]!, cur[1]!, cur[2]!, cur[3]!)
console.log(CHILD_MARKER + JSON.stringify(result))
