/**
 * The HTTP API, route by route: the CDK stack makes one API Gateway route per entry and the local runtime
 * serves the same table. `handler` names the file in functions/.
 */
export interface Route {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  handler: string;
  /** Needs an API key. Only the pixel and the click redirect are public. */
  auth: boolean;
}

/** Where a job reports its progress and result: the Location of every 202 that starts one. */
export const JOB_PATH = '/v1/jobs/{id}';

export const ROUTES: readonly Route[] = [
  { method: 'GET', path: '/p.gif', handler: 'pixel', auth: false },
  { method: 'GET', path: '/r', handler: 'redirect', auth: false },
  { method: 'POST', path: '/v1/events', handler: 'post-events', auth: true },
  { method: 'POST', path: '/v1/identify', handler: 'identify', auth: true },
  { method: 'PUT', path: '/v1/leads/{id}/attributes', handler: 'put-attributes', auth: true },
  { method: 'POST', path: '/v1/leads/{id}/outcomes', handler: 'post-outcome', auth: true },
  { method: 'GET', path: '/v1/leads/{id}/export', handler: 'export-lead', auth: true },
  { method: 'DELETE', path: '/v1/leads/{id}', handler: 'erase-lead', auth: true },
  { method: 'GET', path: '/v1/leads', handler: 'list-leads', auth: true },
  { method: 'GET', path: '/v1/leads/{id}', handler: 'get-lead', auth: true },
  { method: 'GET', path: '/v1/leads/{id}/history', handler: 'get-lead-history', auth: true },
  { method: 'GET', path: '/v1/accounts/{domain}', handler: 'get-account', auth: true },
  { method: 'POST', path: '/v1/models/dry-run', handler: 'rescore-dry-run', auth: true },
  { method: 'GET', path: JOB_PATH, handler: 'get-job', auth: true },
  { method: 'GET', path: '/v1/models/{id}/evaluation', handler: 'get-model-evaluation', auth: true },
  { method: 'GET', path: '/v1/models', handler: 'list-models', auth: true },
  { method: 'GET', path: '/v1/notifications', handler: 'list-notifications', auth: true },
  { method: 'GET', path: '/openapi.json', handler: 'get-openapi', auth: false },
  { method: 'GET', path: '/dashboard', handler: 'dashboard', auth: false },
  { method: 'GET', path: '/dashboard/{file}', handler: 'dashboard', auth: false },
];

/** Matches a request path against a route path with {name} segments; the parameters, or undefined. */
export function matchPath(pattern: string, path: string): Record<string, string> | undefined {
  const want = pattern.split('/');
  const got = path.split('/');
  if (want.length !== got.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const w = want[i]!;
    const g = got[i]!;
    if (w.startsWith('{') && w.endsWith('}')) {
      if (g === '') return undefined;
      try {
        params[w.slice(1, -1)] = decodeURIComponent(g);
      } catch {
        return undefined;
      }
    } else if (w !== g) return undefined;
  }
  return params;
}
