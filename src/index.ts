// fastrnn's public API. Everything a user imports comes from here; nothing else is public.
export { tensor, zeros, clone, numel, toArray, type Tensor, type FloatArray, type DType } from './tensor.js';
export type { Parameter, StateDict } from './parameter.js';
export { Rng } from './random.js';

export { Tokenizer, type TokenizerOptions } from './text/tokenizer.js';
export { Vocab, UNK, PAD, type VocabBuildOptions, type VocabJSON } from './text/vocab.js';

export { Module } from './layers/module.js';
export { Embedding, type EmbeddingOptions, type IdTensor } from './layers/embedding.js';
export { Linear, type LinearOptions } from './layers/linear.js';
export {
  RecurrentLayer,
  LayerBusyError,
  type RecurrentOptions,
  type RecurrentOutput,
  type RecurrentGradients,
  type RecurrentInputGradients,
  type SequenceTensor,
  type RecurrentStates,
  type RecurrentStateGradients,
  type ForwardOptions,
  type BackwardOptions,
} from './layers/recurrent.js';
export { RNN, type RNNOptions } from './layers/rnn.js';
export { LSTM } from './layers/lstm.js';
export { GRU } from './layers/gru.js';
export { createRecurrentLayer, CELL_KINDS } from './layers/factory.js';
export { RecurrentCell, type CellOptions, type CellOutput, type CellGradients, type CellInputGradients } from './layers/cell.js';
export {
  RNNCell,
  LSTMCell,
  GRUCell,
  type RNNCellOptions,
  type RNNCellOutput,
  type RNNCellInputGradients,
  type LSTMCellOutput,
  type LSTMCellInputGradients,
} from './layers/cells.js';

export { SequenceClassifier, type ClassifierOptions, type TrainStepResult } from './models/classifier.js';
export type { Pooling } from './models/pooling.js';

export {
  crossEntropy,
  binaryCrossEntropyWithLogits,
  mseLoss,
  softmax,
  sigmoid,
  type LossResult,
  type Reduction,
  type CrossEntropyOptions,
  type ReductionOptions,
} from './train/losses.js';
export * from './train/optim/index.js';
export { clipGradNorm, clipGradValue, gradNorm } from './train/clip.js';

export { padSequences, bucketedBatches, type PaddedBatch } from './data/batching.js';

export {
  SafetensorsError,
  serializeSafetensors,
  saveSafetensors,
  saveSafetensorsSync,
  parseSafetensors,
  loadSafetensors,
  loadSafetensorsSync,
  loadSafetensorsWithMetadata,
  loadSafetensorsWithMetadataSync,
  type SafetensorsLoadOptions,
  type SafetensorsContents,
} from './io/safetensors.js';

export type { Backend, CellKind, RecurrentForwardArgs, RecurrentBackwardArgs } from './backend/backend.js';
export { referenceBackend } from './backend/reference/index.js';
export { resolveBackend, setDefaultBackend, getDefaultBackend, type BackendChoice, type BackendOptions } from './backend/select.js';
export { loadNativeBackend, NativeBackendUnavailableError } from './backend/native.js';
