import { FUNCTIONS } from '../manifest.ts';

export { JOB_PATH } from '../manifest.ts';

/**
 * The HTTP API, route by route, as the function manifest (shared/manifest.ts) gives it: the CDK stack makes one
 * API Gateway route per entry and the local runtime serves the same table. `handler` names the file in functions/.
 */
export interface Route {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  handler: string;
  /** Needs an API key. Only the pixel, the click redirect, the OpenAPI document and the dashboard's files are public. */
  auth: boolean;
}

export const ROUTES: readonly Route[] = FUNCTIONS.flatMap((f) =>
  f.trigger.kind === 'http' ? f.trigger.routes.map((r) => ({ ...r, handler: f.handler })) : [],
);

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
