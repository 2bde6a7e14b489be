import { beforeAll, describe, expect, it } from 'vitest';
import { ensureTables } from '../../local/dynamodb.ts';
import type { Notification } from '../../shared/notify/notifications.ts';
import { documentClient } from '../../shared/store/dynamo.ts';
import { FeedStore } from '../../shared/store/feed.ts';
import { namedTables } from '../../shared/store/tables.ts';
import { runtime } from '../helpers/runtime.ts';

// Tables of this file's own in the run's DynamoDB Local.
const tables = {
  activities: `feed-activities-${process.pid}`,
  leads: `feed-leads-${process.pid}`,
  search: `feed-search-${process.pid}`,
};
const feed = new FeedStore(documentClient(runtime.dynamodbEndpoint), tables);
const NOW = Date.parse('2026-11-24T10:30:00.000Z');

const notification = (id: string, at: string): Notification => ({
  id,
  type: 'band_crossing',
  leadId: 'ana',
  model: 'default',
  modelVersion: 1,
  oldScore: 40,
  newScore: 55,
  oldBand: 'warm',
  newBand: 'hot',
  direction: 'up',
  grade: 'A',
  reasons: [],
  cause: { kind: 'activity' },
  at,
});

beforeAll(async () => {
  await ensureTables(runtime.dynamodbEndpoint, namedTables(tables));
});

describe('the live feed', () => {
  it('never splits two notifications of one instant between polls, and crosses hours', async () => {
    const same = '2026-11-24T10:00:00.000Z';
    await feed.record(notification('a:crossing', same));
    const first = await feed.after('2026-11-24T09:30:00.000Z', NOW, 100);
    expect(first.notifications.map((n) => n.id)).toEqual(['a:crossing']);

    // The second of the same instant lands after the first poll; the cursor still finds it.
    await feed.record(notification('a:flag', same));
    await feed.record(notification('b:crossing', '2026-11-24T10:20:00.000Z'));
    const second = await feed.after(first.cursor, NOW, 100);
    expect(second.notifications.map((n) => n.id)).toEqual(['a:flag', 'b:crossing']);

    // A repeat (a stream replay) is the same item: nothing new after the last cursor.
    await feed.record(notification('b:crossing', '2026-11-24T10:20:00.000Z'));
    expect((await feed.after(second.cursor, NOW, 100)).notifications).toEqual([]);
    // A bare time means after everything at that instant.
    expect((await feed.after(same, NOW, 100)).notifications.map((n) => n.id)).toEqual(['b:crossing']);
  });
});
