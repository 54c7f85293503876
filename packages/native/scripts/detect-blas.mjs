// Called by binding.gyp at configure time:
//   node scripts/detect-blas.mjs use|include_dirs|libraries
// Decides whether OpenBLAS (cblas.h + libopenblas) is usable, by a real
// test-compile and link, so the addon falls back to its own kernel when it is not.
// Override with ADJOINT_BLAS=0 (never) or ADJOINT_BLAS=1 (require; the build fails if absent).
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const mode = process.argv[2] ?? 'use'

function pkgConfig(args) {
  const r = spawnSync('pkg-config', [...args, 'openblas'], { encoding: 'utf8' })
  return r.status === 0 ? r.stdout.trim() : null
}

function detect() {
  if (process.env.ADJOINT_BLAS === '0') return null
  // pkg-config is optional: Debian's libopenblas-dev also puts cblas.h and
  // libopenblas.so on the default search paths.
  const incs = (pkgConfig(['--cflags-only-I']) ?? '').split(/\s+/).filter(Boolean).map((s) => s.replace(/^-I/, ''))
  const libs = (pkgConfig(['--libs']) ?? '-lopenblas').split(/\s+/).filter(Boolean)
  const dir = mkdtempSync(join(tmpdir(), 'adjoint-blas-'))
  try {
    const src = join(dir, 't.cc')
    // openblas_set_num_threads is needed too (the addon sizes OpenBLAS's pool).
    writeFileSync(src, [
      '#include <cblas.h>',
      'int main(){openblas_set_num_threads(1);float a=1,b=1,c=0;',
      'cblas_sgemm(CblasRowMajor,CblasNoTrans,CblasNoTrans,1,1,1,1.f,&a,1,&b,1,0.f,&c,1);return c==1.f?0:1;}',
      '',
    ].join('\n'))
    const cxx = process.env.CXX || 'c++'
    const r = spawnSync(cxx, [src, ...incs.map((i) => `-I${i}`), ...libs, '-o', join(dir, 't')], { encoding: 'utf8' })
    if (r.status !== 0) return null
    const run = spawnSync(join(dir, 't'), [], { encoding: 'utf8' })
    if (run.status !== 0) return null
    return { incs, libs }
  } catch {
    return null
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

const found = detect()
if (process.env.ADJOINT_BLAS === '1' && !found) {
  console.error('ADJOINT_BLAS=1 but OpenBLAS (cblas.h, libopenblas) was not found: apt-get install libopenblas-dev')
  process.exit(1)
}
if (mode === 'use') console.log(found ? 1 : 0)
else if (mode === 'include_dirs') console.log((found?.incs ?? []).join(' '))
else if (mode === 'libraries') console.log((found?.libs ?? []).join(' '))
