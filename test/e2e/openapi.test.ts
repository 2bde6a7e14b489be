import { describe, expect, it } from 'vitest';
import { documentedStatuses } from '../../shared/http/openapi.ts';
import { ROUTES } from '../../shared/http/routes.ts';
import { api, runtime } from '../helpers/runtime.ts';

const doc = (await (await fetch(`${runtime.url}/openapi.json`)).json()) as {
  openapi: string;
  paths: Record<string, Record<string, { security: unknown[]; responses: Record<string, unknown> }>>;
};

function concrete(path: string): string {
  return path.replace('{id}', 'openapi-probe').replace('{domain}', 'openapi-probe.test');
}

describe('the OpenAPI document', () => {
  it('is served, and lists exactly the routes the API serves', () => {
    expect(doc.openapi).toBe('3.1.0');
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`),
    );
    expect(documented.sort()).toEqual(ROUTES.map((r) => `${r.method} ${r.path}`).sort());
  });

  it.each(ROUTES.map((r) => [`${r.method} ${r.path}`, r] as const))(
    '%s answers only with statuses it documents',
    async (key, route) => {
      // Without a key, with a key and an empty JSON body, and with a key and a wrong content type.
      const attempts: RequestInit[] = [
        { key: null } as RequestInit,
        {
          ...(route.method !== 'GET' &&
            route.method !== 'DELETE' && { headers: { 'content-type': 'application/json' }, body: '{}' }),
        },
        {
          ...(route.method !== 'GET' &&
            route.method !== 'DELETE' && { headers: { 'content-type': 'text/plain' }, body: 'x' }),
        },
      ];
      for (const init of attempts) {
        const response = await api(concrete(route.path), {
          method: route.method,
          redirect: 'manual',
          ...init,
        });
        expect(documentedStatuses(key)).toContain(response.status);
        if (route.auth)
          expect(doc.paths[route.path]![route.method.toLowerCase()]!.security.length).toBeGreaterThan(0);
      }
    },
  );
});
