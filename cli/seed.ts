import { fromSynthetic } from '../shared/evaluation/dataset.ts';
import { syntheticLeads } from '../shared/synthetic/generator.ts';
import { parse } from './args.ts';
import { leadWriter } from './dataset.ts';
import { type Command, UsageError } from './main.ts';
import { targetOf } from './target.ts';

const DAY = 86_400_000;

export const runSeed: Command = {
  summary: 'Fill the running local runtime with realistic demo traffic (profiles, activities, some outcomes)',
  usage: `Usage: leadscore seed [--leads <n>] [--days <n>] [--seed <n>] [--data-dir <dir>]

  --leads  how many leads (default 1000)
  --days   how many days of activity, ending now (default 30)
  --seed   the same seed gives the same traffic (default 1)

Writes into the running local runtime's tables; its stream handlers score the leads as they land, so the
dashboard fills while this runs. Leads older than two weeks get their outcome.`,
  async run(args) {
    const { values } = parse(args, {
      leads: { type: 'string' },
      days: { type: 'string' },
      seed: { type: 'string' },
      'data-dir': { type: 'string' },
    });
    const leads = Number(values.leads ?? 1000);
    const days = Number(values.days ?? 30);
    const seed = Number(values.seed ?? 1);
    if (![leads, days, seed].every((n) => Number.isInteger(n) && n > 0))
      throw new UsageError('--leads, --days and --seed must be positive whole numbers');
    const target = targetOf({ dataDir: values['data-dir'] });
    const now = Date.now();
    const write = leadWriter(target, { source: 'api', outcomeId: 'seed' }, now);
    const started = Date.now();
    let done = 0;
    let activities = 0;
    const generator = syntheticLeads({ seed, leads, start: now - days * DAY, days });
    // A few leads at a time: DynamoDB Local is the limit, and the stream handlers share it.
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        for (let next = generator.next(); !next.done; next = generator.next()) {
          const lead = next.value;
          // Leads quiet for two weeks have had their outcome; the others are still open.
          const last = lead.activities.at(-1);
          const decided = !lead.isBot && last !== undefined && Date.parse(last.occurredAt) < now - 14 * DAY;
          const row = fromSynthetic(lead);
          await write(decided ? row : { ...row, outcome: null });
          activities += lead.activities.length;
          if (++done % 250 === 0)
            process.stderr.write(
              `  ${done} leads, ${activities} activities (${Math.round(done / ((Date.now() - started) / 1000))} leads/s)\n`,
            );
        }
      }),
    );
    target.client.destroy();
    console.log(
      `${done} leads and ${activities} activities written to ${target.where}; scoring follows on the streams`,
    );
    return 0;
  },
};
