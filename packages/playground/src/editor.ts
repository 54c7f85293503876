// The code editor: CodeMirror 6 with JavaScript highlighting, completion of
// adjoint's names, Mod-Enter to run, and an error underlined at its line.
import { EditorView, basicSetup } from 'codemirror'
import { javascript, javascriptLanguage } from '@codemirror/lang-javascript'
import { completeFromList } from '@codemirror/autocomplete'
import { setDiagnostics } from '@codemirror/lint'
import { Prec } from '@codemirror/state'
import { keymap } from '@codemirror/view'
import type { UserError } from './run.js'

export interface CodeEditor {
  getCode(): string
  setCode(code: string): void
  showError(err: UserError | null): void
}

export function createEditor(parent: HTMLElement, names: readonly string[], onRun: () => void): CodeEditor {
  const completions = javascriptLanguage.data.of({
    autocomplete: completeFromList([...names.map((label) => ({ label, type: 'function' })), { label: 'check', type: 'function', info: 'check(fn, inputs): what the gradcheck button checks' }]),
  })
  const view = new EditorView({
    parent,
    extensions: [
      basicSetup,
      EditorView.lineWrapping,
      javascript(),
      completions,
      Prec.highest(keymap.of([{ key: 'Mod-Enter', run: () => { onRun(); return true } }])),
    ],
  })
  return {
    getCode: () => view.state.doc.toString(),
    setCode: (code) => view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: code } }),
    showError(err) {
      const doc = view.state.doc
      const diagnostics = err && err.line !== undefined && err.line <= doc.lines
        ? [{ from: doc.line(err.line).from, to: doc.line(err.line).to, severity: 'error' as const, message: `${err.name}: ${err.message}` }]
        : []
      view.dispatch(setDiagnostics(view.state, diagnostics))
    },
  }
}
