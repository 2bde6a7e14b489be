import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { count } from '../telemetry.ts';

const WRITES = new Set([
  'PutItemCommand',
  'UpdateItemCommand',
  'DeleteItemCommand',
  'BatchWriteItemCommand',
  'TransactWriteItemsCommand',
]);

/** One document client per process (module scope in each handler), pointed at DynamoDB Local when an endpoint is set. */
export function documentClient(endpoint?: string): DynamoDBDocumentClient {
  const client = new DynamoDBClient({
    ...(endpoint && {
      endpoint,
      region: 'local',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    }),
    maxAttempts: 5,
  });
  if (process.env.LEADSCORE_COUNT_CAPACITY === '1') countWriteCapacity(client);
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}

export interface TableNames {
  activities: string;
  leads: string;
}

/**
 * Cost accounting for benchmarks (LEADSCORE_COUNT_CAPACITY=1): every write asks DynamoDB for the write units it
 * consumed, table and indexes, and they are counted as dynamodb.writeUnits; a write refused by its condition
 * is counted apart (DynamoDB bills it too).
 */
function countWriteCapacity(client: DynamoDBClient): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (!WRITES.has(context.commandName ?? '')) return next(args);
      (args.input as { ReturnConsumedCapacity?: string }).ReturnConsumedCapacity = 'INDEXES';
      try {
        const result = await next(args);
        const consumed = (
          result.output as { ConsumedCapacity?: { CapacityUnits?: number } | { CapacityUnits?: number }[] }
        ).ConsumedCapacity;
        const units = (Array.isArray(consumed) ? consumed : consumed ? [consumed] : []).reduce(
          (sum, c) => sum + (c.CapacityUnits ?? 0),
          0,
        );
        count('dynamodb.writeUnits', units);
        return result;
      } catch (error) {
        if ((error as Error).name === 'ConditionalCheckFailedException')
          count('dynamodb.refusedConditionalWrites');
        throw error;
      }
    },
    { step: 'initialize', name: 'leadscoreCountWriteCapacity' },
  );
}
