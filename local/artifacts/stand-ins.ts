import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { MessageAttribute } from '../../shared/notify/sns.ts';
import {
  errorAnswer,
  IAM_ACTIONS,
  isPublishAction,
  type PublishRequest,
  publishAnswer,
  readPublish,
  SnsError,
} from '../sns-query.ts';
import type { AwsCall, LambdaService } from './lambda.ts';
import { arn } from './template.ts';

/**
 * Local servers that speak AWS's own wire protocols, so the SDK inside each bundle talks to them exactly as it
 * talks to AWS (pointed here only by AWS_ENDPOINT_URL_<SERVICE>): DynamoDB (a recording proxy in front of
 * DynamoDB Local, JSON 1.0), SNS Publish and PublishBatch (the query protocol, answered in XML), Secrets Manager
 * GetSecretValue (JSON 1.1) and Lambda Invoke (REST JSON). Every call is recorded with the function that signed it.
 */

export interface Published {
  caller: string;
  topicArn: string;
  message: string;
  attributes: Record<string, MessageAttribute>;
  messageId: string;
}

export interface AsyncInvocation {
  functionName: string;
  payload: unknown;
  result: Awaited<ReturnType<LambdaService['invoke']>> | undefined;
}

type Recorder = (call: AwsCall) => void;

export class StandIn {
  readonly url: string;
  private readonly server: Server;
  private constructor(server: Server, url: string) {
    this.server = server;
    this.url = url;
  }

  static async listen(
    handle: (request: IncomingMessage, body: Buffer, response: ServerResponse) => Promise<void>,
  ) {
    const server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (c: Buffer) => chunks.push(c));
      request.on('end', () => {
        handle(request, Buffer.concat(chunks), response).catch((error: Error) => {
          if (!response.headersSent) response.writeHead(500, { 'content-type': 'text/plain' });
          response.end(error.stack);
        });
      });
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    return new StandIn(server, `http://127.0.0.1:${(server.address() as { port: number }).port}`);
  }

  close(): Promise<void> {
    return new Promise((done) => {
      this.server.close(() => done());
      this.server.closeAllConnections();
    });
  }
}

/** The access key id a SigV4 Authorization header names (`Credential=<key>/<date>/<region>/<service>/aws4_request`). */
export function accessKeyIn(request: IncomingMessage): string {
  return /Credential=([^/]+)\//.exec(String(request.headers.authorization ?? ''))?.[1] ?? '';
}

/**
 * DynamoDB: each request is recorded (action, and the table or index it touches, as ARNs) and passed on to
 * DynamoDB Local unchanged.
 */
export function dynamoDbProxy(
  target: string,
  callerOf: (key: string) => string | undefined,
  record: Recorder,
) {
  return StandIn.listen(async (request, body, response) => {
    const caller = callerOf(accessKeyIn(request)) ?? 'unknown';
    const operation = String(request.headers['x-amz-target'] ?? '').split('.')[1] ?? '';
    for (const call of dynamoDbCalls(operation, JSON.parse(body.toString('utf8') || '{}')))
      record({ caller, ...call, by: 'sdk' });
    const headers = { ...request.headers };
    delete headers.host;
    delete headers['content-length'];
    const answer = await fetch(`${target}${request.url}`, {
      method: request.method!,
      headers: headers as Record<string, string>,
      body: body.length > 0 ? new Uint8Array(body) : null,
    });
    const answerHeaders: Record<string, string> = {};
    answer.headers.forEach((value, name) => {
      answerHeaders[name] = value;
    });
    response.writeHead(answer.status, answerHeaders);
    response.end(Buffer.from(await answer.arrayBuffer()));
  });
}

/** The IAM actions and resources of one DynamoDB request: per table for batches and transactions, per index for queries. */
export function dynamoDbCalls(
  operation: string,
  input: Record<string, unknown>,
): { action: string; resource: string }[] {
  const table = (name: string) => (name.startsWith('arn:') ? name : arn('dynamodb', `table/${name}`));
  if (operation === 'BatchGetItem' || operation === 'BatchWriteItem')
    return Object.keys((input.RequestItems as object) ?? {}).map((name) => ({
      action: `dynamodb:${operation}`,
      resource: table(name),
    }));
  if (operation === 'TransactWriteItems' || operation === 'TransactGetItems')
    return ((input.TransactItems as Record<string, { TableName: string }>[]) ?? []).flatMap((item) =>
      Object.entries(item).map(([kind, part]) => ({
        action: `dynamodb:${kind === 'ConditionCheck' ? 'ConditionCheckItem' : kind === 'Update' ? 'UpdateItem' : `${kind}Item`}`,
        resource: table(part.TableName),
      })),
    );
  const name = input.TableName as string | undefined;
  if (!name) return [{ action: `dynamodb:${operation}`, resource: '*' }];
  const index = input.IndexName as string | undefined;
  return [
    { action: `dynamodb:${operation}`, resource: index ? `${table(name)}/index/${index}` : table(name) },
  ];
}

/**
 * SNS Publish and PublishBatch in the query protocol (form-encoded in, XML out; local/sns-query.ts), each recorded
 * as the IAM action it is authorised as; publishing to a key-encrypted topic uses its key.
 */
export function snsStandIn(options: {
  callerOf: (key: string) => string | undefined;
  record: Recorder;
  keyOf: (topicArn: string) => string | undefined;
  topics: string[];
  published: Published[];
}) {
  return StandIn.listen(async (request, body, response) => {
    const form = new URLSearchParams(body.toString('utf8'));
    const caller = options.callerOf(accessKeyIn(request)) ?? 'unknown';
    const action = form.get('Action');
    const requestId = randomUUID();
    const refuse = (error: SnsError) => {
      response.writeHead(error.status, { 'content-type': 'text/xml', 'x-amzn-requestid': requestId });
      response.end(errorAnswer(error, requestId));
    };
    if (!isPublishAction(action))
      return refuse(new SnsError(400, 'InvalidAction', `${action} is not supported here`));
    const topicArn = form.get('TopicArn') ?? '';
    options.record({ caller, action: IAM_ACTIONS[action], resource: topicArn, by: 'sdk' });
    if (!options.topics.includes(topicArn))
      return refuse(new SnsError(404, 'NotFound', 'Topic does not exist'));
    let publish: PublishRequest;
    try {
      publish = readPublish(form);
    } catch (error) {
      if (error instanceof SnsError) return refuse(error);
      throw error;
    }
    const key = options.keyOf(topicArn);
    if (key) {
      // SNS encrypts the messages with a data key it asks KMS for, as the publisher.
      options.record({ caller, action: 'kms:GenerateDataKey', resource: key, by: 'sns' });
      options.record({ caller, action: 'kms:Decrypt', resource: key, by: 'sns' });
    }
    const messageIds = publish.messages.map((m) => {
      const messageId = randomUUID();
      options.published.push({ caller, topicArn, message: m.message, attributes: m.attributes, messageId });
      return messageId;
    });
    response.writeHead(200, { 'content-type': 'text/xml', 'x-amzn-requestid': requestId });
    response.end(publishAnswer(publish, messageIds, requestId));
  });
}

/** Secrets Manager GetSecretValue in JSON 1.1, by ARN or name; a secret under a customer-managed key is decrypted with it. */
export function secretsStandIn(options: {
  callerOf: (key: string) => string | undefined;
  record: Recorder;
  secrets: { arn: string; name: string; value: string; key: string | undefined }[];
}) {
  return StandIn.listen(async (request, body, response) => {
    const caller = options.callerOf(accessKeyIn(request)) ?? 'unknown';
    const operation = String(request.headers['x-amz-target'] ?? '').split('.')[1];
    const input = JSON.parse(body.toString('utf8') || '{}') as { SecretId?: string };
    const secret = options.secrets.find((s) => s.arn === input.SecretId || s.name === input.SecretId);
    const json = (status: number, value: unknown) => {
      response.writeHead(status, {
        'content-type': 'application/x-amz-json-1.1',
        'x-amzn-requestid': randomUUID(),
      });
      response.end(JSON.stringify(value));
    };
    options.record({
      caller,
      action: `secretsmanager:${operation}`,
      resource: secret?.arn ?? arn('secretsmanager', `secret:${input.SecretId}`),
      by: 'sdk',
    });
    if (operation !== 'GetSecretValue')
      return json(400, { __type: 'InvalidRequestException', message: `${operation} is not supported here` });
    if (!secret)
      return json(400, {
        __type: 'ResourceNotFoundException',
        message: "Secrets Manager can't find the specified secret.",
      });
    if (secret.key)
      options.record({ caller, action: 'kms:Decrypt', resource: secret.key, by: 'secretsmanager' });
    json(200, {
      ARN: secret.arn,
      Name: secret.name,
      SecretString: secret.value,
      VersionId: '00000000-0000-4000-8000-000000000001',
      VersionStages: ['AWSCURRENT'],
      CreatedDate: 1_767_225_600,
    });
  });
}

/**
 * Lambda Invoke (POST /2015-03-31/functions/{name}/invocations): RequestResponse answers with the function's
 * result (and X-Amz-Function-Error when it failed); Event answers 202 at once and runs the function afterwards.
 */
export function lambdaStandIn(options: {
  lambda: LambdaService;
  record: Recorder;
  invocations: AsyncInvocation[];
}) {
  return StandIn.listen(async (request, body, response) => {
    const caller = options.lambda.callerOf(accessKeyIn(request)) ?? 'unknown';
    const match = /^\/2015-03-31\/functions\/([^/]+)\/invocations/.exec(request.url ?? '');
    const json = (status: number, value: unknown, headers: Record<string, string> = {}) => {
      response.writeHead(status, {
        'content-type': 'application/json',
        'x-amzn-requestid': randomUUID(),
        ...headers,
      });
      response.end(value === undefined ? undefined : JSON.stringify(value));
    };
    if (request.method !== 'POST' || !match)
      return json(404, { Type: 'User', message: `no such operation ${request.method} ${request.url}` });
    let fn: ReturnType<LambdaService['function']>;
    try {
      fn = options.lambda.function(decodeURIComponent(match[1]!));
    } catch {
      options.record({
        caller,
        action: 'lambda:InvokeFunction',
        resource: decodeURIComponent(match[1]!),
        by: 'sdk',
      });
      return json(
        404,
        { Type: 'User', message: `Function not found: ${match[1]}` },
        { 'x-amzn-errortype': 'ResourceNotFoundException' },
      );
    }
    options.record({ caller, action: 'lambda:InvokeFunction', resource: fn.arn, by: 'sdk' });
    const payload = JSON.parse(body.toString('utf8') || '{}') as unknown;
    if (request.headers['x-amz-invocation-type'] === 'Event') {
      const invocation: AsyncInvocation = { functionName: fn.name, payload, result: undefined };
      options.invocations.push(invocation);
      void options.lambda.invoke(fn.name, payload).then((result) => {
        invocation.result = result;
      });
      return json(202, undefined);
    }
    const result = await options.lambda.invoke(fn.name, payload);
    response.writeHead(200, {
      'content-type': 'application/json',
      'x-amz-executed-version': '$LATEST',
      ...(!result.ok && { 'x-amz-function-error': 'Unhandled' }),
    });
    response.end(result.ok ? result.payload : JSON.stringify(result.error));
  });
}
