import { documentClient } from '../shared/store/dynamo.ts';
import { LeadDirectory } from '../shared/store/leads.ts';
import { Ledger } from '../shared/store/ledger.ts';
import { syntheticLeads } from '../shared/synthetic/generator.ts';
import { parse } from './args.ts';
import { localRuntime } from './local-state.ts';
import { type Command, UsageError } from './main.ts';

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
    const local = localRuntime(values['data-dir']);
    const client = documentClient(local.dynamodbEndpoint);
    const ledger = new Ledger(client, local.tables, 400);
    const directory = new LeadDirectory(client, local.tables);
    const now = Date.now();
    const started = Date.now();
    let done = 0;
    let activities = 0;
    const generator = syntheticLeads({ seed, leads, start: now - days * DAY, days });
    // A few leads at a time: DynamoDB Local is the limit, and the stream handlers share it.
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        for (let next = generator.next(); !next.done; next = generator.next()) {
          const lead = next.value;
          const id = lead.profile.leadId;
          await directory.setAttributes(id, lead.profile.attributes, now);
          for (const activity of lead.activities)
            await ledger.record({ kind: 'lead', id }, activity, 'api', now);
          activities += lead.activities.length;
          const last = lead.activities.at(-1);
          if (!lead.isBot && last && Date.parse(last.occurredAt) < now - 14 * DAY)
            await directory.addOutcome(
              id,
              lead.converted ? 'converted' : 'lost',
              new Date(now).toISOString(),
              'seed',
              undefined,
            );
          if (++done % 250 === 0)
            process.stderr.write(
              `  ${done} leads, ${activities} activities (${Math.round(done / ((Date.now() - started) / 1000))} leads/s)\n`,
            );
        }
      }),
    );
    client.destroy();
    console.log(
      `${done} leads and ${activities} activities written to ${local.url}; scoring follows on the streams`,
    );
    return 0;
  },
};
