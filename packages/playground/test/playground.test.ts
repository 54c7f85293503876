// The built playground in a real browser (Debian's Chromium through
// playwright-core; nothing downloads a browser): every example runs, the
// backward pass is stepped to its end with the arrow keys, and the gradients
// the page draws equal those @adjoint/core computes here in Node for the same
// code; gradcheck flags the broken custom op; errors show adjoint's typed
// message; the spirals train. Screenshots go to test-output/screenshots/.
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs'
import { type Server, createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { dirname, extname, join, normalize } from 'node:path'
import { fileURLToPath } from 'node:url'
import { type Browser, type Page, chromium } from 'playwright-core'
import { build } from 'vite'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { assertClose } from '@adjoint/core/testing'
import { examples } from '../src/examples.js'
import { buildModel, gradsAfter } from '../src/graph-model.js'
import { runCode } from '../src/run.js'

const PKG = join(dirname(fileURLToPath(import.meta.url)), '..')
const OUT = join(PKG, 'test-output')
const SITE = join(OUT, 'site')
const SHOTS = join(OUT, 'screenshots')
const CHROMIUM = process.env.ADJOINT_CHROMIUM ?? '/usr/bin/chromium'
const HAVE_BROWSER = existsSync(CHROMIUM)
// the page runs core's TS kernels, this process may run the native ones: float32 rounding may differ
const TOL = { rtol: 1e-5, atol: 1e-6 }
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run']

// In CI a missing browser is a failure; elsewhere the suite is skipped by name.
if (!HAVE_BROWSER && process.env.CI) {
  it(`Chromium is installed at ${CHROMIUM} (CI installs it with apt)`, () => {
    expect(existsSync(CHROMIUM)).toBe(true)
  })
}

const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.png': 'image/png', '.svg': 'image/svg+xml' }

/** A plain static file server over the built site: what "opens from any web server" means. */
function serve(root: string): Promise<Server> {
  const server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)).replace(/^(\.\.[/\\])+/, '')
    let file = join(root, path)
    if (existsSync(file) && statSync(file).isDirectory()) file = join(file, 'index.html')
    if (!file.startsWith(root) || !existsSync(file)) { res.writeHead(404).end(); return }
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(readFileSync(file))
  })
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)))
}

/** Replaces the editor's code and runs it (the page's window.playground hook). */
const setCode = (page: Page, code: string) => page.evaluate(`window.playground.setCode(${JSON.stringify(code)})`)

describe.skipIf(!HAVE_BROWSER)(`playground in Chromium${HAVE_BROWSER ? '' : ` (skipped: no browser at ${CHROMIUM})`}`, () => {
  let server: Server
  let browser: Browser
  let page: Page
  const errors: string[] = []

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true })
    await build({ root: PKG, configFile: join(PKG, 'vite.config.ts'), logLevel: 'warn', build: { outDir: SITE, emptyOutDir: true } })
    server = await serve(SITE)
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS })
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } })
    page.on('pageerror', (e) => errors.push(e.message))
    await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`)
    await page.waitForSelector('#graph g.node')
  }, 120_000)

  afterAll(async () => {
    await browser?.close()
    await new Promise((r) => (server ? server.close(r) : r(null)))
  })

  for (const ex of examples) {
    it(`${ex.id}: stepping backward to the end shows the gradients core computes in Node`, async () => {
      await page.selectOption('#example', ex.id)
      await page.waitForFunction(`location.hash === '#${ex.id}'`)
      const steps = Number(await page.getAttribute('#step-status', 'data-steps'))
      expect(steps).toBeGreaterThan(0)
      await page.click('h1') // focus out of the editor: the arrow keys step
      const seen = { broadcast: false, accumulates: false }
      for (let k = 1; k <= steps; k++) {
        await page.keyboard.press('ArrowRight')
        expect(await page.getAttribute('#step-status', 'data-position')).toBe(String(k))
        expect(await page.locator('#graph g.node.current').count()).toBeLessThanOrEqual(1)
        if (await page.locator('#step-panel .broadcast').count()) seen.broadcast = true
        if (await page.locator('#step-panel .accumulates').count()) seen.accumulates = true
      }
      await page.keyboard.press('ArrowRight') // past the end: stays
      expect(await page.getAttribute('#step-status', 'data-position')).toBe(String(steps))
      if (ex.id === 'broadcast') expect(seen.broadcast).toBe(true)
      if (ex.id === 'attention') expect(seen.accumulates).toBe(true)

      const shown = await page.$$eval('#graph g.node', (els) => els.map((e) => ({ id: e.getAttribute('data-id')!, label: e.getAttribute('data-label')!, kind: e.getAttribute('data-kind')!, grad: e.getAttribute('data-grad') })))
      const run = runCode(ex.code)
      expect(run.error).toBeNull()
      const model = buildModel(run)
      const held = gradsAfter(model.steps, model.steps.length)
      let leavesChecked = 0
      for (const n of model.nodes) {
        const onPage = shown.find((s) => s.id === n.id)
        expect(onPage, `node ${n.label} drawn`).toBeTruthy()
        expect(onPage!.label).toBe(n.label)
        if (n.kind === 'leaf' && n.value?.grad) {
          // a leaf's .grad, computed by the engine in Node, against what the page accumulated step by step
          expect(onPage!.grad, `leaf ${n.label} shows a gradient`).not.toBeNull()
          assertClose(JSON.parse(onPage!.grad!), Array.from(n.value.grad.contiguousData(), Number), { ...TOL, what: `${ex.id} ${n.label}.grad` })
          leavesChecked++
        } else if (held.has(n.id)) {
          assertClose(JSON.parse(onPage!.grad!), Array.from(held.get(n.id)!.contiguousData(), Number), { ...TOL, what: `${ex.id} grad_${n.label}` })
        }
      }
      expect(leavesChecked).toBeGreaterThan(0)
      await page.screenshot({ path: join(SHOTS, `${ex.id}.png`), fullPage: true })
    })
  }

  it('hovering an op shows its full value and its backward rule', async () => {
    await page.selectOption('#example', 'chain-rule')
    await page.hover('#graph g.node[data-label="u"]')
    const tip = await page.textContent('#tooltip')
    expect(tip).toContain('backward rule')
    expect(tip).toContain('grad_x = 2 * grad_u * x')
    expect(await page.isVisible('#tooltip')).toBe(true)
  })

  it('gradcheck flags the custom op with the wrong backward, worst element highlighted; passes a correct one', async () => {
    await page.selectOption('#example', 'custom-op')
    await page.hover('#graph g.node[data-label="t1"]') // cube's node: its rule is the backward the code wrote
    expect(await page.textContent('#tooltip')).toContain('grad_x = (custom) backward(ctx, g) { const [x] = ctx.savedTensors; return g.mul(x.square()) }')
    await page.click('#gradcheck')
    const box = page.locator('#gradcheck-panel .gradcheck')
    expect(await box.getAttribute('data-ok')).toBe('false')
    expect(await box.locator('.verdict').textContent()).toMatch(/^GradcheckError: gradcheck: Jacobian mismatch .*"x"/)
    // x = [0.5, -1, 2]: analytic x² vs numerical 3x², worst where |x| is largest
    expect(await box.locator('tr.worst td').first().textContent()).toBe('2')
    await page.screenshot({ path: join(SHOTS, 'custom-op-gradcheck.png'), fullPage: true })
    await page.selectOption('#example', 'chain-rule')
    await page.click('#gradcheck')
    expect(await page.locator('#gradcheck-panel .gradcheck').getAttribute('data-ok')).toBe('true')
  })

  it('errors in user code show inline with adjoint\'s typed message and line', async () => {
    await setCode(page, 'const a = tensor([1, 2, 3])\nconst b = tensor([1, 2])\nreturn a.add(b)')
    expect(await page.textContent('#error')).toBe('ShapeError: add: shapes [3] and [2] cannot be broadcast (dim 0: 3 vs 2)  (line 3)')
    expect(await page.locator('.cm-lintRange-error').count()).toBe(1)
    await setCode(page, 'const x = tensor([1, 2], { requiresGrad: true })\nconst y = x.exp().sum()\ny.backward()\ny.backward()\nreturn y')
    expect(await page.textContent('#error')).toMatch(/^AutogradError: backward: trying to backward through the graph a second time .*\(line 4\)$/)
    await page.screenshot({ path: join(SHOTS, 'error.png'), fullPage: true })
  })

  it('a graph too big to lay out says so, and its backward pass can still be stepped', async () => {
    await setCode(page, 'let x = tensor(0.5, { requiresGrad: true })\nlet y = x\nfor (let i = 0; i < 500; i++) y = y.sin()\ny.backward()\nreturn y')
    expect(await page.textContent('#graph .too-big')).toBe('501 nodes: too many to draw (at most 400); the stepper still works')
    await page.click('#step-last')
    expect(await page.getAttribute('#step-status', 'data-position')).toBe('500')
  })

  it('trains the spirals: the loss falls within a few seconds', async () => {
    await page.click('.tab[data-page="training"]')
    await page.evaluate(`(() => { const lr = document.querySelector('#lr'); lr.value = '1.2'; lr.dispatchEvent(new Event('input')) })()`)
    expect(await page.textContent('#lr-value')).toBe('1.20')
    await page.click('#train-toggle')
    await page.waitForFunction(`Number(document.querySelector('#train-status').dataset.steps ?? 0) >= 100`, null, { timeout: 20_000 })
    await page.click('#train-toggle')
    const status = page.locator('#train-status')
    const first = Number(await status.getAttribute('data-first-loss')), last = Number(await status.getAttribute('data-loss'))
    expect(first).toBeGreaterThan(0.6)
    expect(last).toBeLessThan(first * 0.95)
    await page.screenshot({ path: join(SHOTS, 'training.png'), fullPage: true })
    expect(errors).toEqual([])
  })
})
