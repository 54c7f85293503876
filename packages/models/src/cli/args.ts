// Argument parsing for the adjoint commands: node:util parseArgs (strict), then
// typed getters that turn bad values into UsageErrors naming the flag.
import { parseArgs } from 'node:util'
import { UsageError } from '../errors.js'

export { UsageError }

export interface FlagSpec {
  type: 'string' | 'boolean'
  short?: string
  /** The flag may be given several times (its value is then a string[]). */
  multiple?: boolean
  /** Shown by --help, e.g. "N: optimizer steps (default: the config's)". */
  help: string
}

export type Flags = Record<string, FlagSpec>

export interface Parsed {
  values: Record<string, string | string[] | boolean | undefined>
  positionals: string[]
}

/**
 * `--flag -5` as `--flag=-5` for the flags that take a value, so a negative
 * number reaches the flag's own check (parseArgs would call it ambiguous).
 */
function joinNegativeValues(argv: readonly string[], flags: Flags): string[] {
  const out: string[] = []
  for (let i = 0; i < argv.length; i++) {
    const name = /^--([^=]+)$/.exec(argv[i])?.[1]
    if (name !== undefined && flags[name]?.type === 'string' && i + 1 < argv.length && /^-(\d|\.\d|Infinity)/.test(argv[i + 1])) {
      out.push(`${argv[i]}=${argv[++i]}`)
    } else out.push(argv[i])
  }
  return out
}

export function parse(command: string, argv: string[], flags: Flags): Parsed {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }> = { help: { type: 'boolean', short: 'h' } }
  for (const [k, f] of Object.entries(flags)) options[k] = { type: f.type, ...(f.short ? { short: f.short } : {}), ...(f.multiple ? { multiple: true } : {}) }
  try {
    const { values, positionals } = parseArgs({ args: joinNegativeValues(argv, flags), options, strict: true, allowPositionals: false })
    return { values: values as Parsed['values'], positionals }
  } catch (e) {
    const msg = (e as Error).message.replace(/\. To specify a positional argument.*$/s, '').replace(/^Unknown option/, 'unknown option')
    throw new UsageError(msg.split('\n')[0])
  }
}

export function helpText(command: string, summary: string, flags: Flags): string {
  const rows = Object.entries(flags).map(([k, f]) => {
    const [arg, ...rest] = f.help.split(': ')
    const left = `  --${k}${f.type === 'string' ? ` ${arg}` : ''}`
    return `${left.padEnd(28)} ${f.type === 'string' ? rest.join(': ') : f.help}`
  })
  return `usage: adjoint ${command} [options]\n\n${summary}\n\noptions:\n${rows.join('\n')}\n  --help                     this text\n`
}

export function str(p: Parsed, name: string): string | undefined {
  const v = p.values[name]
  if (v === undefined) return undefined
  if (typeof v !== 'string' || v === '') throw new UsageError(`--${name} needs a value`)
  return v
}

export function bool(p: Parsed, name: string): boolean {
  return p.values[name] === true
}

export function int(p: Parsed, name: string, opts: { min?: number; max?: number } = {}): number | undefined {
  const s = str(p, name)
  if (s === undefined) return undefined
  const n = Number(s)
  const min = opts.min ?? 1
  if (!/^-?\d+$/.test(s.trim()) || !Number.isSafeInteger(n) || n < min || (opts.max !== undefined && n > opts.max)) {
    throw new UsageError(`--${name} must be an integer ${opts.max !== undefined ? `between ${min} and ${opts.max}` : `>= ${min}`}, got ${JSON.stringify(s)}`)
  }
  return n
}

export function num(p: Parsed, name: string, opts: { min?: number; max?: number; exclusiveMin?: boolean } = {}): number | undefined {
  const s = str(p, name)
  if (s === undefined) return undefined
  const n = Number(s)
  const min = opts.min ?? -Infinity, max = opts.max ?? Infinity
  if (s.trim() === '' || !Number.isFinite(n) || n < min || n > max || (opts.exclusiveMin && n === min)) {
    const range = opts.exclusiveMin ? `> ${min}` : `>= ${min}`
    throw new UsageError(`--${name} must be a number ${max < Infinity ? `in ${opts.exclusiveMin ? '(' : '['}${min}, ${max}]` : range}, got ${JSON.stringify(s)}`)
  }
  return n
}

export function oneOf<T extends string>(p: Parsed, name: string, choices: readonly T[]): T | undefined {
  const s = str(p, name)
  if (s === undefined) return undefined
  if (!(choices as readonly string[]).includes(s)) throw new UsageError(`--${name} must be one of ${choices.join(', ')}, got ${JSON.stringify(s)}`)
  return s as T
}
