/**
 * `fastrnn generate --model DIR`: text sampled from a language model, one sample per line. The sample
 * starts at <bos> (then the prompt, if any) and ends at <eos> or after --length tokens; the same --seed
 * gives the same text.
 */
import { Command } from 'commander';
import type { LanguageModel } from '../../index.js';
import { CliError, EXIT_OK } from '../errors.js';
import { loadCliModel, type Engine } from '../model-dir.js';
import { addEngine, addVerbose, integer, number } from '../options.js';
import { Output, type Io } from '../output.js';
import { BOS, EOS, joinTokens, tokenizerFor } from '../text.js';

interface GenerateArgs extends Engine {
  model: string;
  prompt?: string;
  condition?: string;
  length: number;
  temperature: number;
  topK?: number;
  topP?: number;
  seed?: number;
  count: number;
  json: boolean;
}

export function generateCommand(io: Io, setExit: (code: number) => void): Command {
  const cmd = new Command('generate')
    .description('sample text from a language model (trained with --task lm)')
    .requiredOption('--model <dir>', 'a language-model directory written by fastrnn train')
    .option('--prompt <text>', 'text to continue (default: start a new text)')
    .option('--condition <class>', 'the class to condition on (a model trained with --condition-field)')
    .option('--length <n>', 'the most tokens to sample', integer(1), 100)
    .option('--temperature <t>', 'sampling temperature (0: always the likeliest token)', number({ min: 0, inclusive: true }), 1)
    .option('--top-k <k>', 'sample among the k likeliest tokens only', integer(1))
    .option('--top-p <p>', 'sample among the likeliest tokens whose probabilities add up to p', number({ min: 0, max: 1 }))
    .option('--seed <n>', 'seed of the sampler (the same seed, the same text; default: random)', integer(0, 2 ** 52))
    .option('--count <n>', 'samples to draw (seeds seed, seed + 1, …)', integer(1), 1)
    .option('--json', 'one JSON object per sample: { text, tokens }', false);
  addEngine(cmd);
  addVerbose(cmd);
  cmd.action(async (args: GenerateArgs) => {
    setExit(await runGenerate(args, io));
  });
  return cmd;
}

async function runGenerate(args: GenerateArgs, io: Io): Promise<number> {
  const out = new Output(io, false);
  const { model, lex } = await loadCliModel(args.model, args, ['lm'], 'generate');
  const lm = model as LanguageModel;
  const { settings, conditions } = lex.meta;
  let condition: number | undefined;
  if (conditions) {
    if (args.condition === undefined) throw new CliError(`--condition: this model is conditioned on ${settings.fields.condition}; expected one of: ${conditions.join(', ')}`);
    const id = lex.index.get(args.condition);
    if (id === undefined) throw new CliError(`--condition: expected one of ${conditions.join(', ')}, received ${JSON.stringify(args.condition)}`);
    condition = id;
  } else if (args.condition !== undefined) {
    throw new CliError(`--condition: this model was trained without --condition-field, so it takes no condition; received ${JSON.stringify(args.condition)}`);
  }
  const promptTokens = args.prompt === undefined ? [] : tokenizerFor(settings.tokenizer)(args.prompt);
  const prompt = [lex.vocab.indexOf(BOS), ...lex.vocab.encode(promptTokens)];
  const eos = lex.vocab.indexOf(EOS);
  const seed0 = args.seed ?? Math.floor(Math.random() * 2 ** 31);
  for (let i = 0; i < args.count; i++) {
    const ids = lm.generate({
      prompt, maxLength: args.length, temperature: args.temperature, seed: seed0 + i, stopId: eos,
      ...(condition !== undefined ? { condition } : {}), ...(args.topK !== undefined ? { topK: args.topK } : {}), ...(args.topP !== undefined ? { topP: args.topP } : {}),
    });
    const ended = ids.at(-1) === eos;
    const tokens = [...promptTokens, ...lex.vocab.decode(ended ? ids.slice(0, -1) : ids)];
    const text = joinTokens(settings.tokenizer, tokens);
    if (args.json) out.data(`${JSON.stringify({ text, tokens: tokens.length, ended, seed: seed0 + i })}\n`);
    else out.data(`${text}\n`);
  }
  return EXIT_OK;
}
