import { type ConsumedCapacity, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { tally } from '../telemetry.ts';

const WRITES = new Set([
  'PutItemCommand',
  'UpdateItemCommand',
  'DeleteItemCommand',
  'BatchWriteItemCommand',
  'TransactWriteItemsCommand',
]);
const READS = new Set(['GetItemCommand', 'BatchGetItemCommand', 'QueryCommand', 'ScanCommand']);

/**
 * One document client per process (module scope in each handler), pointed at DynamoDB Local when an endpoint is
 * set; `region` overrides the SDK's own (an operator naming a stack's region).
 */
export function documentClient(endpoint?: string, region?: string): DynamoDBDocumentClient {
  const client = new DynamoDBClient({
    ...(region && { region }),
    ...(endpoint && {
      endpoint,
      region: 'local',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    }),
    maxAttempts: 5,
  });
  if (process.env.LEADSCORE_COUNT_CAPACITY === '1') countCapacity(client);
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}

/**
 * Cost accounting for benchmarks (LEADSCORE_COUNT_CAPACITY=1): every read and write asks DynamoDB for the
 * capacity units it consumed, table and indexes. Writes are counted as dynamodb.writeUnits (and by operation,
 * table and index), reads as dynamodb.readUnits; a write refused by its condition is counted apart (DynamoDB
 * bills it too).
 */
function countCapacity(client: DynamoDBClient): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const command = context.commandName ?? '';
      const kind = WRITES.has(command) ? 'writeUnits' : READS.has(command) ? 'readUnits' : undefined;
      if (!kind) return next(args);
      (args.input as { ReturnConsumedCapacity?: string }).ReturnConsumedCapacity = 'INDEXES';
      try {
        const result = await next(args);
        const consumed = (result.output as { ConsumedCapacity?: ConsumedCapacity | ConsumedCapacity[] })
          .ConsumedCapacity;
        if (kind === 'readUnits')
          tally('dynamodb.readUnits', unreportedReads(command, args.input, result.output));
        for (const c of Array.isArray(consumed) ? consumed : consumed ? [consumed] : []) {
          tally(`dynamodb.${kind}`, c.CapacityUnits ?? 0);
          if (kind === 'readUnits') continue;
          // Where they went, for the benchmark's breakdown: the table itself, each index, and by operation.
          tally(`dynamodb.writeUnits.${command}`, c.CapacityUnits ?? 0);
          tally('dynamodb.writeUnits.table', c.Table?.CapacityUnits ?? 0);
          tally(`dynamodb.writeUnits.item.${itemKind(args.input)}`, c.Table?.CapacityUnits ?? 0);
          for (const [index, units] of Object.entries(c.GlobalSecondaryIndexes ?? {}))
            tally(`dynamodb.writeUnits.index.${index}`, units.CapacityUnits ?? 0);
        }
        return result;
      } catch (error) {
        if ((error as Error).name === 'ConditionalCheckFailedException')
          tally('dynamodb.refusedConditionalWrites');
        throw error;
      }
    },
    { step: 'initialize', name: 'leadscoreCountCapacity' },
  );
}

/**
 * What DynamoDB bills for a read that DynamoDB Local reports as nothing: every key a BatchGetItem asked for that
 * was not found (half a unit eventually consistent, one strongly), and a Query or Scan that found nothing (the
 * same minimum per request). A GetItem miss Local already reports.
 */
function unreportedReads(command: string, input: unknown, output: unknown): number {
  const minimum = (consistent: boolean | undefined) => (consistent ? 1 : 0.5);
  if (command === 'BatchGetItemCommand') {
    const { RequestItems = {} } = input as {
      RequestItems?: Record<string, { Keys?: unknown[]; ConsistentRead?: boolean }>;
    };
    const { Responses = {}, UnprocessedKeys = {} } = output as {
      Responses?: Record<string, unknown[]>;
      UnprocessedKeys?: Record<string, { Keys?: unknown[] }>;
    };
    return Object.entries(RequestItems).reduce((sum, [table, request]) => {
      const missing =
        (request.Keys?.length ?? 0) -
        (Responses[table]?.length ?? 0) -
        (UnprocessedKeys[table]?.Keys?.length ?? 0);
      return sum + Math.max(0, missing) * minimum(request.ConsistentRead);
    }, 0);
  }
  if (command === 'QueryCommand' || command === 'ScanCommand') {
    const { ConsistentRead } = input as { ConsistentRead?: boolean };
    const { ConsumedCapacity } = output as { ConsumedCapacity?: ConsumedCapacity };
    return Math.max(0, minimum(ConsistentRead) - (ConsumedCapacity?.CapacityUnits ?? 0));
  }
  return 0;
}

/** What a single-item write wrote, by its sort key's prefix ("SCORE", "HIST", "EVT", ...); "batch" for batches. */
function itemKind(input: unknown): string {
  const { Item, Key } = input as { Item?: Record<string, unknown>; Key?: Record<string, unknown> };
  // Plain values from the document client, or attribute values once marshalled.
  const sk = (Item ?? Key)?.sk as string | { S?: string } | undefined;
  const text = typeof sk === 'string' ? sk : sk?.S;
  const prefix = text?.split('#')[0];
  return prefix && /^[A-Z]+$/.test(prefix) ? prefix : text ? 'other' : 'batch';
}
