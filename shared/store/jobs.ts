import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { keys } from './keys.ts';
import type { TableNames } from './tables.ts';

export type JobKind = 'dry-run' | 'erase';
export type JobStatus = 'queued' | 'running' | 'succeeded' | 'failed';

/** How far a job has got: `total` is unknown until the worker has counted what there is to do. */
export interface JobProgress {
  done: number;
  total?: number;
}

/** A job as the leads table holds it. `request` and `state` are the kind's own JSON, opaque here. */
export interface JobItem {
  pk: string;
  sk: string;
  entity: 'job';
  jobId: string;
  kind: JobKind;
  status: JobStatus;
  request: unknown;
  /** Where the worker resumes: saved with the progress, so a fresh or retried invocation goes on from there. */
  state?: unknown;
  progress: JobProgress;
  result?: unknown;
  error?: string;
  /** Optimistic version: a worker saves only over the revision it read, so two never run one job at once. */
  rev: number;
  createdAt: string;
  updatedAt: string;
  expiresAt: number;
}

/** A job is kept a week after it was last touched, then DynamoDB's TTL removes it. */
const KEEP_SECONDS = 7 * 86_400;

export class JobStore {
  private readonly client: DynamoDBDocumentClient;
  private readonly tables: TableNames;

  constructor(client: DynamoDBDocumentClient, tables: TableNames) {
    this.client = client;
    this.tables = tables;
  }

  async create(jobId: string, kind: JobKind, request: unknown, nowMs: number): Promise<JobItem> {
    const at = new Date(nowMs).toISOString();
    const item: JobItem = {
      ...keys.job(jobId),
      entity: 'job',
      jobId,
      kind,
      status: 'queued',
      request,
      progress: { done: 0 },
      rev: 0,
      createdAt: at,
      updatedAt: at,
      expiresAt: Math.floor(nowMs / 1000) + KEEP_SECONDS,
    };
    await this.client.send(
      new PutCommand({
        TableName: this.tables.leads,
        Item: item,
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    return item;
  }

  async get(jobId: string): Promise<JobItem | undefined> {
    const out = await this.client.send(
      new GetCommand({ TableName: this.tables.leads, Key: keys.job(jobId), ConsistentRead: true }),
    );
    return out.Item as JobItem | undefined;
  }

  /** Saves a job over the revision it was read at; the saved job, or undefined if someone else saved first. */
  async save(job: JobItem, nowMs: number): Promise<JobItem | undefined> {
    const next: JobItem = {
      ...job,
      rev: job.rev + 1,
      updatedAt: new Date(nowMs).toISOString(),
      expiresAt: Math.floor(nowMs / 1000) + KEEP_SECONDS,
    };
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tables.leads,
          Item: next,
          ConditionExpression: 'rev = :rev',
          ExpressionAttributeValues: { ':rev': job.rev },
        }),
      );
      return next;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return undefined;
      throw error;
    }
  }
}
