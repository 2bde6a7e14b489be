import { readFileSync, writeFileSync } from 'node:fs';
import { stringify } from 'yaml';
import { lastActivityTime } from '../shared/evaluation/dataset.ts';
import { type ModelDocument, TrainingError, train } from '../shared/evaluation/train.ts';
import { parseModel } from '../shared/model/parse.ts';
import { parse, parseAt } from './args.ts';
import { readDataset } from './dataset.ts';
import { type Command, InputError, UsageError } from './main.ts';

export const runTrain: Command = {
  summary: 'Train an explainable predictive model (logistic regression) on outcomes',
  usage: `Usage: leadscore train --data <file.ndjson> --out <model.yaml> [--base <model>] [--seed <n>] [--at <ISO time>]
                       [--exclude <attribute,...>] [--l2 <n>] [--min-per-class <n>] [--id <model id>]

  --data           leads with activities and outcomes (as for evaluate)
  --out            where to write the trained model
  --base           the rule model whose rules and fit rules are the features (default models/default.yaml);
                   its points are ignored, the training learns them
  --seed           seeds the train/holdout split (default 1): same data, same seed, same model
  --at             features as of this time (default: just after the dataset's last activity)
  --exclude        attributes known only after a sale (set by sales): their fit rules are left out
  --l2             L2 penalty on standardised weights (default 1)
  --min-per-class  refuse to train with fewer converted or lost leads than this (default 30)

The result is a "predictive" model: its score is the probability of converting, in percent; its points are
each rule's weight in hundredths of a logit. Validate, evaluate, then deploy it like any model.`,
  async run(args) {
    const { values } = parse(args, {
      data: { type: 'string' },
      out: { type: 'string' },
      base: { type: 'string' },
      seed: { type: 'string' },
      at: { type: 'string' },
      exclude: { type: 'string' },
      l2: { type: 'string' },
      'min-per-class': { type: 'string' },
      id: { type: 'string' },
    });
    if (!values.data || !values.out) throw new UsageError('--data and --out are required');
    const baseFile = values.base ?? 'models/default.yaml';
    const baseText = (() => {
      try {
        return readFileSync(baseFile, 'utf8');
      } catch {
        throw new InputError(`cannot read ${baseFile}`);
      }
    })();
    const base = parseModel(baseText, baseFile);
    if (!base.ok)
      throw new InputError(
        `${baseFile} is not a valid model: ${base.problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`,
      );
    const number = (name: string, value: string | undefined, fallback: number) => {
      const n = value === undefined ? fallback : Number(value);
      if (!Number.isFinite(n) || n < 0) throw new UsageError(`--${name} "${value}" is not a number`);
      return n;
    };
    const leads = await readDataset(values.data);
    const at = values.at === undefined ? lastActivityTime(leads) : parseAt(values.at);
    const started = Date.now();
    try {
      const result = train(leads, {
        base: base.document as ModelDocument,
        at,
        seed: number('seed', values.seed, 1),
        l2: number('l2', values.l2, 1),
        minPerClass: number('min-per-class', values['min-per-class'], 30),
        ...(values.exclude && { exclude: values.exclude.split(',').map((s) => s.trim()) }),
        ...(values.id && { id: values.id }),
        progress: (stage, done) => {
          if (stage === 'features' && done % 50_000 === 0)
            process.stderr.write(
              `  features of ${done.toLocaleString('en-US')} leads (${Math.round((Date.now() - started) / 1000)} s)\n`,
            );
          if (stage === 'fit') process.stderr.write(`  fitting: iteration ${done + 1}\n`);
        },
      });
      writeFileSync(
        values.out,
        `# Trained by leadscore train on ${values.data}; see docs/evaluation.md.\n${stringify(result.document)}`,
      );
      console.log(
        `trained "${result.model.model}" on ${result.trainLeads} leads (held out ${result.holdoutLeads}): ` +
          `AUC ${result.trainAuc?.toFixed(3)} on training, ${result.holdoutAuc?.toFixed(3) ?? 'n/a'} held out`,
      );
      console.log(
        `  strongest terms: ${result.weights
          .slice(0, 6)
          .map((w) => `${w.feature} ${w.weight >= 0 ? '+' : ''}${w.weight.toFixed(2)}`)
          .join(', ')}`,
      );
      console.log(`written to ${values.out}`);
      return 0;
    } catch (error) {
      if (error instanceof TrainingError) throw new InputError(error.message);
      throw error;
    }
  },
};
