import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureTables } from '../../local/dynamodb.ts';
import { documentClient } from '../../shared/store/dynamo.ts';
import { resolveSubjects } from '../../shared/store/identity.ts';
import { keys } from '../../shared/store/keys.ts';
import { LEADS_TABLE } from '../../shared/store/tables.ts';
import { runtime } from '../helpers/runtime.ts';

// The run's DynamoDB Local, a leads table of this test's own; the client counts the keys each BatchGetItem asks for.
const table = `settled-leads-${process.pid}`;
const client = documentClient(runtime.dynamodbEndpoint);
const asked: string[] = [];
client.middlewareStack.add(
  (next) => async (args) => {
    const items = (args.input as { RequestItems?: Record<string, { Keys: { pk: unknown }[] }> }).RequestItems;
    for (const request of Object.values(items ?? {})) for (const k of request.Keys) asked.push(String(k.pk));
    return next(args);
  },
  { step: 'initialize', name: 'countKeys' },
);

beforeAll(async () => {
  await ensureTables(runtime.dynamodbEndpoint, [{ definition: LEADS_TABLE, name: table }]);
});

const put = (Item: Record<string, unknown>) => client.send(new PutCommand({ TableName: table, Item }));

describe('resolving subjects on the pixel path', () => {
  it('reads a tombstone and an alias once per container, and "nothing there" every time', async () => {
    // Prepare: an erased lead, a visitor identified as a live lead, a lead with nothing about it
    await put({ ...keys.erased({ kind: 'lead', id: 'gone' }), entity: 'erased', at: '2026-11-30T00:00:00Z' });
    await put({ ...keys.alias({ kind: 'anonymous', id: 'v1' }), entity: 'alias', leadId: 'ana' });
    const subjects = [
      { kind: 'lead', id: 'gone' },
      { kind: 'anonymous', id: 'v1' },
      { kind: 'lead', id: 'fresh' },
    ] as const;

    // Act
    const first = await resolveSubjects(client, table, [...subjects]);
    asked.length = 0;
    const second = await resolveSubjects(client, table, [...subjects]);

    // Assert: the same answers; the second time only the open questions are read again
    expect(second).toEqual(first);
    expect(first.get('LEAD#gone')).toBe('erased');
    expect(first.get('ANON#v1')).toEqual({ kind: 'lead', id: 'ana' });
    expect(first.get('LEAD#fresh')).toEqual({ kind: 'lead', id: 'fresh' });
    expect(asked.sort()).toEqual(
      [
        // ana's alias and tombstone (v1's alias is settled; ana may still be erased or merged)
        keys.alias({ kind: 'lead', id: 'ana' }).pk,
        keys.erased({ kind: 'lead', id: 'ana' }).pk,
        // v1's tombstone: a visitor can be erased later
        keys.erased({ kind: 'anonymous', id: 'v1' }).pk,
        keys.alias({ kind: 'lead', id: 'fresh' }).pk,
        keys.erased({ kind: 'lead', id: 'fresh' }).pk,
      ].sort(),
    );
  });

  it('sees what changed since: a lead erased after it was resolved', async () => {
    // Prepare
    const lead = { kind: 'lead', id: 'later' } as const;
    expect((await resolveSubjects(client, table, [lead])).get('LEAD#later')).toEqual(lead);

    // Act
    await put({ ...keys.erased(lead), entity: 'erased', at: '2026-11-30T00:00:00Z' });

    // Assert
    expect((await resolveSubjects(client, table, [lead])).get('LEAD#later')).toBe('erased');
  });

  it('forgets a kept alias whose lead was merged on, so the chain it led down does not grow with each merge', async () => {
    // Prepare: w1 identified as cid, kept; then cid merged into dan, and w1's alias repointed, as a merge does
    const visitor = { kind: 'anonymous', id: 'w1' } as const;
    await put({ ...keys.alias(visitor), entity: 'alias', leadId: 'cid' });
    await resolveSubjects(client, table, [visitor]);
    await put({ ...keys.alias({ kind: 'lead', id: 'cid' }), entity: 'alias', leadId: 'dan' });
    await put({ ...keys.alias(visitor), entity: 'alias', leadId: 'dan' });

    // Act: once down the old chain (w1, cid, dan), then again
    const through = await resolveSubjects(client, table, [visitor]);
    asked.length = 0;
    const again = await resolveSubjects(client, table, [visitor]);

    // Assert: both answer dan; the second read w1's alias afresh and never went by cid
    expect(through.get('ANON#w1')).toEqual({ kind: 'lead', id: 'dan' });
    expect(again.get('ANON#w1')).toEqual({ kind: 'lead', id: 'dan' });
    expect(asked).toContain(keys.alias(visitor).pk);
    expect(asked).not.toContain(keys.alias({ kind: 'lead', id: 'cid' }).pk);
  });

  it('reads everything afresh when asked for a strongly consistent answer', async () => {
    // Prepare
    const visitor = { kind: 'anonymous', id: 'v1' } as const;
    await resolveSubjects(client, table, [visitor]);
    asked.length = 0;

    // Act
    await resolveSubjects(client, table, [visitor], true);

    // Assert
    expect(asked).toContain(keys.alias(visitor).pk);
  });
});
