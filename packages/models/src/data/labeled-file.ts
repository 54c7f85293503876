// A user's labelled texts for `adjoint finetune --data FILE`: CSV (a header row
// naming the columns; csv-parse handles quotes, newlines inside quoted fields,
// a byte-order mark and CRLF) or JSONL (one {"text": ..., "label": ...} object
// per line). Labels are strings; numbers are taken as their decimal text.
import { readFileSync } from 'node:fs'
import { basename, extname } from 'node:path'
import { parse as parseCsv } from 'csv-parse/sync'
import { DataError } from '../errors.js'

export interface LabeledTexts {
  texts: string[]
  labels: string[]
  /** Where each example is, for error messages: "reviews.csv line 7". */
  where: string[]
}

export interface ColumnNames {
  /** CSV column / JSONL field holding the text (default "text"). */
  textCol?: string
  /** CSV column / JSONL field holding the label (default "label"). */
  labelCol?: string
}

export type LabeledFormat = 'csv' | 'tsv' | 'jsonl'

/** The format by extension (.csv, .tsv, .jsonl/.ndjson/.json); otherwise JSONL when the first character is "{", else CSV. */
export function labeledFormat(path: string, content: string): LabeledFormat {
  const ext = extname(path).toLowerCase()
  if (ext === '.csv') return 'csv'
  if (ext === '.tsv') return 'tsv'
  if (ext === '.jsonl' || ext === '.ndjson' || ext === '.json') return 'jsonl'
  return content.replace(/^\uFEFF/, '').trimStart().startsWith('{') ? 'jsonl' : 'csv'
}

/** Reads a labelled file; DataError (one line, naming the file and line) for anything it cannot use. */
export function readLabeledFile(path: string, cols: ColumnNames = {}): LabeledTexts {
  let content: string
  try {
    content = readFileSync(path, 'utf8')
  } catch (e) {
    throw new DataError(`cannot read ${path}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`)
  }
  return parseLabeled(content, labeledFormat(path, content), basename(path), cols)
}

/** Parses labelled examples from a file's content; `name` is used in error messages. */
export function parseLabeled(content: string, format: LabeledFormat, name: string, cols: ColumnNames = {}): LabeledTexts {
  const textCol = cols.textCol ?? 'text', labelCol = cols.labelCol ?? 'label'
  const out = format === 'jsonl' ? parseJsonl(content, name, textCol, labelCol) : parseDelimited(content, format === 'tsv' ? '\t' : ',', name, textCol, labelCol)
  if (out.texts.length === 0) throw new DataError(`${name} has no examples`)
  return out
}

function columnHint(textCol: string, labelCol: string): string {
  return `name the columns with --text-col and --label-col (looked for "${textCol}" and "${labelCol}")`
}

function parseDelimited(content: string, delimiter: string, name: string, textCol: string, labelCol: string): LabeledTexts {
  let records: { record: string[]; info: { lines: number } }[]
  try {
    records = parseCsv(content, { bom: true, delimiter, skip_empty_lines: true, info: true, relax_column_count: false }) as unknown as typeof records
  } catch (e) {
    throw new DataError(`${name} is not valid CSV: ${(e as Error).message}`)
  }
  if (records.length === 0) throw new DataError(`${name} is empty (expected a header row, then one example per row)`)
  const header = records[0].record.map((h) => h.trim())
  const ti = header.indexOf(textCol), li = header.indexOf(labelCol)
  const missing = [ti < 0 ? textCol : null, li < 0 ? labelCol : null].filter((c) => c !== null)
  if (missing.length > 0) throw new DataError(`${name}: no column ${missing.map((c) => JSON.stringify(c)).join(' or ')} in its header (${header.map((h) => JSON.stringify(h)).join(', ')}); ${columnHint(textCol, labelCol)}`)
  const out: LabeledTexts = { texts: [], labels: [], where: [] }
  for (const { record, info } of records.slice(1)) {
    // info.lines is the record's last line; newlines only occur inside its quoted fields
    const first = info.lines - record.reduce((n, f) => n + (f.match(/\n/g)?.length ?? 0), 0)
    const where = first === info.lines ? `${name} line ${first}` : `${name} lines ${first}-${info.lines}`
    out.texts.push(record[ti])
    out.labels.push(checkLabel(record[li].trim(), where))
    out.where.push(where)
    checkText(record[ti], where)
  }
  return out
}

function parseJsonl(content: string, name: string, textCol: string, labelCol: string): LabeledTexts {
  const out: LabeledTexts = { texts: [], labels: [], where: [] }
  content.replace(/^\uFEFF/, '').split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === '') return
    const where = `${name} line ${i + 1}`
    let obj: unknown
    try {
      obj = JSON.parse(line)
    } catch (e) {
      throw new DataError(`${where} is not valid JSON: ${(e as Error).message}`)
    }
    if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) throw new DataError(`${where}: expected an object like {"${textCol}": "...", "${labelCol}": "..."}`)
    const rec = obj as Record<string, unknown>
    const missing = [textCol, labelCol].filter((k) => !(k in rec))
    if (missing.length > 0) throw new DataError(`${where}: no field ${missing.map((c) => JSON.stringify(c)).join(' or ')} (it has ${Object.keys(rec).map((k) => JSON.stringify(k)).join(', ') || 'none'}); ${columnHint(textCol, labelCol)}`)
    const text = rec[textCol], label = rec[labelCol]
    if (typeof text !== 'string') throw new DataError(`${where}: "${textCol}" must be a string, got ${JSON.stringify(text)}`)
    if (typeof label !== 'string' && typeof label !== 'number' && typeof label !== 'boolean') throw new DataError(`${where}: "${labelCol}" must be a string or a number, got ${JSON.stringify(label)}`)
    checkText(text, where)
    out.texts.push(text)
    out.labels.push(checkLabel(String(label).trim(), where))
    out.where.push(where)
  })
  return out
}

function checkText(text: string, where: string): void {
  if (text.trim() === '') throw new DataError(`${where}: the text is empty`)
}

function checkLabel(label: string, where: string): string {
  if (label === '') throw new DataError(`${where}: the label is empty`)
  return label
}
