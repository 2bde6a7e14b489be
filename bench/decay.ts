import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { ensureTables, startDynamoDbLocal } from '../local/dynamodb.ts';
import { lambdaContext } from '../local/gateway.ts';
import { buildState, compactState, encodeState, fitFor, scoreWithFit } from '../shared/engine/index.ts';
import { loadModels, writeModelArtifacts } from '../shared/models.ts';
import { ageScore } from '../shared/scoring/update.ts';
import { batchWrite } from '../shared/store/batch.ts';
import { documentClient } from '../shared/store/dynamo.ts';
import { keys } from '../shared/store/keys.ts';
import { type ScoreItem, ScoreStore, scoreOf, storedScore } from '../shared/store/scores.ts';
import { namedTables } from '../shared/store/tables.ts';
import { syntheticLeads } from '../shared/synthetic/generator.ts';
import { counters } from '../shared/telemetry.ts';
import { fmt, record } from './report.ts';

const DAY = 86_400_000;
const LEADS = Number(process.env.BENCH_LEADS ?? 100_000);
const DUE_SHARE = 0.1;

/**
 * The nightly sweep over LEADS scores of which 10 % are due, two ways in one run, on the same data: the decay
 * handler reading the sparse decay index, and a sweep that scans the whole table and filters. Both age and
 * write the due scores; the items each reads per due lead, and their times, are compared.
 */
export async function run(): Promise<void> {
  process.env.LEADSCORE_COUNT_CAPACITY = '1';
  const dynamodb = await startDynamoDbLocal({});
  const tables = { activities: 'bench-activities', leads: 'bench-leads', search: 'bench-search' };
  await ensureTables(dynamodb.endpoint, namedTables(tables));
  Object.assign(process.env, {
    ACTIVITIES_TABLE: tables.activities,
    LEADS_TABLE: tables.leads,
    SIGNING_SECRET: randomBytes(32).toString('hex'),
    DYNAMODB_ENDPOINT: dynamodb.endpoint,
    // The artifact the stack bundles: the sweep reads validated models only.
    LEADSCORE_MODELS: writeModelArtifacts(
      'models/default.yaml',
      mkdtempSync(join(tmpdir(), 'leadscore-models-')),
    ),
    POWERTOOLS_LOG_LEVEL: 'ERROR',
  });
  const client = documentClient(dynamodb.endpoint);
  const store = new ScoreStore(client, tables);
  const [model] = loadModels('models/default.yaml');
  try {
    // Realistic stored scores: states of synthetic leads, reused across LEADS lead ids.
    const now = Date.now();
    const samples = [...syntheticLeads({ seed: 9, leads: 2000, start: now - 60 * DAY, days: 60 })]
      .filter((l) => !l.isBot && l.activities.length > 0)
      .map((l) => {
        const state = compactState(model!, buildState(model!, l.activities), now - DAY);
        const fit = fitFor(model!, l.profile.attributes);
        return { state, fit, score: scoreWithFit(model!, state, fit, now - DAY) };
      });
    const dueCount = Math.round(LEADS * DUE_SHARE);
    const items: ScoreItem[] = Array.from({ length: LEADS }, (_, i) => {
      const leadId = `decay-${i}`;
      const s = samples[i % samples.length]!;
      const due = i < dueCount ? now - DAY : now + 7 * DAY;
      return {
        ...keys.score(leadId, model!.id),
        entity: 'score',
        leadId,
        model: model!.id,
        version: model!.version,
        fingerprint: model!.fingerprint,
        state: encodeState(model!, s.state),
        score: s.score.score,
        behaviour: s.score.behaviour,
        fit: s.score.fit,
        grade: s.score.grade,
        band: s.score.band,
        flags: s.score.flags,
        fitRules: s.fit.contributions.map((c) => c.rule),
        lastActivityAt: s.score.lastActivityAt,
        rev: 1,
        updatedAt: new Date(now - DAY).toISOString(),
        cause: { kind: 'activity' },
        rankKey: keys.rank(model!.id, s.score.band),
        rankScore: keys.rankScore(s.score.score, leadId),
        decayShard: keys.decayShard(model!.id, leadId),
        decayDueAt: new Date(due).toISOString(),
      };
    });
    const loading = Date.now();
    await writeAll(items);
    console.log(
      `decay: ${fmt(LEADS)} stored scores, ${fmt(dueCount)} due (loaded in ${((Date.now() - loading) / 1000).toFixed(0)} s)`,
    );

    // A. Full scan: read every item, keep the due scores, age and write them.
    const readUnits = () => counters()['dynamodb.readUnits'] ?? 0;
    const scanUnitsBefore = readUnits();
    const scanStart = process.hrtime.bigint();
    let scanned = 0;
    let scanWritten = 0;
    let start: Record<string, unknown> | undefined;
    do {
      const page = await client.send(new ScanCommand({ TableName: tables.leads, ExclusiveStartKey: start }));
      scanned += page.ScannedCount ?? 0;
      for (const raw of page.Items ?? []) {
        if (raw.entity !== 'score') continue;
        const item = scoreOf(raw);
        if (!item.decayDueAt || item.decayDueAt > new Date(now).toISOString()) continue;
        if (await store.put(ageScore(model!, item, now).item, item.rev)) scanWritten++;
      }
      start = page.LastEvaluatedKey;
    } while (start);
    const scanSeconds = Number(process.hrtime.bigint() - scanStart) / 1e9;
    const scanUnits = readUnits() - scanUnitsBefore;
    console.log(
      `full-scan sweep:    ${fmt(scanned)} items read, ${fmt(scanWritten)} written, ${scanSeconds.toFixed(1)} s (${(scanned / dueCount).toFixed(2)} items, ${(scanUnits / dueCount).toFixed(2)} read units per due lead)`,
    );

    // Put the due scores back as they were, then B. the decay handler on the index.
    await writeAll(items.slice(0, dueCount));
    const { handler } = await import('../functions/decay-sweep.ts');
    const indexUnitsBefore = readUnits();
    const indexStart = process.hrtime.bigint();
    const result = await handler({ at: new Date(now).toISOString() }, lambdaContext('decay-sweep'));
    const indexSeconds = Number(process.hrtime.bigint() - indexStart) / 1e9;
    const indexUnits = readUnits() - indexUnitsBefore;
    console.log(
      `decay-index sweep:  ${fmt(result.visited)} items read, ${fmt(result.written)} written, ${indexSeconds.toFixed(1)} s (${(result.visited / dueCount).toFixed(2)} score items read per due lead, each found by a keys-only index entry; ${(indexUnits / dueCount).toFixed(2)} read units per due lead)`,
    );
    const ratio = Math.round((indexSeconds / scanSeconds) * 100) / 100;
    console.log(`the index sweep takes ${ratio}x the full scan's time, side by side in this run`);
    record('decay', {
      leads: LEADS,
      due: dueCount,
      index: {
        itemsRead: result.visited,
        itemsReadPerDueLead: Math.round((result.visited / dueCount) * 100) / 100,
        indexEntriesReadPerDueLead: Math.round((result.indexEntries / dueCount) * 100) / 100,
        readUnitsPerDueLead: Math.round((indexUnits / dueCount) * 1000) / 1000,
        written: result.written,
        seconds: Math.round(indexSeconds * 10) / 10,
      },
      fullScan: {
        itemsRead: scanned,
        itemsReadPerDueLead: Math.round((scanned / dueCount) * 100) / 100,
        readUnitsPerDueLead: Math.round((scanUnits / dueCount) * 1000) / 1000,
        written: scanWritten,
        seconds: Math.round(scanSeconds * 10) / 10,
      },
      timeRatio: ratio,
    });
  } finally {
    client.destroy();
    await dynamodb.stop();
  }

  function writeAll(all: ScoreItem[]): Promise<void> {
    return batchWrite(
      client,
      tables.leads,
      all.map((item) => ({ PutRequest: { Item: storedScore(item) } })),
      8,
    );
  }
}
