import { Generator } from '@adjoint/core'
import { describe, expect, it } from 'vitest'
import { CharTokenizer, DataError, labeledTask, parseLabeled, stratifiedSplit, type LabeledTexts } from '../../src/index.js'

const tok = CharTokenizer.fromText('abcdefghijklmnopqrstuvwxyz ')

function texts(rows: [string, string][], name = 'd.csv'): LabeledTexts {
  return { texts: rows.map((r) => r[0]), labels: rows.map((r) => r[1]), where: rows.map((_, i) => `${name} line ${i + 2}`) }
}

describe('the held-out split', () => {
  it('holds out the fraction of each class, keeps one of each for training, and is seeded', () => {
    const labels = [...Array(10).fill('a'), ...Array(5).fill('b'), 'c']
    const s = stratifiedSplit(labels, 0.2, 7)
    const count = (idx: number[], l: string) => idx.filter((i) => labels[i] === l).length
    expect([count(s.val, 'a'), count(s.val, 'b'), count(s.val, 'c')]).toEqual([2, 1, 0])
    expect([...s.train, ...s.val].sort((x, y) => x - y)).toEqual(labels.map((_, i) => i))
    expect(stratifiedSplit(labels, 0.2, 7)).toEqual(s)
    expect(stratifiedSplit(labels, 0.2, 8)).not.toEqual(s)
    expect(() => stratifiedSplit(labels, 1, 7)).toThrow(/fraction must be in \(0, 1\), got 1/)
  })
})

describe('labelled texts as a task', () => {
  const rows: [string, string][] = [['good fun', 'pos'], ['great', 'pos'], ['so nice', 'pos'], ['bad', 'neg'], ['awful stuff', 'neg'], ['dull', 'neg']]

  it('maps the training labels to classes in sorted order and encodes the held-out examples', () => {
    const t = labeledTask(tok, texts(rows), { name: 'd.csv', block: 100, truncate: 'last', valFraction: 0.34 })
    expect(t.labels).toEqual(['neg', 'pos'])
    expect(t.trainCount).toBe(4)
    expect(t.heldOut.labels.length).toBe(2)
    expect([...t.heldOut.labels].sort()).toEqual([0, 1])
    const b = t.sample(new Generator(1), 16)
    expect(b.ids).toHaveLength(16)
    b.ids.forEach((ids, i) => {
      const row = rows.find((r) => r[0] === tok.decode(ids))!
      expect(t.labels[b.labels[i]]).toBe(row[1])
    })
  })

  it('orders numeric labels numerically', () => {
    const t = labeledTask(tok, texts([['a', '10'], ['b', '9'], ['c', '10'], ['d', '9']]), { name: 'x', block: 8, truncate: 'last', val: texts([['e', '9']]) })
    expect(t.labels).toEqual(['9', '10'])
  })

  it('cuts long texts to the block: the last tokens for a decoder, the first for an encoder', () => {
    const long: [string, string][] = [['abcdefghij', 'x'], ['klm', 'y']]
    const val = texts([['uvwxyz', 'x']])
    const last = labeledTask(tok, texts(long), { name: 'x', block: 4, truncate: 'last', val })
    const first = labeledTask(tok, texts(long), { name: 'x', block: 4, truncate: 'first', val })
    expect(tok.decode(last.heldOut.ids[0])).toBe('wxyz')
    expect(tok.decode(first.heldOut.ids[0])).toBe('uvwx')
    expect(last.truncated).toBe(2)
    const drawn = last.sample(new Generator(0), 20).ids.map((ids) => tok.decode(ids))
    expect(new Set(drawn)).toEqual(new Set(['ghij', 'klm']))
  })

  it('one-line errors: a label only in the held-out file, a single class, text the tokenizer cannot encode', () => {
    const o = { name: 'd.csv', block: 16, truncate: 'last' as const }
    expect(() => labeledTask(tok, texts(rows), { ...o, val: texts([['meh', 'neutral']], 'v.csv') })).toThrow(DataError)
    expect(() => labeledTask(tok, texts(rows), { ...o, val: texts([['meh', 'neutral']], 'v.csv') })).toThrow(/^v\.csv line 2: label "neutral" appears only in the held-out data, never in the training data \(whose labels are "neg", "pos"\)$/)
    expect(() => labeledTask(tok, texts([['a', 'x'], ['b', 'x']]), o)).toThrow(/^d\.csv: only one class \("x"\) in the training data; a classifier needs at least two$/)
    expect(() => labeledTask(tok, texts([['a', 'x'], ['b', 'y']]), o)).toThrow(/no held-out examples \(each class has a single example\)/)
    expect(() => labeledTask(tok, texts([...rows, ['ÜBER', 'pos']]), { ...o, val: texts([['ok', 'pos']]) })).toThrow(/^d\.csv line 8: the checkpoint's tokenizer cannot encode the text \(/)
  })

  it('reads what the file parser gives (CSV with quoted newlines)', () => {
    const t = labeledTask(CharTokenizer.fromText('abcdexy\n'), parseLabeled('text,label\n"a\nb",x\nc,y\nd,x\ne,y\n', 'csv', 'n.csv'), { name: 'n.csv', block: 8, truncate: 'first', valFraction: 0.5 })
    expect(t.labels).toEqual(['x', 'y'])
    expect(t.heldOut.labels.length + t.trainCount).toBe(4)
  })
})
