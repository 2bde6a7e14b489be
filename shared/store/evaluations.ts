import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { keys } from './keys.ts';
import type { TableNames } from './tables.ts';

/** The last evaluation of each model, kept beside the leads so the API and the dashboard can show it. */
export class EvaluationStore {
  private readonly client: DynamoDBDocumentClient;
  private readonly tables: TableNames;

  constructor(client: DynamoDBDocumentClient, tables: TableNames) {
    this.client = client;
    this.tables = tables;
  }

  async publish(model: string, evaluation: object, nowMs: number): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.tables.leads,
        Item: {
          ...keys.evaluation(model),
          entity: 'evaluation',
          model,
          publishedAt: new Date(nowMs).toISOString(),
          evaluation: JSON.stringify(evaluation),
        },
      }),
    );
  }

  async latest(model: string): Promise<{ publishedAt: string; evaluation: unknown } | undefined> {
    const out = await this.client.send(
      new GetCommand({ TableName: this.tables.leads, Key: keys.evaluation(model) }),
    );
    if (!out.Item) return undefined;
    return { publishedAt: String(out.Item.publishedAt), evaluation: JSON.parse(String(out.Item.evaluation)) };
  }
}
