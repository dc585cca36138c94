/**
 * Saving and loading any model by its kind: `saveModel(model, dir)` (io/model-dir.ts) writes the directory,
 * `loadModel(dir, { backend, threads })` reads config.json, builds the right model on the chosen engine and
 * loads its weights. A saved model loads on either engine and predicts identically.
 */
import { engineOptions, loadModelInto, ModelDirectoryError, readModelConfig, type EngineOptions } from '../io/model-dir.js';
import { SequenceClassifier, type ClassifierOptions } from './classifier.js';
import { SequenceTagger, type TaggerOptions } from './tagger.js';
import { LanguageModel, type LanguageModelOptions } from './language-model.js';
import { Seq2Seq, type Seq2SeqOptions } from './seq2seq.js';

export type AnyModel = SequenceClassifier | SequenceTagger | LanguageModel | Seq2Seq;

export type LoadModelOptions = EngineOptions;

const BUILDERS: Record<string, (config: Record<string, unknown>, engine: LoadModelOptions) => AnyModel> = {
  classifier: (c, e) => new SequenceClassifier({ ...(c as unknown as ClassifierOptions), ...e }),
  tagger: (c, e) => new SequenceTagger({ ...(c as unknown as TaggerOptions), ...e }),
  'language-model': (c, e) => new LanguageModel({ ...(c as unknown as LanguageModelOptions), ...e }),
  seq2seq: (c, e) => new Seq2Seq({ ...(c as unknown as Seq2SeqOptions), ...e }),
};

/** The model kinds a directory may hold. */
export const MODEL_KINDS = Object.keys(BUILDERS);

/** Loads any saved model; `expectKind` rejects a directory holding another kind of model. */
export async function loadModel(dir: string, options: LoadModelOptions & { expectKind?: string } = {}): Promise<{ model: AnyModel; vocab: unknown | null }> {
  const { kind } = await readModelConfig(dir);
  const build = BUILDERS[kind];
  if (!build) throw new ModelDirectoryError(`loadModel: expected a model kind among ${MODEL_KINDS.join(', ')}, received ${JSON.stringify(kind)}`);
  return loadModelInto(dir, (config) => build(config, engineOptions(options)), { expectKind: options.expectKind });
}
