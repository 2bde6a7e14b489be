import { createWriteStream } from 'node:fs';
import { fromSynthetic } from '../shared/evaluation/dataset.ts';
import { syntheticLeads } from '../shared/synthetic/generator.ts';
import { parse } from './args.ts';
import { type Command, UsageError } from './main.ts';

export const runSynth: Command = {
  summary: 'Write a synthetic dataset (leads, activities, outcomes) to try evaluate and train on',
  usage: `Usage: leadscore synth --out <file.ndjson> [--leads <n>] [--days <n>] [--seed <n>]

  --leads  how many leads (default 5000)
  --days   how many days of activity, ending now (default 90)
  --seed   the same seed gives the same data (default 1)

Each lead's behaviour and outcome come from a hidden intent and fit (shared/synthetic/generator.ts): a real signal
for a model to find.`,
  async run(args) {
    const { values } = parse(args, {
      out: { type: 'string' },
      leads: { type: 'string' },
      days: { type: 'string' },
      seed: { type: 'string' },
    });
    if (!values.out) throw new UsageError('--out is required');
    const leads = Number(values.leads ?? 5000);
    const days = Number(values.days ?? 90);
    const seed = Number(values.seed ?? 1);
    if (![leads, days, seed].every((n) => Number.isInteger(n) && n > 0))
      throw new UsageError('--leads, --days and --seed must be positive whole numbers');
    const out = createWriteStream(values.out);
    const start = Date.now() - days * 86_400_000;
    let n = 0;
    for (const lead of syntheticLeads({ seed, leads, start, days })) {
      if (!out.write(`${JSON.stringify(fromSynthetic(lead))}\n`))
        await new Promise<void>((r) => out.once('drain', () => r()));
      if (++n % 50_000 === 0) process.stderr.write(`  ${n.toLocaleString('en-US')} leads written\n`);
    }
    await new Promise<void>((done, fail) =>
      out.end((error?: Error | null) => (error ? fail(error) : done())),
    );
    console.log(`${n} leads written to ${values.out}`);
    return 0;
  },
};
