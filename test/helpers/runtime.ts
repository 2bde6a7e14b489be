import { QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { inject } from 'vitest';
import { documentClient } from '../../shared/store/dynamo.ts';
import type { TableNames } from '../../shared/store/tables.ts';

export const runtime = inject('runtime');
export const db = documentClient(runtime.dynamodbEndpoint);

/** A request to the local runtime's API, with the API key unless `key: null`. */
export function api(
  path: string,
  init: RequestInit & { json?: unknown; key?: string | null } = {},
): Promise<Response> {
  const headers = new Headers(init.headers);
  if (init.key !== null) headers.set('authorization', `Bearer ${init.key ?? runtime.apiKey}`);
  if (init.json !== undefined) headers.set('content-type', 'application/json');
  return fetch(`${runtime.url}${path}`, {
    ...init,
    headers,
    ...(init.json !== undefined && { body: JSON.stringify(init.json) }),
  });
}

/** Every item under one partition key of a table, read straight from DynamoDB Local. */
export async function itemsUnder(table: keyof TableNames, pk: string): Promise<Record<string, unknown>[]> {
  const out = await db.send(
    new QueryCommand({
      TableName: runtime.tables[table],
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': pk },
    }),
  );
  return out.Items ?? [];
}

/** Items of a table whose attributes mention `text` anywhere: for proving that nothing of a lead is left. */
export async function itemsMentioning(
  table: keyof TableNames,
  text: string,
): Promise<Record<string, unknown>[]> {
  const found: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await db.send(
      new ScanCommand({ TableName: runtime.tables[table], ExclusiveStartKey: start }),
    );
    found.push(...(page.Items ?? []).filter((i) => JSON.stringify(i).includes(text)));
    start = page.LastEvaluatedKey;
  } while (start);
  return found;
}

let n = 0;
/** A fresh id per call, so tests sharing one runtime never see each other's data. */
export function uniqueId(prefix: string): string {
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${++n}`;
}

export const BROWSER_UA =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36';

/** Polls until `what` gives a value, or fails after `timeoutMs`: for effects that the streams deliver in their own time. */
export async function until<T>(
  what: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await what();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
