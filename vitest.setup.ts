// Setup file of every test file: registers the native kernels (@adjoint/native)
// into core unless ADJOINT_NATIVE=0, so `pnpm test` runs core and nn once on the
// native kernels and once on the pure-TS ones. The run header (printed by
// vitest.summary-reporter.ts) says which backend, ISA and BLAS were used.
if (process.env.ADJOINT_NATIVE !== '0') await import('./packages/native/src/index.js')
export {}
