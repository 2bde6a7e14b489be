import { PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { Context, DynamoDBRecord } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureTables } from '../../local/dynamodb.ts';
import { loadModels } from '../../shared/models.ts';
import { type Notification, notificationsFor } from '../../shared/notify/notifications.ts';
import { SnsPublisher } from '../../shared/notify/publisher.ts';
import { notifyStreamHandler } from '../../shared/notify/stream.ts';
import { scoreStreamHandler } from '../../shared/scoring/stream.ts';
import { documentClient } from '../../shared/store/dynamo.ts';
import { FeedStore } from '../../shared/store/feed.ts';
import { LeadDirectory } from '../../shared/store/leads.ts';
import { Ledger } from '../../shared/store/ledger.ts';
import { ScoreStore, scoreOf } from '../../shared/store/scores.ts';
import { itemOfImage } from '../../shared/store/stream-image.ts';
import { namedTables } from '../../shared/store/tables.ts';
import { syntheticLeads } from '../../shared/synthetic/generator.ts';
import { runtime } from '../helpers/runtime.ts';
import { snsEndpoint, TEST_TOPIC_ARN } from '../helpers/sns.ts';
import { deliver, readStream } from '../helpers/streams.ts';

// Tables of this test's own in the run's DynamoDB Local, whose streams the test delivers itself, as Lambda would;
// SNS is an endpoint of the test's own that fails the entries it is told to (test/helpers/sns.ts).
const tables = {
  activities: `notify-activities-${process.pid}`,
  leads: `notify-leads-${process.pid}`,
  search: `notify-search-${process.pid}`,
};
const client = documentClient(runtime.dynamodbEndpoint);
const ledger = new Ledger(client, tables, 400);
const store = new ScoreStore(client, tables);
const feed = new FeedStore(client, tables);
const [model] = loadModels('models/default.yaml');
const START = Date.parse('2026-10-01T00:00:00Z');
const NOW = START + 21 * 86_400_000;
const context = { getRemainingTimeInMillis: () => 60_000 } as Context;
let leadRecords: DynamoDBRecord[];

beforeAll(async () => {
  await ensureTables(runtime.dynamodbEndpoint, namedTables(tables));
  const directory = new LeadDirectory(client, tables);
  for (const lead of syntheticLeads({ seed: 23, leads: 60, start: START, days: 21 })) {
    await directory.setAttributes(lead.profile.leadId, lead.profile.attributes, START);
    for (const activity of lead.activities)
      await ledger.record({ kind: 'lead', id: lead.profile.leadId }, activity, 'api', START);
  }
  // The scores, as the scoring stream writes them: the leads table's stream then holds their changes.
  const activities = (await readStream(tables.activities)).filter((r) => r.eventName === 'INSERT');
  const score = scoreStreamHandler({ models: [model!], ledger, scores: store, clock: () => NOW });
  await deliver(score, activities, 100);
  leadRecords = await readStream(tables.leads);
});

/** The notifications each committed score change of the stream calls for, by their ids. */
function expectedNotifications(records: DynamoDBRecord[]): Map<string, Notification> {
  return new Map(
    records.flatMap((r) => {
      const image = itemOfImage<Record<string, unknown>>(r.dynamodb!.NewImage!);
      if (image.entity !== 'score') return [];
      const after = scoreOf(image);
      const before = r.dynamodb!.OldImage ? scoreOf(itemOfImage(r.dynamodb!.OldImage)) : undefined;
      return notificationsFor(model!, before, after).map((n) => [n.id, n] as const);
    }),
  );
}

/** The score revision a notification's id names (`lead:model:rev:what`). */
const revisionOf = (n: Notification) => Number(n.id.slice(`${n.leadId}:${n.model}:`.length).split(':')[0]);

describe('notifications published in batches', () => {
  const endpoints: Awaited<ReturnType<typeof snsEndpoint>>[] = [];
  afterAll(() => Promise.all(endpoints.map((e) => e.close())));

  it('go out in few PublishBatch requests; entries SNS fails fail their records, which are delivered again until every notification is out, each lead in order', async () => {
    // Prepare: SNS fails one entry in five on first sight.
    let seen = 0;
    const sns = await snsEndpoint((_, offered) => offered === 0 && ++seen % 5 === 0);
    endpoints.push(sns);
    const notify = notifyStreamHandler({
      models: [model!],
      publisher: new SnsPublisher(TEST_TOPIC_ARN, sns.clientConfig),
      history: store,
      retentionDays: 400,
      feed,
    });

    // Act: the leads stream, in batches of 50 as the event source mapping hands them over.
    const retries = await deliver((event) => notify(event, context), leadRecords, 50);

    // Assess: SNS failed entries, and the stream delivered their records again.
    const expected = expectedNotifications(leadRecords);
    expect(expected.size).toBeGreaterThan(20);
    expect(sns.refused.length).toBeGreaterThan(0);
    expect(retries).toBeGreaterThan(0);
    // Every notification was published, none under another id; repeats are of records delivered again.
    expect(new Set(sns.accepted.map((n) => n.id))).toEqual(new Set(expected.keys()));
    // Far fewer requests than messages, none holding two changes of one lead.
    expect(sns.requests.length).toBeLessThan(sns.accepted.length / 2);
    for (const request of sns.requests) {
      const changes = new Map<string, Set<number>>();
      for (const m of request.messages) {
        const n = JSON.parse(m.message) as Notification;
        changes.set(n.leadId, (changes.get(n.leadId) ?? new Set()).add(revisionOf(n)));
      }
      for (const revisions of changes.values()) expect(revisions.size).toBe(1);
    }
    // Each lead's changes went out in the order they were made.
    const firstOut = [...new Map(sns.accepted.map((n) => [n.id, n])).values()];
    for (const lead of new Set(firstOut.map((n) => n.leadId))) {
      const revisions = firstOut.filter((n) => n.leadId === lead).map(revisionOf);
      expect(revisions).toEqual([...revisions].sort((a, b) => a - b));
    }
    // And the live feed holds what was published.
    const fed = await client.send(
      new ScanCommand({
        TableName: tables.leads,
        FilterExpression: 'entity = :feed',
        ExpressionAttributeValues: { ':feed': 'feed' },
      }),
    );
    expect(new Set(fed.Items?.map((i) => (i.notification as Notification).id))).toEqual(
      new Set(expected.keys()),
    );
  });

  it("publishes a lead's crossing before its erasure in the same batch clears the feed, which keeps nothing of it", async () => {
    // Prepare: the stream's last change with a notification, then its lead erased (its score replaced by a marker).
    const last = leadRecords.findLast((r) => expectedNotifications([r]).size > 0)!;
    const scored = scoreOf(itemOfImage(last.dynamodb!.NewImage!));
    const announced = [...expectedNotifications([last]).keys()];
    await client.send(
      new PutCommand({
        TableName: tables.leads,
        Item: { pk: `LEAD#${scored.leadId}`, sk: `SCORE#${scored.model}`, entity: 'erased' },
      }),
    );
    const marker = (await readStream(tables.leads)).findLast(
      (r) => itemOfImage<{ pk: string; entity: string }>(r.dynamodb!.NewImage!).entity === 'erased',
    )!;
    const sns = await snsEndpoint();
    endpoints.push(sns);
    const notify = notifyStreamHandler({
      models: [model!],
      publisher: new SnsPublisher(TEST_TOPIC_ARN, sns.clientConfig),
      history: store,
      retentionDays: 400,
      feed,
      clock: () => Date.parse(scored.updatedAt),
    });

    // Act: the change and the erasure in one batch.
    expect(await deliver((event) => notify(event, context), [last, marker], 50)).toBe(0);

    // Assess: the change was announced, and the feed no longer holds it (nor anything of the lead of its days).
    expect(sns.accepted.map((n) => n.id)).toEqual(announced);
    const fed = await client.send(
      new ScanCommand({
        TableName: tables.leads,
        FilterExpression: 'entity = :feed AND #n.leadId = :lead',
        ExpressionAttributeNames: { '#n': 'notification' },
        ExpressionAttributeValues: { ':feed': 'feed', ':lead': scored.leadId },
      }),
    );
    const left = (fed.Items ?? []).map((i) => i.notification as Notification);
    expect(left.filter((n) => announced.includes(n.id))).toEqual([]);
    expect(
      left.filter((n) => Math.abs(Date.parse(n.at) - Date.parse(scored.updatedAt)) < 86_400_000),
    ).toEqual([]);
  });
});
