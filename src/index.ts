// fastrnn's public API. Everything a user imports comes from here; nothing else is public.
export { tensor, zeros, clone, numel, toArray, type Tensor, type FloatArray, type DType } from './tensor.js';
export type { Parameter, StateDict } from './parameter.js';
export { RowSet } from './row-set.js';
export { Rng } from './random.js';
export { setLimits, getLimits, DEFAULT_LIMITS, MAX_SIZE, type Limits } from './limits.js';

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
export { RecurrentCell, type CellOptions, type CellOut, type CellOutput, type CellGradients, type CellInputGradients } from './layers/cell.js';
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

export {
  SequenceClassifier,
  type ClassifierOptions,
  type TrainStepResult,
  type ClassifierExample,
  type MultiLabelExample,
  type ClassifierTargets,
} from './models/classifier.js';
export type { Pooling } from './models/pooling.js';
export { SequenceTagger, TAG_IGNORE_INDEX, type TaggerOptions, type TaggerExample, type TaggerExampleInput, type TaggerBatch } from './models/tagger.js';
export { taggerMetrics, tagCounts } from './models/tagger-metrics.js';
export {
  LanguageModel,
  streamExamples,
  type LanguageModelOptions,
  type LanguageModelCondition,
  type LanguageModelExample,
  type LanguageModelBatch,
  type GenerateOptions,
  type CarriedState,
} from './models/language-model.js';
export { Seq2Seq, type Seq2SeqBatch, type TranslateOptions, type Seq2SeqOptions, type Seq2SeqExample, type Seq2SeqPair } from './models/seq2seq.js';
export { loadModel, MODEL_KINDS, type AnyModel, type LoadModelOptions } from './models/registry.js';
export { saveModel, readModelConfig, ModelDirectoryError, type ModelDirectoryConfig, type EngineOptions, type SavableVocab } from './io/model-dir.js';
export { LuongAttention, type AttentionOptions, type AttentionScore, type AttentionOutput, type AttentionGradients, type AttentionInputGradients } from './layers/attention.js';
export { sampleToken, samplingProbabilities, argmax, type SamplingOptions } from './generate/sampling.js';
export { beamSearch, greedySearch, lengthPenalty, normalizedScore, type SearchOptions, type StepResult, type Hypothesis } from './generate/beam.js';
export { gradientNormsPerStep, spectralNorm, type GradientNorms, type StepGradientNorms, type GradientNormOptions } from './diagnostics/gradient-norms.js';
export { trace, formatTrace, type EmbeddedRecurrentModel, type TraceOptions } from './diagnostics/trace.js';
export { nearest, nearestIds, type Neighbour, type NeighbourId, type NearestOptions, type NearestIdsOptions, type EmbeddingSource } from './diagnostics/nearest.js';
export { FASTRNN_VERSION } from './version.js';

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
export {
  fit,
  evaluate,
  NonFiniteError,
  type History,
  type FitOptions,
  type BatchInfo,
  type EpochInfo,
  type EarlyStoppingOptions,
  type CheckpointOptions,
  type OptimizerSpec,
} from './train/fit.js';
export {
  StepLR,
  ExponentialLR,
  CosineWarmupLR,
  ReduceLROnPlateau,
  createSchedule,
  type LrSchedule,
  type ScheduleSpec,
  type ScheduleInterval,
  type StepLROptions,
  type ExponentialLROptions,
  type CosineWarmupOptions,
  type ReduceLROnPlateauOptions,
} from './train/schedules.js';
export { hasCheckpoint, type RngStateful } from './train/checkpoint.js';
export { writeReport, modelReport, parseReportData, defaultWords, REPORT_FORMAT, REPORT_WARNING, type ReportData, type ReportOptions, type ModelReportOptions, type BatchColumns, type StepGradientSample } from './report/index.js';
export { addSums, type TrainableModel, type MetricSums } from './train/trainable.js';

export { padSequences, bucketedBatches, type PaddedBatch } from './data/batching.js';
export { readRecords, checkDataFile, formatFromPath, DataError, DATA_FORMATS, type DataFormat, type DataRecord, type ReadOptions } from './data/readers.js';

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

export type { Backend, CellKind, RecurrentForwardArgs, RecurrentBackwardArgs, LinearForwardArgs, LinearBackwardArgs } from './backend/backend.js';
export { referenceBackend } from './backend/reference/index.js';
export { resolveBackend, setDefaultBackend, getDefaultBackend, type BackendChoice, type BackendOptions } from './backend/select.js';
export { loadNativeBackend, NativeBackendUnavailableError } from './backend/native.js';
