import { readFileSync, writeFileSync } from 'node:fs';
import { stringify } from 'yaml';
import { lastActivityTime } from '../shared/evaluation/dataset.ts';
import {
  crossValidate,
  EVEN_ODDS_SCORE,
  type ModelDocument,
  POINTS_TO_DOUBLE_ODDS,
  TrainingError,
  type TrainOptions,
  train,
} from '../shared/evaluation/train.ts';
import { parseModel } from '../shared/model/parse.ts';
import { parse, parseAt } from './args.ts';
import { datasetFile } from './dataset.ts';
import { type Command, InputError, UsageError } from './main.ts';
import { printVerdicts } from './verdicts.ts';

export const runTrain: Command = {
  summary: 'Learn a scorecard (points that add up) from outcomes, and measure it on held-out leads',
  usage: `Usage: leadscore train --data <file.ndjson> --out <model.yaml> [--base <model>] [--seed <n>] [--holdout <share> | --folds <k>]
                       [--at <ISO time>] [--exclude <attribute,...>] [--l2 <n>] [--min-support <n>]
                       [--min-per-class <n>] [--id <model id>]

  --data           leads with attributes, activities and outcomes (as for evaluate)
  --out            where to write the trained model
  --base           re-weight the rules and fit rules of this model instead of building rules from the data
                   (its points are ignored, the training learns them)
  --seed           seeds the stratified hold-out (default 1): same data, same seed, same model
  --holdout        share of converted and of lost leads held out to measure the model (default 0.25)
  --folds          stratified k-fold cross-validation instead: k models, each measured on another k-th of the
                   leads; writes the first, with the mean and spread of the k held-out AUCs in its record
  --at             terms as of this time (default: just after the dataset's last activity)
  --exclude        attributes known only after a sale (set by sales): never learned from
  --l2             L2 prior on the weights, in logits (default 10): larger pulls rare terms harder to zero
  --min-support    fewest training leads a term must fire for to earn points (default 1 % of them, at least 20)
  --min-per-class  refuse to train with fewer converted or lost training leads than this (default 30)

Without --base, every mapped attribute and activity type becomes candidate rules: category values with enough
support, numbers in bins at their deciles, activity counts and idleness. The result is an ordinary rules model:
score = base + sum of points, where every ${POINTS_TO_DOUBLE_ODDS} points double the odds and ${EVEN_ODDS_SCORE} is even odds. Its bands carry the
conversion rate measured on held-out leads, and it records its split, so "evaluate --held-out" measures it on
leads it has not seen. Exits 1 when a verdict fails the model (inverted, probable leakage); the model is
written all the same, to read.`,
  async run(args) {
    const { values } = parse(args, {
      data: { type: 'string' },
      out: { type: 'string' },
      base: { type: 'string' },
      seed: { type: 'string' },
      holdout: { type: 'string' },
      folds: { type: 'string' },
      at: { type: 'string' },
      exclude: { type: 'string' },
      l2: { type: 'string' },
      'min-support': { type: 'string' },
      'min-per-class': { type: 'string' },
      id: { type: 'string' },
    });
    if (!values.data || !values.out) throw new UsageError('--data and --out are required');
    const base = values.base === undefined ? undefined : readBase(values.base);
    const number = (name: string, value: string | undefined) => {
      if (value === undefined) return undefined;
      const n = Number(value);
      if (!Number.isFinite(n) || n < 0) throw new UsageError(`--${name} "${value}" is not a number`);
      return n;
    };
    const holdout = number('holdout', values.holdout);
    if (holdout !== undefined && (holdout <= 0 || holdout >= 1))
      throw new UsageError(`--holdout "${values.holdout}" must be a share between 0 and 1`);
    const folds = number('folds', values.folds);
    if (folds !== undefined && (!Number.isInteger(folds) || folds < 2 || holdout !== undefined))
      throw new UsageError('--folds takes a whole number of at least 2, and not with --holdout');
    const leads = datasetFile(values.data);
    const at = values.at === undefined ? await lastActivityTime(leads, Date.now()) : parseAt(values.at);
    const started = Date.now();
    const optional = <K extends string>(key: K, value: number | undefined) =>
      (value === undefined ? {} : { [key]: value }) as { [P in K]?: number };
    try {
      const trainOptions: TrainOptions = {
        ...(base && { base }),
        at,
        seed: number('seed', values.seed) ?? 1,
        ...optional('holdout', holdout),
        ...optional('l2', number('l2', values.l2)),
        ...optional('minSupport', number('min-support', values['min-support'])),
        ...optional('minPerClass', number('min-per-class', values['min-per-class'])),
        ...(values.exclude && { exclude: values.exclude.split(',').map((s) => s.trim()) }),
        ...(values.id && { id: values.id }),
        progress: (stage, done) => {
          if (stage !== 'fit' && done % 100_000 === 0)
            process.stderr.write(
              `  ${stage === 'profile' ? 'read' : 'terms of'} ${done.toLocaleString('en-US')} leads (${Math.round((Date.now() - started) / 1000)} s)\n`,
            );
          if (stage === 'fit') process.stderr.write(`  fitting: iteration ${done + 1}\n`);
        },
      };
      const result = folds
        ? await crossValidate(leads, trainOptions, folds, (fold, auc) =>
            process.stderr.write(
              `  fold ${fold + 1} of ${folds}: AUC ${auc?.toFixed(3) ?? 'n/a'} held out\n`,
            ),
          )
        : await train(leads, trainOptions);
      writeFileSync(
        values.out,
        `# Trained by leadscore train on ${values.data}; see docs/evaluation.md.\n${stringify(result.document)}`,
      );
      const failed = printVerdicts(result.verdicts);
      const doc = result.document;
      console.log(
        `trained "${result.model.model}" on ${result.trainLeads} leads (held out ${result.holdoutLeads}, stratified, seed ${doc.training.holdoutSeed}): ` +
          `AUC ${result.trainAuc?.toFixed(3)} on training, ${result.holdoutAuc?.toFixed(3) ?? 'n/a'} held out`,
      );
      if (folds)
        console.log(
          `  ${folds}-fold cross-validation: AUC ${doc.training.cvAuc.toFixed(3)} held out (sd ${doc.training.cvAucSd.toFixed(3)} over the folds)`,
        );
      console.log(
        `  score = ${doc.score.base} + sum of points; every ${POINTS_TO_DOUBLE_ODDS} points double the odds, ${EVEN_ODDS_SCORE} is even odds`,
      );
      console.log(
        `  bands (held out): ${[...doc.bands.levels]
          .reverse()
          .map(
            (l: ModelDocument) =>
              `${l.id}${l.min === undefined ? '' : ` >= ${l.min}`} ${(l.conversionRate * 100).toFixed(1)}%`,
          )
          .join(', ')}`,
      );
      console.log(
        `  ${result.terms.length} terms; strongest: ${result.terms
          .slice(0, 6)
          .map((t) => `${t.rule} ${t.points >= 0 ? '+' : ''}${t.points}`)
          .join(', ')}`,
      );
      console.log(
        `  the score rests on: ${result.sources
          .slice(0, 5)
          .map((s) => `${s.source} ${Math.round(s.share * 100)}%`)
          .join(', ')}`,
      );
      console.log(
        `  on its own (AUC, held out): ${result.alone
          .slice(0, 5)
          .map((s) => `${s.source} ${s.auc.toFixed(3)}`)
          .join(', ')}`,
      );
      console.log(`written to ${values.out}`);
      return failed ? 1 : 0;
    } catch (error) {
      if (error instanceof TrainingError) throw new InputError(error.message);
      throw error;
    }
  },
};

function readBase(file: string): ModelDocument {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new InputError(`cannot read ${file}`);
  }
  const base = parseModel(text, file);
  if (!base.ok)
    throw new InputError(
      `${file} is not a valid model: ${base.problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`,
    );
  return base.document as ModelDocument;
}
