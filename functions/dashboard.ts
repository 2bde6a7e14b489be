import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { loadConfig } from '../shared/config.ts';
import { httpHandler } from '../shared/lambda.ts';

const config = loadConfig('dashboard');

const TYPES: Record<string, string> = {
  'index.html': 'text/html; charset=utf-8',
  'app.js': 'text/javascript; charset=utf-8',
  'app.css': 'text/css; charset=utf-8',
  'favicon.svg': 'image/svg+xml',
};
// The built dashboard, read once: four small files. Without DASHBOARD_DIR there is none to serve.
const files = new Map(
  config.DASHBOARD_DIR
    ? Object.keys(TYPES).map((name) => [name, readFileSync(join(config.DASHBOARD_DIR!, name), 'utf8')])
    : [],
);
/** The page may talk to this API and nothing else, and run only its own script and styles. */
const SECURITY = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

/**
 * GET /dashboard and GET /dashboard/{file}: the static dashboard (dashboard/), served from the bundle. GET
 * /favicon.ico, which browsers ask for whatever the page says, is its icon (an SVG, which they all accept).
 */
async function serveDashboard(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> {
  const name =
    event.rawPath === '/favicon.ico' ? 'favicon.svg' : (event.pathParameters?.file ?? 'index.html');
  const body = files.get(name);
  if (body === undefined)
    return {
      statusCode: 404,
      headers: { 'content-type': 'application/problem+json' },
      body: JSON.stringify({
        type: 'about:blank',
        title: 'Not Found',
        status: 404,
        detail: `no dashboard file "${name}"`,
      }),
    };
  return {
    statusCode: 200,
    headers: {
      'content-type': TYPES[name]!,
      'cache-control': name === 'index.html' ? 'no-cache' : 'public, max-age=300',
      ...SECURITY,
    },
    body,
  };
}

export const handler = httpHandler('dashboard', serveDashboard);
