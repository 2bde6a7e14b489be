import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureTables } from '../../local/dynamodb.ts';
import type { LedgerActivity } from '../../shared/domain/activity.ts';
import { recordActivities } from '../../shared/ingest/record.ts';
import { documentClient } from '../../shared/store/dynamo.ts';
import type { Subject } from '../../shared/store/keys.ts';
import { Ledger, type Source } from '../../shared/store/ledger.ts';
import { namedTables } from '../../shared/store/tables.ts';
import { runtime } from '../helpers/runtime.ts';

// Tables of this test's own in the run's DynamoDB Local; the real ledger, with writes that fail on cue (as a
// throttled or timed-out PutItem would), so DynamoDB itself is never mocked.
const tables = {
  activities: `batch-activities-${process.pid}`,
  leads: `batch-leads-${process.pid}`,
  search: `batch-search-${process.pid}`,
};
const client = documentClient(runtime.dynamodbEndpoint);

class FlakyLedger extends Ledger {
  readonly failing = new Set<string>();
  override record(subject: Subject, activity: LedgerActivity, source: Source, nowMs: number) {
    if (this.failing.has(activity.eventId))
      return Promise.reject(new Error('ProvisionedThroughputExceededException (injected)'));
    return super.record(subject, activity, source, nowMs);
  }
}

beforeAll(async () => {
  await ensureTables(runtime.dynamodbEndpoint, namedTables(tables));
});

describe('a batch in which some writes fail', () => {
  it('answers per event, the failed ones retryable, and a retry of the whole batch records only what is missing', async () => {
    // Prepare
    const ledger = new FlakyLedger(client, tables, 400);
    const events = Array.from({ length: 10 }, (_, i) => ({
      eventId: `e${i}`,
      leadId: 'batch-lead',
      type: 'page_view',
      occurredAt: '2026-11-20T10:00:00Z',
    }));
    ledger.failing.add('e3').add('e7');

    // Act
    const first = await recordActivities(ledger, events, 'api', Date.now());
    ledger.failing.clear();
    const retry = await recordActivities(ledger, events, 'api', Date.now());

    // Assess
    expect(first.map((r) => r.status)).toEqual(
      events.map((e) => (['e3', 'e7'].includes(e.eventId) ? 'failed' : 'recorded')),
    );
    expect(first.filter((r) => r.status === 'failed').every((r) => r.retryable === true)).toBe(true);
    expect(retry.map((r) => r.status)).toEqual(
      events.map((e) => (['e3', 'e7'].includes(e.eventId) ? 'recorded' : 'duplicate')),
    );
    const stored = await client.send(
      new QueryCommand({
        TableName: tables.activities,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': 'LEAD#batch-lead' },
      }),
    );
    expect((stored.Items ?? []).map((i) => i.eventId).sort()).toEqual(events.map((e) => e.eventId).sort());
  });
});
