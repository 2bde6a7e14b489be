import { BatchGetCommand, BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Key } from './keys.ts';

export type WriteRequest =
  | { PutRequest: { Item: Record<string, unknown> } }
  | { DeleteRequest: { Key: Key } };

/** DynamoDB may leave part of a batch unprocessed under load: retry that part, backing off, until none is left. */
async function untilProcessed<T>(
  first: T[],
  send: (pending: T[]) => Promise<T[] | undefined>,
): Promise<void> {
  let pending: T[] | undefined = first;
  for (let attempt = 0; pending && pending.length > 0; attempt++) {
    if (attempt > 0) await new Promise((r) => setTimeout(r, Math.min(1000, 50 * 2 ** attempt)));
    pending = await send(pending);
  }
}

/** Puts and deletes in batches of 25, every request eventually processed; `parallel` batches in flight at once. */
export async function batchWrite(
  client: DynamoDBDocumentClient,
  table: string,
  requests: WriteRequest[],
  parallel = 1,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < requests.length) {
        const batch = requests.slice(next, next + 25);
        next += 25;
        await untilProcessed(batch, async (pending) => {
          const out = await client.send(new BatchWriteCommand({ RequestItems: { [table]: pending } }));
          return out.UnprocessedItems?.[table] as WriteRequest[] | undefined;
        });
      }
    }),
  );
}

/**
 * Reads keys in batches of 100, every key eventually answered; returns the items found, with only the `projection`
 * attributes when given (named through placeholders, so a reserved word such as `name` needs no care).
 */
export async function batchGet(
  client: DynamoDBDocumentClient,
  table: string,
  wanted: Key[],
  options: { consistent?: boolean; projection?: readonly string[] } = {},
): Promise<Record<string, unknown>[]> {
  const found: Record<string, unknown>[] = [];
  const projection = options.projection && {
    ProjectionExpression: options.projection.map((_, i) => `#p${i}`).join(', '),
    ExpressionAttributeNames: Object.fromEntries(options.projection.map((a, i) => [`#p${i}`, a])),
  };
  for (let i = 0; i < wanted.length; i += 100) {
    await untilProcessed(
      wanted.slice(i, i + 100).map((k) => ({ ...k })),
      async (pending) => {
        const out = await client.send(
          new BatchGetCommand({
            RequestItems: {
              [table]: {
                Keys: pending,
                ...(options.consistent && { ConsistentRead: true }),
                ...projection,
              },
            },
          }),
        );
        found.push(...(out.Responses?.[table] ?? []));
        return out.UnprocessedKeys?.[table]?.Keys as Key[] | undefined;
      },
    );
  }
  return found;
}
