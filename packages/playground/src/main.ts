// The page: an example picker and editor, the graph, the backward stepper,
// the gradcheck report, and the training tab.
import './style.css'
import { createEditor } from './editor.js'
import { examples } from './examples.js'
import { fmtShape, full } from './format.js'
import { type GraphModel, buildModel, gradsAfter } from './graph-model.js'
import { GraphView } from './graph-view.js'
import { runGradcheck } from './gradcheck.js'
import { type RunResult, runCode, scopeNames } from './run.js'
import { setupTraining } from './training-view.js'

const $ = <T extends HTMLElement>(sel: string) => document.querySelector<T>(sel)!

const picker = $<HTMLSelectElement>('#example')
const errorBox = $('#error')
const stepPanel = $('#step-panel')
const stepStatus = $('#step-status')
const gradcheckPanel = $('#gradcheck-panel')
const graph = new GraphView(document.querySelector<SVGSVGElement>('#graph')!, $('#tooltip'))
const editor = createEditor($('#editor'), scopeNames, () => run())

let result: RunResult | null = null
let model: GraphModel = { nodes: [], edges: [], steps: [] }
/** How many backward steps have been taken (0..steps.length). */
let position = 0

for (const e of examples) picker.add(new Option(e.title, e.id))
picker.addEventListener('change', () => loadExample(picker.value))

function loadExample(id: string): void {
  const ex = examples.find((e) => e.id === id) ?? examples[0]
  picker.value = ex.id
  editor.setCode(ex.code)
  history.replaceState(null, '', `#${ex.id}`)
  run()
}

function run(): void {
  result = runCode(editor.getCode())
  editor.showError(result.error)
  errorBox.hidden = result.error === null
  if (result.error) {
    const { name, message, line } = result.error
    errorBox.textContent = `${name}: ${message}${line !== undefined ? `  (line ${line})` : ''}`
    errorBox.dataset.errorName = name
  }
  model = buildModel(result)
  gradcheckPanel.replaceChildren()
  $<HTMLButtonElement>('#gradcheck').disabled = !result.checks.length
  position = 0
  render()
}

function go(to: number): void {
  position = Math.max(0, Math.min(model.steps.length, to))
  render()
}

function render(): void {
  const step = position > 0 ? model.steps[position - 1] : null
  graph.show(model, { step, held: gradsAfter(model.steps, position) })
  const n = model.steps.length
  stepStatus.textContent = n === 0
    ? (model.nodes.length ? 'no backward pass: call .backward() on the result' : '')
    : `backward step ${position} / ${n}${step && step.passes > 1 ? ` (pass ${step.pass + 1} of ${step.passes})` : ''}`
  stepStatus.dataset.position = String(position)
  stepStatus.dataset.steps = String(n)
  for (const [sel, disabled] of [['#step-first', position === 0], ['#step-prev', position === 0], ['#step-next', position === n], ['#step-last', position === n]] as const) $<HTMLButtonElement>(sel).disabled = disabled
  stepPanel.replaceChildren()
  if (!step) {
    if (n > 0) stepPanel.append(para(`Press → (or "next") to run the engine's first backward step: it starts at the output with gradient 1.`))
    return
  }
  stepPanel.append(para(`${step.label} = ${step.op}: its backward runs with the incoming gradient`, 'step-title'))
  stepPanel.append(pre(`grad_${step.label} ${fmtShape(step.grad.shape)} = ${full(step.grad, 64)}`, 'incoming'))
  if (step.deliveries.length === 0) stepPanel.append(para('no input of this node needs a gradient'))
  for (const d of step.deliveries) {
    const div = document.createElement('div')
    div.className = 'delivery'
    div.append(para(`to ${d.toLabel}: grad_${d.toLabel} ${d.accumulates ? '+=' : '='} ${d.rule}`, 'rule'))
    if (d.broadcast) div.append(para(`the rule gives ${fmtShape(d.sent.shape)}; ${d.toLabel} is ${fmtShape(d.received.shape)}, so the engine sums over the broadcast dims`, 'broadcast'))
    if (d.accumulates) div.append(para(`${d.toLabel} already got a gradient in this pass (it is used more than once): this one is added to it`, 'accumulates'))
    div.append(pre(full(d.received, 64), 'sent'))
    stepPanel.append(div)
  }
}

const para = (text: string, cls = '') => { const p = document.createElement('p'); p.textContent = text; p.className = cls; return p }
const pre = (text: string, cls = '') => { const p = document.createElement('pre'); p.textContent = text; p.className = cls; return p }

$('#run').addEventListener('click', () => run())
$('#step-first').addEventListener('click', () => go(0))
$('#step-prev').addEventListener('click', () => go(position - 1))
$('#step-next').addEventListener('click', () => go(position + 1))
$('#step-last').addEventListener('click', () => go(model.steps.length))
document.addEventListener('keydown', (ev) => {
  if ((ev.target as HTMLElement | null)?.closest('.cm-editor, input, select')) return
  if (ev.key === 'ArrowRight' || ev.key === 'ArrowDown') { go(position + 1); ev.preventDefault() }
  else if (ev.key === 'ArrowLeft' || ev.key === 'ArrowUp') { go(position - 1); ev.preventDefault() }
  else if (ev.key === 'Home') go(0)
  else if (ev.key === 'End') go(model.steps.length)
})

$('#gradcheck').addEventListener('click', () => {
  gradcheckPanel.replaceChildren()
  for (const req of result?.checks ?? []) showGradcheck(runGradcheck(req))
})

function showGradcheck(report: ReturnType<typeof runGradcheck>): void {
  const box = document.createElement('div')
  box.className = `gradcheck ${report.ok ? 'ok' : 'failed'}`
  box.dataset.ok = String(report.ok)
  box.append(para(report.ok ? `gradcheck ${report.message}` : `${report.errorName}: ${report.message}`, 'verdict'))
  for (const inp of report.inputs) {
    box.append(para(`${inp.label} ${fmtShape(inp.shape)}: ${inp.ok ? 'matches' : 'MISMATCH'}, largest |analytic - numerical| ${inp.maxError.toPrecision(3)} at element ${inp.worst}`, inp.ok ? 'input-ok' : 'input-bad'))
    const table = document.createElement('table')
    table.innerHTML = '<tr><th>element</th><th>analytic</th><th>numerical</th></tr>'
    inp.analytic.slice(0, 64).forEach((a, e) => {
      const tr = table.insertRow()
      if (e === inp.worst) tr.className = 'worst'
      for (const v of [String(e), a.toPrecision(6), inp.numerical[e].toPrecision(6)]) tr.insertCell().textContent = v
    })
    table.dataset.input = inp.label
    box.append(table)
  }
  gradcheckPanel.append(box)
}

// tabs
for (const tab of document.querySelectorAll<HTMLButtonElement>('.tab')) {
  tab.addEventListener('click', () => {
    for (const t of document.querySelectorAll<HTMLButtonElement>('.tab')) t.classList.toggle('selected', t === tab)
    for (const p of document.querySelectorAll<HTMLElement>('.tab-page')) p.hidden = p.id !== tab.dataset.page
  })
}
setupTraining($('#training'))

/** For the browser test and the console: replace the editor's code and run it. */
declare global { interface Window { playground: unknown } }
window.playground = { setCode: (code: string) => { editor.setCode(code); run() } }

loadExample(location.hash.slice(1) || examples[0].id)
