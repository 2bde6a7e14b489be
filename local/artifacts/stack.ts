import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { DynamoDBRecord } from 'aws-lambda';
import { TABLES, type TableNames } from '../../shared/store/tables.ts';
import { type DynamoDbLocal, ensureTables, startDynamoDbLocal } from '../dynamodb.ts';
import { type StreamFailure, StreamPoller } from '../streams.ts';
import { startGateway } from './gateway.ts';
import { type AwsCall, type InvokeResult, LambdaService } from './lambda.ts';
import { matchesPattern } from './patterns.ts';
import { installSdk } from './sdk.ts';
import {
  type AsyncInvocation,
  dynamoDbProxy,
  lambdaStandIn,
  type Published,
  type StandIn,
  secretsStandIn,
  snsStandIn,
} from './stand-ins.ts';
import { ACCOUNT, REGION, type StreamMapping, Template } from './template.ts';

/** What Lambda sends an on-failure destination when it gives up on a stream batch (its documented record). */
export interface StreamFailureRecord {
  requestContext: {
    requestId: string;
    functionArn: string;
    condition: string;
    approximateInvokeCount: number;
  };
  responseContext: { statusCode: number; executedVersion: string; functionError: string };
  version: '1.0';
  timestamp: string;
  DDBStreamBatchInfo: {
    shardId: string;
    startSequenceNumber: string;
    endSequenceNumber: string;
    batchSize: number;
    streamArn: string;
  };
}

export interface Destination {
  queueArn: string;
  record: StreamFailureRecord;
}

/** Synthesises the app (offline, as `cdk synth`) into `outDir`; returns the stack's name. */
export async function synthesise(repoRoot: string, outDir: string): Promise<string> {
  const env = { ...process.env, AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '', AWS_PROFILE: '' };
  await promisify(execFile)('npx', ['cdk', 'synth', '--quiet', '-o', outDir], {
    cwd: repoRoot,
    env,
    maxBuffer: 64 * 1024 * 1024,
  });
  const manifest = JSON.parse(readFileSync(join(outDir, 'manifest.json'), 'utf8')) as {
    artifacts: Record<string, { type: string }>;
  };
  const stacks = Object.entries(manifest.artifacts).filter(([, a]) => a.type === 'aws:cloudformation:stack');
  if (stacks.length !== 1) throw new Error(`expected one stack in the assembly, found ${stacks.length}`);
  return stacks[0]![0];
}

/**
 * A synthesised stack, run on this machine as AWS would run it: the functions from their bundles (LambdaService),
 * the tables in DynamoDB Local with real streams feeding the stream functions through the template's event source
 * mappings, the HTTP API's routes, the bus rule and the decay schedule from the template, and stand-ins for SNS,
 * Secrets Manager and Lambda Invoke. Every AWS call any function makes, or Lambda makes for it, lands in `calls`.
 */
export class DeployedStack {
  readonly calls: AwsCall[];
  readonly published: Published[];
  readonly destinations: Destination[] = [];
  readonly asyncInvocations: AsyncInvocation[];
  /** Sequence number of every stream record delivered, by function, with its keys: to tell records apart. */
  readonly delivered: { functionName: string; sequenceNumber: string; keys: unknown }[] = [];
  /** Every stream batch handed to a function, and how it came back: to say why a stream effect never came. */
  readonly batches: { functionName: string; records: number; failed: string | undefined }[] = [];
  readonly template: Template;
  readonly lambda: LambdaService;
  readonly signingSecret: string;
  readonly tables: TableNames;
  readonly apiUrl: string;
  readonly dynamodbEndpoint: string;

  private readonly closers: (() => Promise<void>)[];

  private constructor(parts: {
    template: Template;
    lambda: LambdaService;
    signingSecret: string;
    tables: TableNames;
    apiUrl: string;
    dynamodbEndpoint: string;
    calls: AwsCall[];
    published: Published[];
    asyncInvocations: AsyncInvocation[];
    closers: (() => Promise<void>)[];
  }) {
    this.template = parts.template;
    this.lambda = parts.lambda;
    this.signingSecret = parts.signingSecret;
    this.tables = parts.tables;
    this.apiUrl = parts.apiUrl;
    this.dynamodbEndpoint = parts.dynamodbEndpoint;
    this.calls = parts.calls;
    this.published = parts.published;
    this.asyncInvocations = parts.asyncInvocations;
    this.closers = parts.closers;
  }

  static async start(options: {
    repoRoot: string;
    assemblyDir: string;
    stackName: string;
    workDir: string;
    log?: (line: string) => void;
  }): Promise<DeployedStack> {
    const log = options.log ?? (() => undefined);
    const template = new Template(options.assemblyDir, options.stackName);
    const runtimeDir = join(options.workDir, 'runtime');
    mkdirSync(runtimeDir, { recursive: true });
    installSdk(options.repoRoot, runtimeDir);

    const closers: (() => Promise<void>)[] = [];
    const calls: AwsCall[] = [];
    const record = (call: AwsCall) => calls.push(call);
    const published: Published[] = [];
    const asyncInvocations: AsyncInvocation[] = [];

    const dynamodb: DynamoDbLocal = await startDynamoDbLocal({});
    closers.push(() => dynamodb.stop());
    const tableNames = template.ofType('AWS::DynamoDB::GlobalTable').map(([id]) => template.nameOf(id));
    const definitions = TABLES.map((definition) => {
      const name = tableNames.find((n) => n.endsWith(`-${definition.id}`));
      if (!name) throw new Error(`the template has no ${definition.id} table`);
      return { definition, name };
    });
    await ensureTables(dynamodb.endpoint, definitions);
    const tables = Object.fromEntries(
      definitions.map(({ definition, name }) => [definition.id, name]),
    ) as TableNames;

    const signingSecret = randomBytes(48).toString('base64url');
    const functions = template.functions();
    // The stand-ins need the callers' identities, the Lambda service needs the stand-ins' addresses: build the
    // service first, pointing at servers whose addresses are filled in below.
    const endpoints: Record<string, string> = {};
    const lambda = new LambdaService({
      functions,
      runtimeDir,
      endpoints,
      record,
      ...(options.log && { log: (l) => log(`${l.functionName}: ${l.line}`) }),
    });
    closers.push(() => lambda.stop());
    const callerOf = (key: string) => lambda.callerOf(key);
    const standIns: StandIn[] = [
      await dynamoDbProxy(dynamodb.endpoint, callerOf, record),
      await snsStandIn({
        callerOf,
        record,
        keyOf: (topic) => template.keyOf(topic),
        topics: template.ofType('AWS::SNS::Topic').map(([id]) => template.ref(id)),
        published,
      }),
      await secretsStandIn({
        callerOf,
        record,
        secrets: template.ofType('AWS::SecretsManager::Secret').map(([id]) => ({
          arn: template.ref(id),
          name: template.nameOf(id),
          value: signingSecret,
          key: template.keyOf(template.ref(id)),
        })),
      }),
      await lambdaStandIn({ lambda, record, invocations: asyncInvocations }),
    ];
    for (const s of standIns) closers.push(() => s.close());
    Object.assign(endpoints, {
      AWS_ENDPOINT_URL_DYNAMODB: standIns[0]!.url,
      AWS_ENDPOINT_URL_SNS: standIns[1]!.url,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: standIns[2]!.url,
      AWS_ENDPOINT_URL_LAMBDA: standIns[3]!.url,
    });

    const gateway = await startGateway(template, lambda);
    closers.push(
      () =>
        new Promise((done) => {
          gateway.server.close(() => done());
          gateway.server.closeAllConnections();
        }),
    );

    const stack = new DeployedStack({
      template,
      lambda,
      signingSecret,
      tables,
      apiUrl: gateway.url,
      dynamodbEndpoint: dynamodb.endpoint,
      calls,
      published,
      asyncInvocations,
      closers,
    });
    for (const mapping of template.streamMappings()) await stack.startStream(mapping, log);
    return stack;
  }

  /** Invokes a function directly, as `aws lambda invoke` (RequestResponse) would. */
  invoke(functionName: string, event: unknown, options: { elapsedMs?: number } = {}): Promise<InvokeResult> {
    return this.lambda.invoke(functionName, event, options);
  }

  /**
   * An event put on the bus: every rule of the template whose pattern matches hands its targets the event in
   * EventBridge's rule-target shape.
   */
  async putEvent(entry: {
    busName: string;
    source: string;
    detailType: string;
    detail: unknown;
  }): Promise<InvokeResult[]> {
    const event = {
      version: '0',
      id: randomUUID(),
      'detail-type': entry.detailType,
      source: entry.source,
      account: ACCOUNT,
      time: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
      region: REGION,
      resources: [],
      detail: entry.detail,
    };
    const results: InvokeResult[] = [];
    for (const [, rule] of this.template.ofType('AWS::Events::Rule')) {
      const p = this.template.resolve(rule.Properties) as {
        EventBusName?: string;
        EventPattern: unknown;
        Targets: { Arn: string }[];
      };
      if ((p.EventBusName ?? 'default') !== entry.busName || !matchesPattern(p.EventPattern, event)) continue;
      for (const target of p.Targets) results.push(await this.lambda.invoke(target.Arn, event));
    }
    return results;
  }

  /** What the decay schedule sends its target when it fires: its Input (none: an empty object), plus `extra`. */
  async fireSchedule(name: string, extra: Record<string, unknown> = {}): Promise<InvokeResult> {
    const found = this.template
      .ofType('AWS::Scheduler::Schedule')
      .map(
        ([, s]) =>
          this.template.resolve(s.Properties) as { Name: string; Target: { Arn: string; Input?: string } },
      )
      .find((s) => s.Name === name);
    if (!found) throw new Error(`no schedule ${name} in the template`);
    const input = found.Target.Input === undefined ? {} : (JSON.parse(found.Target.Input) as object);
    return this.lambda.invoke(found.Target.Arn, { ...input, ...extra });
  }

  /** Lines a function printed (stdout and stderr), e.g. its EMF metrics. */
  outputOf(functionName: string): string[] {
    return this.lambda.output.filter((o) => o.functionName === functionName).map((o) => o.line);
  }

  async stop(): Promise<void> {
    for (const close of this.closers.reverse()) await close().catch(() => undefined);
  }

  /**
   * A DynamoDB event source mapping: the table's real stream (DynamoDB Local) read with the mapping's settings,
   * each record handed over as the JSON Lambda delivers, filtered by the mapping's patterns; what Lambda gives up
   * on goes to the mapping's on-failure destination in Lambda's own record format.
   */
  private async startStream(mapping: StreamMapping, log: (line: string) => void): Promise<void> {
    const fn = this.lambda.function(mapping.functionName);
    // Lambda reads the stream with the function's role, by the stream's ARN (it lists no streams: ListStreams
    // takes no resource, so a grant of it on the stream's ARN would not even match).
    for (const action of ['DescribeStream', 'GetShardIterator', 'GetRecords'])
      this.calls.push({
        caller: fn.name,
        action: `dynamodb:${action}`,
        resource: mapping.streamArn,
        by: 'lambda',
      });
    const poller = new StreamPoller({
      endpoint: this.dynamodbEndpoint,
      tableName: mapping.tableName,
      consumer: {
        handler: fn.name,
        table: mapping.tableName === this.tables.activities ? 'activities' : 'leads',
        batchSize: mapping.batchSize,
        maxBatchingWindowSeconds: mapping.maxBatchingWindowSeconds,
        retryAttempts: mapping.retryAttempts,
        maxRecordAgeSeconds: mapping.maxRecordAgeSeconds,
        bisectBatchOnError: mapping.bisectBatchOnError,
        reportBatchItemFailures: true,
        // Filtering follows the template's patterns, below.
        filters: [{}],
      },
      handler: async (event) => {
        const records = event.Records.map((r) => asLambdaDelivers(r, mapping.streamArn)).filter(
          (r) =>
            mapping.filterPatterns.length === 0 || mapping.filterPatterns.some((p) => matchesPattern(p, r)),
        );
        if (records.length === 0) return { batchItemFailures: [] };
        for (const r of records)
          this.delivered.push({
            functionName: fn.name,
            sequenceNumber: r.dynamodb!.SequenceNumber!,
            keys: r.dynamodb!.Keys,
          });
        const result = await this.lambda.invoke(fn.name, { Records: records });
        if (!result.ok) {
          const error = `${result.error.errorType}: ${result.error.errorMessage}`;
          this.batches.push({ functionName: fn.name, records: records.length, failed: error });
          throw new Error(error);
        }
        const response = mapping.reportBatchItemFailures ? JSON.parse(result.payload) : undefined;
        const failures = (response?.batchItemFailures ?? []) as unknown[];
        this.batches.push({
          functionName: fn.name,
          records: records.length,
          failed: failures.length > 0 ? `reported ${JSON.stringify(failures)}` : undefined,
        });
        return response;
      },
      onFailure: (failure) => this.sendToDestination(mapping, fn.arn, failure),
      checkpointFile: undefined,
      log,
    });
    await poller.start();
    this.closers.push(() => poller.stop());
  }

  private sendToDestination(mapping: StreamMapping, functionArn: string, failure: StreamFailure): void {
    if (!mapping.onFailureArn) return;
    this.calls.push({
      caller: mapping.functionName,
      action: 'sqs:SendMessage',
      resource: mapping.onFailureArn,
      by: 'lambda',
    });
    this.destinations.push({
      queueArn: mapping.onFailureArn,
      record: {
        requestContext: {
          requestId: randomUUID(),
          functionArn,
          condition: failure.reason,
          approximateInvokeCount: mapping.retryAttempts + 1,
        },
        responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
        version: '1.0',
        timestamp: failure.at,
        DDBStreamBatchInfo: {
          shardId: failure.shardId,
          startSequenceNumber: failure.firstSequenceNumber,
          endSequenceNumber: failure.lastSequenceNumber,
          batchSize: failure.records,
          streamArn: mapping.streamArn,
        },
      },
    });
  }
}

/**
 * A stream record as Lambda's JSON carries it: binary attributes as base64 text, the region and the stream's
 * ARN of the account (DynamoDB Local's own are of no account). Serialised and parsed, like everything Lambda sends.
 */
export function asLambdaDelivers(record: DynamoDBRecord, streamArn: string): DynamoDBRecord {
  const text = JSON.stringify(record, (_, value: unknown) => {
    if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
    return value;
  });
  return { ...(JSON.parse(text) as DynamoDBRecord), awsRegion: REGION, eventSourceARN: streamArn };
}
