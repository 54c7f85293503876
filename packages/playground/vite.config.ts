import { defaultClientConditions, defineConfig } from 'vite'

export default defineConfig({
  // relative asset paths: the built site opens from any folder of any web server
  base: './',
  // @adjoint/core from its .ts sources (its "source" export condition), never from a possibly stale dist/
  resolve: { conditions: ['source', ...defaultClientConditions] },
  build: { outDir: 'dist', target: 'es2022', chunkSizeWarningLimit: 1500 },
  // adjoint's typed errors are named after their classes (ShapeError, ...): keep the names through minification
  esbuild: { keepNames: true },
})
