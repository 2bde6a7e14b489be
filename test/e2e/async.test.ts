import { InvokeCommand, LambdaClient, ResourceNotFoundException } from '@aws-sdk/client-lambda';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import type { AsyncFailureRecord } from '../../local/lambda.ts';
import { ASYNC_INVOKED } from '../../shared/manifest.ts';
import { keys } from '../../shared/store/keys.ts';
import { api, db, itemsUnder, runtime, uniqueId, until } from '../helpers/runtime.ts';

/** The local runtime's Lambda, through the same SDK client the handlers use. */
const lambda = new LambdaClient({
  endpoint: runtime.url,
  region: 'local',
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
});

async function failureFor(eventId: string): Promise<AsyncFailureRecord | undefined> {
  const records = (await (await api('/local/async-failures')).json()) as AsyncFailureRecord[];
  return records.find((r) => (r.requestPayload as { id?: string }).id === eventId);
}

describe("Lambda's asynchronous invocations, locally", () => {
  it('keeps a bus event that failed to store, after the retries the stack configures, as Lambda records it', async () => {
    // Prepare: a visitor whose alias points at a lead id too long for a DynamoDB key (2048 bytes), as only a
    // corrupted item could: the event is valid, and storing it fails in DynamoDB, every time.
    const visitor = uniqueId('v-broken');
    await db.send(
      new PutCommand({
        TableName: runtime.tables.leads,
        Item: {
          ...keys.alias({ kind: 'anonymous', id: visitor }),
          entity: 'alias',
          leadId: 'x'.repeat(3000),
        },
      }),
    );
    const detail = {
      eventId: uniqueId('e'),
      anonymousId: visitor,
      type: 'page_view',
      occurredAt: '2026-11-20T10:00:00Z',
      properties: { path: '/pricing' },
    };

    // Act: PutEvents answers at once, with the event's id.
    const response = await api('/local/events', {
      method: 'POST',
      json: {
        Entries: [{ Source: 'crm.test', DetailType: 'leadscore.activity', Detail: JSON.stringify(detail) }],
      },
    });
    const { FailedEntryCount, Entries } = (await response.json()) as {
      FailedEntryCount: number;
      Entries: { EventId: string }[];
    };
    expect(FailedEntryCount).toBe(0);
    const eventId = Entries[0]!.EventId;

    // Assess: after every attempt failed, the on-failure record holds the event as the handler got it (JSON).
    const record = await until(() => failureFor(eventId), 20_000);
    const retries = ASYNC_INVOKED.find((a) => a.handler === 'ingest-bus')!.retryAttempts;
    expect(record).toMatchObject({
      version: '1.0',
      requestContext: {
        functionArn: expect.stringMatching(/:function:leadscore-local-ingest-bus:\$LATEST$/),
        condition: 'RetriesExhausted',
        approximateInvokeCount: retries + 1,
      },
      requestPayload: {
        version: '0',
        id: eventId,
        'detail-type': 'leadscore.activity',
        source: 'crm.test',
        detail,
      },
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      responsePayload: { errorType: expect.any(String), errorMessage: expect.stringMatching(/key|size/i) },
    });
    expect(Date.parse(record.timestamp)).not.toBeNaN();
    expect(await itemsUnder('activities', `ANON#${visitor}`)).toEqual([]);
  });

  it('needs the API key to show the failures', async () => {
    expect((await api('/local/async-failures', { key: null })).status).toBe(401);
  });

  it('serves the Invoke API: 202 for an event; an unknown function or too large an event refused', async () => {
    const lead = uniqueId('invoked');
    const out = await lambda.send(
      new InvokeCommand({
        FunctionName: 'ingest-bus',
        InvocationType: 'Event',
        Payload: JSON.stringify({
          id: uniqueId('evt'),
          'detail-type': 'leadscore.profile',
          source: 'test',
          detail: { leadId: lead, attributes: { title: 'CTO' } },
        }),
      }),
    );
    expect(out.StatusCode).toBe(202);
    await until(async () =>
      (await itemsUnder('leads', `LEAD#${lead}`)).some((i) => i.entity === 'profile') ? true : undefined,
    );
    await expect(
      lambda.send(new InvokeCommand({ FunctionName: 'no-such-function', InvocationType: 'Event' })),
    ).rejects.toBeInstanceOf(ResourceNotFoundException);
    // An event larger than Lambda queues is refused, not run.
    await expect(
      lambda.send(
        new InvokeCommand({
          FunctionName: 'ingest-bus',
          InvocationType: 'Event',
          Payload: JSON.stringify({ detail: 'x'.repeat(300_000) }),
        }),
      ),
    ).rejects.toMatchObject({ name: 'RequestTooLargeException' });
  });
});
