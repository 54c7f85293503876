// The training tab: trains the spirals MLP in slices of ~30 ms between frames,
// redraws the loss curve and the decision boundary, reads the learning rate
// from the slider at every step.
import { SpiralTrainer, makeSpirals } from './training.js'

const EXTENT = 1.25
const GRID = 48

export function setupTraining(root: HTMLElement): void {
  const boundary = root.querySelector<HTMLCanvasElement>('#boundary')!
  const curve = root.querySelector<HTMLCanvasElement>('#loss-curve')!
  const slider = root.querySelector<HTMLInputElement>('#lr')!
  const lrText = root.querySelector<HTMLElement>('#lr-value')!
  const button = root.querySelector<HTMLButtonElement>('#train-toggle')!
  const reset = root.querySelector<HTMLButtonElement>('#train-reset')!
  const status = root.querySelector<HTMLElement>('#train-status')!
  const data = makeSpirals()
  let trainer = new SpiralTrainer(data)
  let running = false
  let timer: number | null = null

  const lr = () => Number(slider.value)
  slider.addEventListener('input', () => { lrText.textContent = lr().toFixed(2) })
  lrText.textContent = lr().toFixed(2)

  const draw = () => {
    drawBoundary(boundary, trainer, data.X.contiguousData(), data.Y.contiguousData())
    drawCurve(curve, trainer.losses)
    const losses = trainer.losses
    if (losses.length) {
      status.dataset.firstLoss = String(losses[0])
      status.dataset.loss = String(losses[losses.length - 1])
      status.dataset.steps = String(losses.length)
      status.textContent = `step ${losses.length}  loss ${losses[losses.length - 1].toFixed(4)}  accuracy ${(trainer.accuracy() * 100).toFixed(1)}%`
    } else status.textContent = 'not started'
  }
  const tick = () => {
    const until = performance.now() + 30
    while (performance.now() < until) trainer.step(lr())
    draw()
    timer = running ? window.setTimeout(tick, 0) : null
  }
  button.addEventListener('click', () => {
    running = !running
    button.textContent = running ? 'Pause' : 'Train'
    if (running && timer === null) tick()
  })
  reset.addEventListener('click', () => { trainer = new SpiralTrainer(data); draw() })
  draw()
}

function drawBoundary(canvas: HTMLCanvasElement, trainer: SpiralTrainer, X: ArrayLike<number>, Y: ArrayLike<number>): void {
  const ctx = canvas.getContext('2d')!
  const size = canvas.width
  const probs = trainer.probabilities(GRID, EXTENT)
  const cell = size / GRID
  for (let i = 0; i < GRID; i++) for (let j = 0; j < GRID; j++) {
    const p = probs[i * GRID + j]
    ctx.fillStyle = `rgb(${Math.round(255 - 90 * p)}, ${Math.round(225 - 40 * Math.abs(p - 0.5))}, ${Math.round(165 + 90 * p)})`
    ctx.fillRect(j * cell, i * cell, cell + 1, cell + 1)
  }
  for (let k = 0; k < Y.length; k++) {
    const x = ((X[2 * k] + EXTENT) / (2 * EXTENT)) * size, y = ((EXTENT - X[2 * k + 1]) / (2 * EXTENT)) * size
    ctx.fillStyle = Y[k] > 0.5 ? '#1c4fd8' : '#d9480f'
    ctx.beginPath(); ctx.arc(x, y, 2.5, 0, 2 * Math.PI); ctx.fill()
  }
}

function drawCurve(canvas: HTMLCanvasElement, losses: readonly number[]): void {
  const ctx = canvas.getContext('2d')!
  const { width, height } = canvas
  ctx.clearRect(0, 0, width, height)
  ctx.strokeStyle = '#ccc'; ctx.strokeRect(0.5, 0.5, width - 1, height - 1)
  if (losses.length < 2) return
  const max = Math.max(...losses), min = 0
  ctx.strokeStyle = '#1c4fd8'; ctx.lineWidth = 1.5
  ctx.beginPath()
  losses.forEach((l, i) => {
    const x = (i / (losses.length - 1)) * (width - 8) + 4, y = height - 4 - ((l - min) / (max - min || 1)) * (height - 8)
    if (i) ctx.lineTo(x, y); else ctx.moveTo(x, y)
  })
  ctx.stroke()
  ctx.fillStyle = '#333'; ctx.font = '11px sans-serif'
  ctx.fillText(`loss ${losses[losses.length - 1].toFixed(4)} (start ${losses[0].toFixed(3)})`, 8, 14)
}
