import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/**
 * The coldstart benchmark's practical floor: a handler that only creates the DynamoDB document client at start-up,
 * as every Leadscore function that touches a table does, bundled the same way.
 */
const client = DynamoDBDocumentClient.from(new DynamoDBClient({}));

export const handler = async () => ({ statusCode: client ? 204 : 500 });
