import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Context } from 'aws-lambda';
import type { AsyncInvocation } from '../shared/manifest.ts';
import { functionName, LOCAL_STAGE } from '../shared/names.ts';
import { lambdaContext } from './gateway.ts';

export type LambdaHandler = (event: unknown, context: Context) => Promise<unknown>;

/**
 * What Lambda writes to an asynchronous invocation's on-failure destination once it gives up on an event
 * (docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html), as the SQS message body.
 */
export interface AsyncFailureRecord {
  version: '1.0';
  timestamp: string;
  requestContext: {
    requestId: string;
    functionArn: string;
    condition: 'RetriesExhausted' | 'EventAgeExceeded';
    approximateInvokeCount: number;
  };
  requestPayload: unknown;
  responseContext: { statusCode: number; executedVersion: string; functionError: 'Unhandled' };
  responsePayload: { errorType: string; errorMessage: string; trace: string[] };
}

export interface LocalLambdaOptions {
  /**
   * Waits before each retry. Lambda waits one minute, then two; locally they are short, but there are as many
   * retries as the function's asynchronous configuration says.
   */
  retryDelaysMs?: [number, number];
  /** The deadline each invocation's context reports, for handlers that hand the rest of their work on. */
  timeoutMs?: (name: string) => number;
  log?: (line: string) => void;
}

interface Registered {
  handler: LambdaHandler;
  async: AsyncInvocation | undefined;
}

/** The function name, or ARN, of a local function, back to its handler: leadscore-local-<handler>. */
function handlerOf(nameOrArn: string): string {
  const name = nameOrArn.replace(/^arn:aws:lambda:[^:]*:[^:]*:function:/, '').replace(/:\$LATEST$/, '');
  const prefix = functionName(LOCAL_STAGE, '');
  return name.startsWith(prefix) ? name.slice(prefix.length) : name;
}
/** Lambda's payload limits: an asynchronous event (the conservative 256 KB), a synchronous request. */
const MAX_ASYNC_PAYLOAD = 256 * 1024;
const MAX_SYNC_PAYLOAD = 6 * 1024 * 1024;
const INVOKE_PATH = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/;

/**
 * Lambda on one machine: the Invoke API over HTTP (what @aws-sdk/client-lambda speaks, found through
 * AWS_ENDPOINT_URL_LAMBDA), each invocation given its event as JSON text parsed afresh and a Lambda context.
 * An asynchronous invocation is answered 202 at once and queued; a failed one is retried as its configuration
 * says, and then its record is kept, in the shape Lambda sends to an on-failure destination.
 */
export class LocalLambda {
  readonly failures: AsyncFailureRecord[] = [];
  private readonly functions = new Map<string, Registered>();
  private readonly retryDelaysMs: [number, number];
  private readonly timeoutMs: (name: string) => number;
  private readonly log: (line: string) => void;
  private stopped = false;

  constructor(options: LocalLambdaOptions = {}) {
    this.retryDelaysMs = options.retryDelaysMs ?? [500, 1000];
    this.timeoutMs = options.timeoutMs ?? (() => 29_000);
    this.log = options.log ?? (() => undefined);
  }

  register(name: string, handler: LambdaHandler, async?: AsyncInvocation): void {
    this.functions.set(name, { handler, async });
  }

  /** RequestResponse: the handler's answer as JSON text, or its error as Lambda reports one. */
  async invoke(name: string, payload: string): Promise<{ payload: string; functionError?: 'Unhandled' }> {
    const fn = this.lookup(name);
    const context = lambdaContext(name, this.timeoutMs(name));
    try {
      const result = await fn.handler(JSON.parse(payload || '{}'), context);
      return { payload: result === undefined ? 'null' : JSON.stringify(result) };
    } catch (error) {
      return { payload: JSON.stringify(errorPayload(error)), functionError: 'Unhandled' };
    }
  }

  /** Event: queued, answered at once with the request id; run, retried, and kept on failure in the background. */
  invokeAsync(name: string, payload: string): string {
    const fn = this.lookup(name);
    const requestId = randomUUID();
    const queuedAt = Date.now();
    const retries = fn.async?.retryAttempts ?? 2;
    const maxAgeMs = (fn.async?.maxEventAgeSeconds ?? 6 * 3600) * 1000;
    const run = async () => {
      let attempts = 0;
      let error: unknown;
      while (attempts <= retries) {
        if (attempts > 0) {
          await new Promise((r) => setTimeout(r, this.retryDelaysMs[Math.min(attempts - 1, 1)]).unref());
          if (this.stopped) return;
          if (Date.now() - queuedAt > maxAgeMs) break;
        }
        attempts++;
        try {
          await fn.handler(JSON.parse(payload), lambdaContext(name, this.timeoutMs(name), requestId));
          return;
        } catch (e) {
          error = e;
          this.log(
            `${name}: asynchronous invocation ${requestId} failed (attempt ${attempts}): ${(e as Error).message}`,
          );
        }
      }
      this.failures.push({
        version: '1.0',
        timestamp: new Date().toISOString(),
        requestContext: {
          requestId,
          functionArn: `${lambdaContext(name).invokedFunctionArn}:$LATEST`,
          condition: attempts > retries ? 'RetriesExhausted' : 'EventAgeExceeded',
          approximateInvokeCount: attempts,
        },
        requestPayload: JSON.parse(payload),
        responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
        responsePayload: errorPayload(error),
      });
      this.log(`${name}: asynchronous invocation ${requestId} sent to the on-failure destination`);
    };
    // Lambda answers before it runs anything: so does this.
    setImmediate(() => void run());
    return requestId;
  }

  /**
   * Serves POST /2015-03-31/functions/{name or ARN}/invocations as Lambda's Invoke API does: X-Amz-Invocation-Type
   * RequestResponse (the answer, or X-Amz-Function-Error), Event (202) or DryRun (204). False if not its path.
   */
  async serve(request: IncomingMessage, response: ServerResponse, path: string): Promise<boolean> {
    const match = INVOKE_PATH.exec(path);
    if (!match || request.method !== 'POST') return false;
    const name = handlerOf(decodeURIComponent(match[1]!));
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const payload = Buffer.concat(chunks).toString('utf8');
    if (!this.functions.has(name)) {
      response.writeHead(404, {
        'content-type': 'application/json',
        'x-amzn-errortype': 'ResourceNotFoundException',
      });
      response.end(JSON.stringify({ Type: 'User', message: `Function not found: ${name}` }));
      return true;
    }
    try {
      if (payload) JSON.parse(payload);
    } catch {
      response.writeHead(400, {
        'content-type': 'application/json',
        'x-amzn-errortype': 'InvalidRequestContentException',
      });
      response.end(JSON.stringify({ Type: 'User', message: 'Could not parse request body into json' }));
      return true;
    }
    const type = request.headers['x-amz-invocation-type'] ?? 'RequestResponse';
    const limit = type === 'Event' ? MAX_ASYNC_PAYLOAD : MAX_SYNC_PAYLOAD;
    if (Buffer.byteLength(payload) > limit) {
      response.writeHead(413, {
        'content-type': 'application/json',
        'x-amzn-errortype': 'RequestTooLargeException',
      });
      response.end(JSON.stringify({ Type: 'User', message: `Request must be smaller than ${limit} bytes` }));
      return true;
    }
    if (type === 'DryRun') {
      response.writeHead(204).end();
    } else if (type === 'Event') {
      const requestId = this.invokeAsync(name, payload || '{}');
      response.writeHead(202, { 'x-amzn-requestid': requestId }).end();
    } else {
      const out = await this.invoke(name, payload);
      response.writeHead(200, {
        'content-type': 'application/json',
        'x-amz-executed-version': '$LATEST',
        ...(out.functionError && { 'x-amz-function-error': out.functionError }),
      });
      response.end(out.payload);
    }
    return true;
  }

  /** Retries nothing more (invocations already running end as they may: the runtime is going away). */
  stop(): void {
    this.stopped = true;
  }

  private lookup(name: string): Registered {
    const fn = this.functions.get(name);
    if (!fn) throw new Error(`no local function ${name}`);
    return fn;
  }
}

function errorPayload(error: unknown): AsyncFailureRecord['responsePayload'] {
  const e = error instanceof Error ? error : new Error(String(error));
  return { errorType: e.name, errorMessage: e.message, trace: (e.stack ?? '').split('\n') };
}
