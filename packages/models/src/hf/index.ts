// Hugging Face interop: model folders both ways, and their tokenizer files.
export { saveHuggingFace, fromPretrained, openHuggingFaceFolder, loadHuggingFaceWeights, isHuggingFaceFolder, type Pretrained, type HuggingFaceFolder, type SaveHuggingFaceResult } from './pretrained.js'
export { HUGGING_FACE_KINDS, kindOfModel, type HuggingFaceKind, type HuggingFaceParts } from '../registry.js'
export { tokenizerToHuggingFace, tokenizerFromFolder, ADJOINT_TOKENIZER_FILE } from './tokenizer-files.js'
export { writeFolderAtomic } from './folder.js'
