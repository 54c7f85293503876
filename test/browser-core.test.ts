// @adjoint/core in a real browser: a page importing it is bundled with Vite and
// opened in headless Chromium (Debian's, driven by playwright-core with its
// executable path; nothing downloads a browser). The page computes a gradient,
// a gradcheck and a gradgradcheck; the numbers must match the closed form.
// Without a browser the test is skipped by name, except in CI, where it fails.
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium } from 'playwright-core'
import { build, defaultClientConditions, preview } from 'vite'
import { describe, expect, it } from 'vitest'
import { assertClose } from '@adjoint/core/testing'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const CHROMIUM = process.env.ADJOINT_CHROMIUM ?? '/usr/bin/chromium'
const HAVE_BROWSER = existsSync(CHROMIUM)
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run']

interface PageResult { grad: number[]; gradDtype: string; gradcheck: boolean; gradgradcheck: boolean; brokenGradcheck: boolean; userAgent: string }

if (!HAVE_BROWSER && process.env.CI) {
  it(`Chromium is installed at ${CHROMIUM} (CI installs it with apt)`, () => { expect(existsSync(CHROMIUM)).toBe(true) })
}

describe.skipIf(!HAVE_BROWSER)(`@adjoint/core bundled by Vite, in headless Chromium${HAVE_BROWSER ? '' : ` (skipped: no browser at ${CHROMIUM})`}`, () => {
  it('computes a gradient, a gradcheck and a gradgradcheck in the page', async () => {
    const page = join(root, 'test/fixtures/browser-core')
    const outDir = mkdtempSync(join(tmpdir(), 'adjoint-browser-'))
    // the .ts sources through the "source" condition, as everywhere in the tests
    const config = { root: page, configFile: false as const, logLevel: 'warn' as const, base: './', resolve: { conditions: ['source', ...defaultClientConditions] } }
    await build({ ...config, build: { outDir, emptyOutDir: true, target: 'es2022' } })
    const server = await preview({ ...config, build: { outDir }, preview: { port: 0, host: '127.0.0.1', strictPort: false } })
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS })
    try {
      const tab = await browser.newPage()
      const errors: string[] = []
      tab.on('pageerror', (e) => errors.push(e.message))
      await tab.goto(server.resolvedUrls!.local[0]!)
      await tab.waitForFunction('window.adjointResult !== undefined || document.getElementById("out").textContent !== "running"', null, { timeout: 60_000 })
      expect(errors).toEqual([])
      const r = await tab.evaluate('window.adjointResult') as PageResult
      expect(r.userAgent).toMatch(/HeadlessChrome|Chrome/)
      // d/dx sum(x * sigmoid(x)) = s + x s (1 - s)
      const xs = [0.5, -1.2, 2, 0.7]
      const expected = xs.map((v) => { const s = 1 / (1 + Math.exp(-v)); return s + v * s * (1 - s) })
      expect(r.gradDtype).toBe('float32')
      assertClose(r.grad, expected, { rtol: 1e-6, atol: 1e-6, what: 'gradient in the browser' })
      expect(r.gradcheck).toBe(true)
      expect(r.gradgradcheck).toBe(true)
      expect(r.brokenGradcheck).toBe(false)
    } finally {
      await browser.close()
      await new Promise((done) => server.httpServer.close(done))
      rmSync(outDir, { recursive: true, force: true })
    }
  }, 120_000)
})
