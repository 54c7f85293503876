// Hugging Face model folders, both ways. saveHuggingFace writes what
// transformers' from_pretrained loads as is (config.json in HF's schema,
// model.safetensors in HF's names and layout with `format: pt`, the tokenizer
// files); fromPretrained builds adjoint's model from such a folder (GPT-2,
// BERT, T5), whether adjoint or transformers wrote it.
import { existsSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { encodeSafetensors, loadWithMetadata, type Module, type StateDict } from '@adjoint/nn'
import { CheckpointError } from '../errors.js'
import type { Tokenizer } from '../tokenizers/index.js'
import { kindOfModel, kindOfModelType, type HuggingFaceKind } from '../registry.js'
import { asFloat32 } from './state-dict.js'
import { writeFolderAtomic } from './folder.js'
import { tokenizerFromFolder, tokenizerToHuggingFace } from './tokenizer-files.js'

export interface SaveHuggingFaceResult {
  dir: string
  files: string[]
  /** What Hugging Face has no equivalent for (e.g. a char-level tokenizer). */
  notes: string[]
}

/** The context length a model was built for (the tokenizer's model_max_length). */
function contextLength(hf: Record<string, unknown>): number {
  return Number(hf.n_positions ?? hf.max_position_embeddings ?? 512)
}

/** Writes `model` (GPT, BertForMaskedLM or T5ForConditionalGeneration) and its tokenizer as a Hugging Face folder, atomically. */
export function saveHuggingFace(model: Module, tokenizer: Tokenizer | null, dir: string, opts: { overwrite?: boolean } = {}): SaveHuggingFaceResult {
  const kind = kindOfModel(model)
  const config = kind.configToHF(model, tokenizer)
  const files: Record<string, Uint8Array | string> = {
    'config.json': JSON.stringify(config, null, 2) + '\n',
    'model.safetensors': encodeSafetensors(kind.stateToHF(model), { metadata: { format: 'pt' } }),
  }
  const notes: string[] = []
  if (tokenizer) {
    const t = tokenizerToHuggingFace(tokenizer, contextLength(config))
    Object.assign(files, t.files)
    notes.push(...t.notes)
  } else notes.push('no tokenizer was given: the folder has the model only')
  writeFolderAtomic(dir, files, opts)
  return { dir, files: Object.keys(files), notes }
}

/** True for a folder whose config.json names a Hugging Face model_type. */
export function isHuggingFaceFolder(dir: string): boolean {
  const file = join(dir, 'config.json')
  if (!existsSync(file)) return false
  try {
    const c = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>
    return typeof c.model_type === 'string' && c.format === undefined
  } catch {
    return false
  }
}

export interface HuggingFaceFolder {
  dir: string
  kind: HuggingFaceKind
  /** config.json as written. */
  hfConfig: Record<string, unknown>
  /** adjoint's model config. */
  config: object
  tokenizer: Tokenizer | null
  tokenizerProblem?: string
  /** The weights, read and mapped to adjoint's names and layout (float32). */
  weights(): StateDict
}

function readTensors(dir: string): StateDict {
  const single = join(dir, 'model.safetensors'), index = join(dir, 'model.safetensors.index.json')
  const load = (file: string) => {
    try {
      return loadWithMetadata(file).tensors
    } catch (e) {
      throw new CheckpointError(`cannot read ${file}: ${(e as Error).message}`)
    }
  }
  if (existsSync(single)) return load(single)
  if (existsSync(index)) {
    const map = (JSON.parse(readFileSync(index, 'utf8')) as { weight_map?: Record<string, string> }).weight_map ?? {}
    const out: StateDict = {}
    for (const shard of new Set(Object.values(map))) Object.assign(out, load(join(dir, shard)))
    return out
  }
  const bin = existsSync(join(dir, 'pytorch_model.bin'))
  throw new CheckpointError(`${dir} has no model.safetensors${bin ? ' (only pytorch_model.bin, a pickle adjoint does not read: convert it with the safetensors package, see docs/huggingface.md)' : ''}`)
}

/** Opens a Hugging Face folder: its kind, configs and tokenizer; the weights are read on demand. */
export function openHuggingFaceFolder(dir: string): HuggingFaceFolder {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new CheckpointError(`${dir} is not a folder`)
  const file = join(dir, 'config.json')
  if (!existsSync(file)) throw new CheckpointError(`${dir} has no config.json: not a Hugging Face model folder`)
  let hfConfig: Record<string, unknown>
  try {
    hfConfig = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>
  } catch (e) {
    throw new CheckpointError(`${file} is not valid JSON (${(e as Error).message})`)
  }
  const kind = kindOfModelType(hfConfig.model_type, file)
  const config = kind.configFromHF(hfConfig)
  const { tokenizer, problem } = tokenizerFromFolder(dir)
  return { dir, kind, hfConfig, config, tokenizer, tokenizerProblem: problem, weights: () => kind.stateFromHF(asFloat32(readTensors(dir)), config) }
}

/** Loads the weights of an opened folder into `model`; a mismatch is a CheckpointError naming the folder. */
export function loadHuggingFaceWeights(folder: HuggingFaceFolder, model: Module): void {
  try {
    model.loadStateDict(folder.weights())
  } catch (e) {
    if (e instanceof CheckpointError) throw e
    throw new CheckpointError(`${join(folder.dir, 'model.safetensors')} does not fit the model its config.json describes: ${(e as Error).message}`)
  }
}

export interface Pretrained {
  kind: 'gpt' | 'bert' | 't5'
  model: Module
  config: object
  tokenizer: Tokenizer | null
  tokenizerProblem?: string
}

/** A model (and its tokenizer, if the folder has one adjoint reads) from a Hugging Face folder; eval mode. */
export function fromPretrained(dir: string): Pretrained {
  const f = openHuggingFaceFolder(dir)
  const model = f.kind.build(f.config)
  loadHuggingFaceWeights(f, model)
  model.eval()
  return { kind: f.kind.kind, model, config: f.config, tokenizer: f.tokenizer, tokenizerProblem: f.tokenizerProblem }
}
