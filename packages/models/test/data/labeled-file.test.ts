import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { DataError, labeledFormat, parseLabeled, readLabeledFile } from '../../src/index.js'
import { tempDir } from '../helpers.js'

describe('CSV labelled texts', () => {
  it('reads quoted fields with commas, doubled quotes and newlines, any column order', () => {
    const csv = 'id,label,text\n1,pos,"Great, really ""great"" film"\n2,neg,"line one\nline two"\n'
    const r = parseLabeled(csv, 'csv', 'r.csv')
    expect(r.texts).toEqual(['Great, really "great" film', 'line one\nline two'])
    expect(r.labels).toEqual(['pos', 'neg'])
    expect(r.where).toEqual(['r.csv line 2', 'r.csv lines 3-4'])
  })

  it('drops a byte-order mark, accepts CRLF line ends and skips blank lines', () => {
    const r = parseLabeled('\uFEFFtext,label\r\nfirst,a\r\n\r\n"second\r\nhalf",b\r\n', 'csv', 'w.csv')
    expect(r.texts).toEqual(['first', 'second\r\nhalf'])
    expect(r.labels).toEqual(['a', 'b'])
  })

  it('takes other column names with textCol / labelCol, and tab-separated files', () => {
    const r = parseLabeled('review\tstars\nnice\t5\n', 'tsv', 'r.tsv', { textCol: 'review', labelCol: 'stars' })
    expect(r).toMatchObject({ texts: ['nice'], labels: ['5'] })
  })

  it('names a missing column, the header and the flags', () => {
    expect(() => parseLabeled('review,stars\nnice,5\n', 'csv', 'r.csv')).toThrow(DataError)
    expect(() => parseLabeled('review,stars\nnice,5\n', 'csv', 'r.csv')).toThrow(/^r\.csv: no column "text" or "label" in its header \("review", "stars"\); name the columns with --text-col and --label-col/)
  })

  it('one-line errors for an empty label, an empty text, ragged rows, an empty file', () => {
    expect(() => parseLabeled('text,label\nhello,\n', 'csv', 'r.csv')).toThrow(/^r\.csv line 2: the label is empty$/)
    expect(() => parseLabeled('text,label\n  ,a\n', 'csv', 'r.csv')).toThrow(/^r\.csv line 2: the text is empty$/)
    expect(() => parseLabeled('text,label\nhello,a,extra\n', 'csv', 'r.csv')).toThrow(/^r\.csv is not valid CSV: /)
    expect(() => parseLabeled('', 'csv', 'r.csv')).toThrow(/^r\.csv is empty/)
    expect(() => parseLabeled('text,label\n', 'csv', 'r.csv')).toThrow(/^r\.csv has no examples$/)
  })
})

describe('JSONL labelled texts', () => {
  it('reads one object per line; numeric labels become strings; BOM, CRLF and blank lines are fine', () => {
    const r = parseLabeled('\uFEFF{"text": "a \\"quoted\\"\\nline", "label": 1}\r\n\r\n{"label": "x", "text": "b", "extra": 0}\r\n', 'jsonl', 'd.jsonl')
    expect(r.texts).toEqual(['a "quoted"\nline', 'b'])
    expect(r.labels).toEqual(['1', 'x'])
    expect(r.where).toEqual(['d.jsonl line 1', 'd.jsonl line 3'])
  })

  it('errors name the line: bad JSON, a missing field, a non-string text, a non-object', () => {
    expect(() => parseLabeled('{"text": "a", "label": "b"}\n{oops}\n', 'jsonl', 'd.jsonl')).toThrow(/^d\.jsonl line 2 is not valid JSON/)
    expect(() => parseLabeled('{"text": "a"}\n', 'jsonl', 'd.jsonl')).toThrow(/^d\.jsonl line 1: no field "label" \(it has "text"\); name the columns with --text-col/)
    expect(() => parseLabeled('{"text": 3, "label": "b"}\n', 'jsonl', 'd.jsonl')).toThrow(/^d\.jsonl line 1: "text" must be a string, got 3$/)
    expect(() => parseLabeled('["a", "b"]\n', 'jsonl', 'd.jsonl')).toThrow(/^d\.jsonl line 1: expected an object/)
    expect(() => parseLabeled('{"text": "a", "label": null}\n', 'jsonl', 'd.jsonl')).toThrow(/must be a string or a number, got null/)
  })
})

describe('reading a labelled file', () => {
  it('picks the format by extension, else by the first character', () => {
    expect(labeledFormat('a.CSV', '{')).toBe('csv')
    expect(labeledFormat('a.jsonl', 'text')).toBe('jsonl')
    expect(labeledFormat('a.txt', '\uFEFF {"text"')).toBe('jsonl')
    expect(labeledFormat('a.txt', 'text,label')).toBe('csv')
  })

  it('reads from disk and says when the file is missing', () => {
    const dir = tempDir('adjoint-labeled-')
    writeFileSync(join(dir, 'd.jsonl'), '{"text": "hi", "label": "greeting"}\n')
    expect(readLabeledFile(join(dir, 'd.jsonl')).labels).toEqual(['greeting'])
    expect(() => readLabeledFile(join(dir, 'nope.csv'))).toThrow(/^cannot read .*nope\.csv: no such file$/)
  })
})
