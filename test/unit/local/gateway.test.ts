import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestTime, toApiGatewayEvent } from '../../../local/gateway.ts';
import { shapeOf } from '../../helpers/shape.ts';

const SAMPLE = JSON.parse(
  readFileSync(new URL('../../fixtures/aws/http-api-v2-event.json', import.meta.url), 'utf8'),
) as APIGatewayProxyEventV2;
const MAPS = ['headers', 'queryStringParameters', 'pathParameters'];

let server: Server;
let url: string;
let received: APIGatewayProxyEventV2;

beforeAll(async () => {
  server = createServer((request, response) => {
    toApiGatewayEvent(request, 'POST /v1/events', { id: 'ana' }).then((event) => {
      received = event;
      response.end();
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(() => new Promise<void>((done) => server.close(() => done())));

describe('the local HTTP API hands handlers the payload 2.0 event API Gateway sends', () => {
  it('matches the documented sample field for field: cookies, rawQueryString, a base64 body', async () => {
    // Act
    await fetch(`${url}/v1/events?dry=1&tag=a&tag=b`, {
      method: 'POST',
      headers: { cookie: 'session=abc; theme=dark', 'content-type': 'application/octet-stream' },
      body: new Uint8Array([1, 2, 3, 4]),
    });

    // Assess
    expect(shapeOf(received, MAPS)).toEqual(shapeOf(SAMPLE, MAPS));
    expect(received.cookies).toEqual(['session=abc', 'theme=dark']);
    expect(received.rawQueryString).toBe('dry=1&tag=a&tag=b');
    expect(received.queryStringParameters).toEqual({ dry: '1', tag: 'a,b' });
    expect(received.isBase64Encoded).toBe(true);
    expect(Buffer.from(received.body!, 'base64')).toEqual(Buffer.from([1, 2, 3, 4]));
    expect(received.requestContext.time).toMatch(/^\d\d\/[A-Z][a-z]{2}\/\d{4}:\d\d:\d\d:\d\d \+0000$/);
    expect(received.headers['x-forwarded-for']).toBe('127.0.0.1');
  });

  it('passes text bodies as text, and omits what a request does not have', async () => {
    // Act
    await fetch(`${url}/v1/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });

    // Assess
    expect(received.isBase64Encoded).toBe(false);
    expect(received.body).toBe('{}');
    expect(received.rawQueryString).toBe('');
    expect(received).not.toHaveProperty('cookies');
    expect(received).not.toHaveProperty('queryStringParameters');
  });

  it("writes the request time in API Gateway's format", () => {
    expect(requestTime(new Date('2026-11-30T05:03:09.123Z'))).toBe('30/Nov/2026:05:03:09 +0000');
  });
});
