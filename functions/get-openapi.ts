import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { openApiDocument } from '../shared/http/openapi.ts';
import { httpHandler } from '../shared/lambda.ts';

/** GET /openapi.json: the API's OpenAPI document, with this deployment as its server. */
async function serveOpenApi(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> {
  const host = event.headers.host ?? event.requestContext.domainName;
  const proto =
    event.headers['x-forwarded-proto'] ??
    (host.startsWith('127.0.0.1') || host.startsWith('localhost') ? 'http' : 'https');
  return {
    statusCode: 200,
    headers: { 'content-type': 'application/json', 'cache-control': 'max-age=300' },
    body: JSON.stringify(openApiDocument(`${proto}://${host}`)),
  };
}

export const handler = httpHandler('get-openapi', serveOpenApi);
