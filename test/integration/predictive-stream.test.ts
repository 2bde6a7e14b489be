import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { ensureTables } from '../../local/dynamodb.ts';
import { recomputeLead } from '../../shared/engine/index.ts';
import { fromSynthetic, lastActivityTime } from '../../shared/evaluation/dataset.ts';
import { train } from '../../shared/evaluation/train.ts';
import { compileModel } from '../../shared/model/compile.ts';
import { scoreStreamHandler } from '../../shared/scoring/stream.ts';
import { documentClient } from '../../shared/store/dynamo.ts';
import { Ledger } from '../../shared/store/ledger.ts';
import { ScoreStore } from '../../shared/store/scores.ts';
import { namedTables } from '../../shared/store/tables.ts';
import { syntheticLeads } from '../../shared/synthetic/generator.ts';
import { runtime } from '../helpers/runtime.ts';
import { deliver, readStream } from '../helpers/streams.ts';

// A model trained on synthetic outcomes (re-weighting the default model's rules, with decay and limits), then
// run by the score handler on a real ledger stream.
const tables = {
  activities: `predictive-activities-${process.pid}`,
  leads: `predictive-leads-${process.pid}`,
  search: `predictive-search-${process.pid}`,
};
const client = documentClient(runtime.dynamodbEndpoint);
const ledger = new Ledger(client, tables, 400);
const store = new ScoreStore(client, tables);
const START = Date.parse('2026-09-01T00:00:00Z');
const data = [...syntheticLeads({ seed: 5, leads: 2500, start: START, days: 60 })].map(fromSynthetic);
const AT = await lastActivityTime(data);
const model = compileModel(
  (await train(data, { base: parseYaml(readFileSync('models/default.yaml', 'utf8')), at: AT, seed: 3 }))
    .model,
);
// People with something the model scores (bots' hits are not scored, so they get no score item).
const live = data.filter((l) => l.activities.some((a) => !a.bot)).slice(0, 25);

beforeAll(async () => {
  await ensureTables(runtime.dynamodbEndpoint, namedTables(tables));
  for (const lead of live)
    for (const activity of lead.activities)
      await ledger.record({ kind: 'lead', id: lead.leadId }, activity, 'api', AT);
});

describe('a trained model on the stream', () => {
  it('is scored live like a hand-written one: every stored score is what a full recompute gives', async () => {
    const records = (await readStream(tables.activities)).filter((r) => r.eventName === 'INSERT');
    const handler = scoreStreamHandler({ models: [model], ledger, scores: store, clock: () => AT });
    await deliver(handler, records, 40);
    for (const lead of live) {
      const stored = (await store.context(lead.leadId, [model.id])).scores.get(model.id)!;
      const full = recomputeLead(model, lead.activities, undefined, AT).score;
      expect(stored.score, lead.leadId).toBe(full.score);
      expect(stored.band).toBe(full.band);
      expect(stored.score).toBeCloseTo(
        full.breakdown.reduce((sum, line) => sum + line.points, 0),
        6,
      );
    }
  });
});
