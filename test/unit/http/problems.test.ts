import { describe, expect, it } from 'vitest';
import { httpProblems } from '../../../shared/http/middleware.ts';
import { LeadErased } from '../../../shared/store/errors.ts';
import { counters } from '../../../shared/telemetry.ts';

/** Runs the middleware's error handler on a request of this method that failed with `error`. */
async function answer(method: string, error: Error) {
  const request = {
    event: { requestContext: { requestId: 'r-1', http: { method } } },
    error,
    response: undefined as unknown,
  };
  await httpProblems().onError!(request as never);
  return request.response as { statusCode: number };
}

describe('an erased lead over HTTP', () => {
  it('is 410 to a read and to a write, and only a write is counted as refused', async () => {
    const before = counters();
    expect((await answer('GET', new LeadErased('ana'))).statusCode).toBe(410);
    expect((await answer('PUT', new LeadErased('ana'))).statusCode).toBe(410);
    const after = counters();
    expect((after['reads.erased'] ?? 0) - (before['reads.erased'] ?? 0)).toBe(1);
    expect((after['writes.refused-erased'] ?? 0) - (before['writes.refused-erased'] ?? 0)).toBe(1);
  });
});
