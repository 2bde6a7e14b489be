import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2, Context } from 'aws-lambda';
import { FUNCTIONS } from '../shared/manifest.ts';
import { LOCAL_STAGE, resourceName } from '../shared/names.ts';
import { LOCAL_AWS } from './aws.ts';

/** The most a request body may be; API Gateway's own limit is 10 MB. */
const MAX_BODY = 10 * 1024 * 1024;
const TEXT = /^(text\/|application\/(json|.*\+json|x-www-form-urlencoded|xml|javascript))/;

export type HttpHandler = (
  event: APIGatewayProxyEventV2,
  context: Context,
) => Promise<APIGatewayProxyResultV2>;

export class BodyTooLarge extends Error {}

/**
 * Turns a Node request into the event API Gateway (HTTP API, payload 2.0) gives a Lambda, as JSON: lower-case
 * headers with repeated values joined by commas and the `x-forwarded-*` headers API Gateway adds, cookies apart,
 * query parameters decoded and joined the same way, a body that is base64-encoded unless it is text, and the
 * request context with API Gateway's time format. test/fixtures/aws/ holds the documented shape it must match.
 */
export async function toApiGatewayEvent(
  request: IncomingMessage,
  routeKey: string,
  pathParameters: Record<string, string> | undefined,
): Promise<APIGatewayProxyEventV2> {
  const url = new URL(request.url ?? '/', 'http://local');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new BodyTooLarge();
    chunks.push(chunk as Buffer);
  }
  const raw = Buffer.concat(chunks);
  const headers: Record<string, string> = {};
  const cookies: string[] = [];
  for (let i = 0; i < request.rawHeaders.length; i += 2) {
    const name = request.rawHeaders[i]!.toLowerCase();
    const value = request.rawHeaders[i + 1]!;
    if (name === 'cookie')
      cookies.push(
        ...value
          .split(';')
          .map((c) => c.trim())
          .filter(Boolean),
      );
    else headers[name] = headers[name] === undefined ? value : `${headers[name]},${value}`;
  }
  const query: Record<string, string> = {};
  for (const [name, value] of url.searchParams)
    query[name] = query[name] === undefined ? value : `${query[name]},${value}`;
  const sourceIp = (request.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, '');
  headers['x-forwarded-for'] = headers['x-forwarded-for']
    ? `${headers['x-forwarded-for']}, ${sourceIp}`
    : sourceIp;
  headers['x-forwarded-port'] = String(request.socket.localPort ?? 80);
  headers['x-forwarded-proto'] = 'http';
  headers['x-amzn-trace-id'] =
    `Root=1-${Math.floor(Date.now() / 1000).toString(16)}-${randomBytes(12).toString('hex')}`;
  const text = TEXT.test(headers['content-type'] ?? '');
  const now = Date.now();
  const event: APIGatewayProxyEventV2 = {
    version: '2.0',
    routeKey,
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    ...(cookies.length > 0 && { cookies }),
    headers,
    ...(url.search.length > 1 && { queryStringParameters: query }),
    ...(pathParameters && { pathParameters }),
    requestContext: {
      accountId: LOCAL_AWS.accountId,
      apiId: LOCAL_API_ID,
      domainName: headers.host ?? 'localhost',
      domainPrefix: (headers.host ?? 'localhost').split('.')[0]!,
      http: {
        method: request.method ?? 'GET',
        path: url.pathname,
        protocol: `HTTP/${request.httpVersion}`,
        sourceIp,
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomBytes(10).toString('base64'),
      routeKey,
      stage: '$default',
      time: requestTime(new Date(now)),
      timeEpoch: now,
    },
    ...(raw.length > 0 && { body: text ? raw.toString('utf8') : raw.toString('base64') }),
    isBase64Encoded: raw.length > 0 && !text,
  };
  // What reaches the handler is the JSON text API Gateway sends, parsed: no object of this process survives.
  return JSON.parse(JSON.stringify(event));
}

const LOCAL_API_ID = 'local000ap';
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** API Gateway's `requestContext.time`: `30/Nov/2026:05:33:15 +0000`. */
export function requestTime(at: Date): string {
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(at.getUTCDate())}/${MONTHS[at.getUTCMonth()]}/${at.getUTCFullYear()}:${two(at.getUTCHours())}:${two(at.getUTCMinutes())}:${two(at.getUTCSeconds())} +0000`;
}

/** Writes a Lambda's answer the way API Gateway does, including its shorthand (a bare object is 200 JSON). */
export function writeResult(response: ServerResponse, answer: APIGatewayProxyResultV2): void {
  // Lambda hands API Gateway the handler's answer as JSON text; parse it back, as API Gateway does.
  const result = JSON.parse(JSON.stringify(answer ?? null)) as APIGatewayProxyResultV2;
  if (
    typeof result === 'string' ||
    result === null ||
    typeof result !== 'object' ||
    !('statusCode' in result)
  ) {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(typeof result === 'string' ? result : JSON.stringify(result));
    return;
  }
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(result.headers ?? {})) headers[name] = String(value);
  if (result.cookies?.length) headers['set-cookie'] = result.cookies;
  response.writeHead(result.statusCode ?? 200, headers);
  response.end(
    result.body === undefined
      ? undefined
      : Buffer.from(result.body, result.isBase64Encoded ? 'base64' : 'utf8'),
  );
}

/**
 * The context Lambda gives an invocation of the function named `handler`: its name, memory and deadline as
 * its manifest entry sets them, so a handler that watches its remaining time here sees what it would in AWS.
 */
export function lambdaContext(
  handler: string,
  timeoutMs?: number,
  requestId: string = randomUUID(),
): Context {
  const spec = FUNCTIONS.find((f) => f.handler === handler);
  const deadline = Date.now() + (timeoutMs ?? (spec?.timeoutSeconds ?? 30) * 1000);
  const functionName = resourceName(LOCAL_STAGE, handler);
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${LOCAL_AWS.region}:${LOCAL_AWS.accountId}:function:${functionName}`,
    memoryLimitInMB: String(spec?.memoryMb ?? 128),
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
