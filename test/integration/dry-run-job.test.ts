import { beforeAll, describe, expect, it } from 'vitest';
import { ensureTables } from '../../local/dynamodb.ts';
import { continueDryRun, type DryRunState, startDryRun } from '../../shared/jobs/dry-run.ts';
import { compileModel } from '../../shared/model/compile.ts';
import { loadModels } from '../../shared/models.ts';
import { rescoreLeads } from '../../shared/scoring/rescore.ts';
import { documentClient } from '../../shared/store/dynamo.ts';
import { Ledger } from '../../shared/store/ledger.ts';
import { ScoreStore } from '../../shared/store/scores.ts';
import { namedTables } from '../../shared/store/tables.ts';
import { syntheticLeads } from '../../shared/synthetic/generator.ts';
import { runtime } from '../helpers/runtime.ts';

// Tables of this test's own: the leads' scores are written under the shipped model, then a proposal is replayed.
const tables = {
  activities: `dryrun-activities-${process.pid}`,
  leads: `dryrun-leads-${process.pid}`,
  search: `dryrun-search-${process.pid}`,
};
const client = documentClient(runtime.dynamodbEndpoint);
const ledger = new Ledger(client, tables, 400);
const scores = new ScoreStore(client, tables);
const [model] = loadModels('models/default.yaml');
const START = Date.parse('2026-10-01T00:00:00Z');
const NOW = START + 21 * 86_400_000;
const leads = [...syntheticLeads({ seed: 5, leads: 120, start: START, days: 21 })].filter(
  (l) => l.activities.length > 0,
);
// A lower hot threshold: some leads move up.
const proposal = compileModel({
  ...model!.source,
  bands: {
    ...model!.source.bands,
    levels: model!.source.bands.levels.map((l) => (l.min === undefined ? l : { ...l, min: l.min - 10 })),
  },
});

beforeAll(async () => {
  await ensureTables(runtime.dynamodbEndpoint, namedTables(tables));
  for (const lead of leads)
    for (const activity of lead.activities)
      await ledger.record({ kind: 'lead', id: lead.profile.leadId }, activity, 'api', START);
  // An anonymous visitor's activity: no lead, nothing to replay.
  await ledger.record(
    { kind: 'anonymous', id: 'v-anon' },
    { ...leads[0]!.activities[0]!, eventId: 'anon-1', leadId: undefined, anonymousId: 'v-anon' },
    'pixel',
    START,
  );
  await rescoreLeads({ model: model!, leadIds: ledger.leadIds(), ledger, scores, dryRun: false, now: NOW });
});

describe('the dry-run job', () => {
  it('replayed a few pages per invocation, resumed from its saved state, reports what a replay lead by lead does', async () => {
    // Prepare: what replaying each lead's ledger by query gives.
    const expected = await rescoreLeads({
      model: proposal,
      leadIds: ledger.leadIds(),
      ledger,
      scores,
      dryRun: true,
      now: NOW,
    });
    expect(expected.bandChanges).toBeGreaterThan(0);

    // Act: small pages (so leads run over page ends), three pages per invocation, the state kept as JSON between.
    let saved = JSON.stringify(startDryRun(proposal));
    let invocations = 0;
    for (let complete = false; !complete; invocations++) {
      const state = JSON.parse(saved) as DryRunState;
      let pages = 0;
      complete = await continueDryRun(state, {
        client,
        tables,
        ledger,
        scores,
        model: proposal,
        now: NOW,
        pageSize: 7,
        more: () => pages < 3,
        saved: async () => {
          pages++;
        },
      });
      saved = JSON.stringify(state);
      expect(invocations).toBeLessThan(1000);
    }

    // Assess: every lead counted and replayed once, whatever the page and invocation boundaries.
    const state = JSON.parse(saved) as DryRunState;
    expect(invocations).toBeGreaterThan(10);
    expect(state.counted).toBe(leads.length);
    expect(state.report).toEqual(expected);
  });
});
