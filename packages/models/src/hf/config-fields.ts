// A model config as Hugging Face's config.json fields and back: the same
// fields, camelCase here (hiddenSize) and snake_case there (hidden_size).
// BERT's and T5's configs use it; each adds its model_type and architectures.

const snake = (k: string) => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)
const camel = (k: string) => k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase())

/** Every field of `config` under its snake_case name, after `header` (model_type, architectures, ...). */
export function configToHF(config: object, header: Record<string, unknown> = {}): Record<string, unknown> {
  const out: Record<string, unknown> = { ...header }
  for (const [k, v] of Object.entries(config)) out[snake(k)] = v
  return out
}

/** The fields of Hugging Face's config.json that `defaults` has (camelCased); unknown fields are ignored. */
export function configFieldsFromHF<T extends object>(hf: Record<string, unknown>, defaults: T): Partial<T> {
  const known = new Set(Object.keys(defaults))
  const o: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(hf)) if (known.has(camel(k))) o[camel(k)] = v
  return o as Partial<T>
}

/** The object without its undefined fields (so they do not override defaults when spread). */
export function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>
}
