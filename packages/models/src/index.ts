// @adjoint/models: GPT (decoder), tokenizers, text generation, training loop, checkpoints and the adjoint CLI.
export { VocabularyError, ConfigError, DataError, CheckpointError } from './errors.js'
export * from './tokenizers/index.js'
export { BROWN_GENRES, BROWN_GENRE_LETTERS, brownDir, stripTags, parseBrownFile, loadBrownDocuments, splitBrown, loadBrownText, type BrownGenre, type BrownDocument } from './data/brown.js'
export { loadTextFile, splitText } from './data/text.js'
export { getBatch, toIds, checkStream, type Batch } from './data/batches.js'
export { lineChartSvg, type SvgOptions } from './plot/svg.js'
export { asciiChart, type AsciiOptions } from './plot/ascii.js'
export type { Series } from './plot/series.js'
