// bench:native's OpenBLAS side, in its own process: OPENBLAS_CORETYPE is read
// only when the library loads, so each core type needs a fresh process. Prints
// one JSON line (CHILD_MARKER + ChildResult) with 1- and 2-thread GFLOP/s per
// shape (the own kernel measured alongside, interleaved, so that the ratio
// compares like with like on a shared machine), 2T / 1T as the median of
// adjacent pairs (with the FMA probe's pairs in the same rounds, when asked)
// and the per-call cost of the decode shapes.
import { nativeAddon, setGemmImpl, setNumThreads } from '@adjoint/native'
import { CHILD_MARKER, type ChildResult, DECODE_SHAPES, GEMM_SHAPES, probePlan, selectShapes, timeDecodeCalls, timeShape } from './gemm-shapes.js'

const addon = nativeAddon()
if (!addon || !addon.info().openblasLinked) {
  console.error('OpenBLAS is not linked into the addon')
  process.exit(2)
}
// set by bench:native: 2 threads or not, rounds per shape, the FMA probe's pair in each round or not
const twoThreads = process.env.BENCH_TWO_THREADS !== '0'
const rounds = Number(process.env.BENCH_CHILD_ROUNDS ?? 30)
const probe = twoThreads && process.env.BENCH_CHILD_PROBE === '1' ? probePlan(addon, addon.info().isa) : null
const result: ChildResult = { core: addon.info().openblasCore, shapes: [], decode: [] }
// own and OpenBLAS, 1 and 2 threads, in the same rounds: "own / OpenBLAS" compares samples under the same neighbours
for (const g of selectShapes(GEMM_SHAPES)) {
  const { kernels: [own, blas], probe: probeScaling, apart } = timeShape(addon, g, { hows: ['own', 'cblas'], twoThreads, rounds, probe })
  result.shapes.push({ name: g.name, own1: own!.one, blas1: blas!.one, own2: own!.two, blas2: blas!.two, ownScaling: own!.scaling, blasScaling: blas!.scaling, probe: probeScaling, apart })
  console.error(`${g.name}: own ${own!.one.cpu.toFixed(1)} / OpenBLAS ${result.core} ${blas!.one.cpu.toFixed(1)} GFLOP/s (1 thread, CPU time)${own!.scaling ? `; own 2T / 1T ${own!.scaling.median.toFixed(2)}x over ${own!.scaling.pairs} pairs` : ''}${probeScaling ? `, FMA probe ${probeScaling.median.toFixed(2)}x` : ''}${apart ? `, 2 x 1T apart ${apart.median.toFixed(2)}x` : ''}`)
}
setNumThreads(1)
setGemmImpl('openblas')
const cur = addon.setTuning(1, 0, 1, 0)
addon.setTuning(cur[0]!, 0, cur[2]!, cur[3]!) // every size to OpenBLAS
for (const g of DECODE_SHAPES) result.decode.push({ name: g.name, us: timeDecodeCalls(g, [1], setNumThreads).best[0]! })
addon.setTuning(cur[0]!, cur[1]!, cur[2]!, cur[3]!)
console.log(CHILD_MARKER + JSON.stringify(result))
