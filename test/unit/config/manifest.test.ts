import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../shared/config.ts';
import { ROUTES } from '../../../shared/http/routes.ts';
import { environmentOf, FUNCTIONS, functionSpec } from '../../../shared/manifest.ts';
import { STREAM_CONSUMERS } from '../../../shared/streams.ts';

const handlerFiles = readdirSync('functions')
  .filter((f) => f.endsWith('.ts'))
  .map((f) => f.slice(0, -3));

describe('the function manifest', () => {
  it('has one entry per file of functions/, and no other', () => {
    expect(FUNCTIONS.map((f) => f.handler).sort()).toEqual(handlerFiles.sort());
  });

  it.each(FUNCTIONS)('$handler: its file wires itself by its own name', (spec) => {
    const source = readFileSync(`functions/${spec.handler}.ts`, 'utf8');
    const named = [...source.matchAll(/(?:wire|loadConfig|httpHandler)\('([\w-]+)'/g)].map((m) => m[1]);
    expect(named.length, `${spec.handler} names itself`).toBeGreaterThan(0);
    expect(new Set(named)).toEqual(new Set([spec.handler]));
    // Through the wrappers that flush metrics and log with the Lambda context on every invocation.
    expect(source).toMatch(/^export const handler = (httpHandler|lambdaHandler)\(/m);
  });

  it('derives the route table and the stream consumers', () => {
    expect(ROUTES.filter((r) => r.handler === 'pixel')).toEqual([
      { method: 'GET', path: '/p.gif', auth: false, handler: 'pixel' },
    ]);
    expect(STREAM_CONSUMERS.map((c) => c.handler).sort()).toEqual([
      'follow-profiles',
      'notify-crossings',
      'score-activities',
    ]);
  });

  it('reads no stream with more than two consumers, which DynamoDB Streams would throttle', () => {
    for (const table of ['activities', 'leads'])
      expect(STREAM_CONSUMERS.filter((c) => c.table === table).length, table).toBeLessThanOrEqual(2);
  });
});

describe("a function's configuration", () => {
  const complete = {
    ACTIVITIES_TABLE: 'leadscore-dev-activities',
    LEADS_TABLE: 'leadscore-dev-leads',
    SEARCH_TABLE: 'leadscore-dev-search',
    SIGNING_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:leadscore-dev-signing-secret',
    TOPIC_ARN: 'arn:aws:sns:eu-west-1:123456789012:leadscore-dev-notifications',
    RUN_JOB_FUNCTION: 'leadscore-dev-run-job',
    DECAY_SWEEP_FUNCTION: 'leadscore-dev-decay-sweep',
  };

  it.each(FUNCTIONS)('$handler: starts with exactly what its entry binds', (spec) => {
    const env = Object.fromEntries(
      environmentOf(spec)
        .filter((k) => k in complete)
        .map((k) => [k, complete[k as keyof typeof complete]]),
    );
    expect(() => loadConfig(spec, env)).not.toThrow();
  });

  it('fails at start-up naming each variable a use needs', () => {
    const pixel = functionSpec('pixel');
    expect(() => loadConfig(pixel, { LEADS_TABLE: 'leadscore-dev-leads' })).toThrow(ConfigError);
    expect(() => loadConfig(pixel, { LEADS_TABLE: 'leadscore-dev-leads' })).toThrow(
      /invalid configuration of pixel: ACTIVITIES_TABLE: required.*SIGNING_SECRET_ARN or SIGNING_SECRET: required/,
    );
    expect(() => loadConfig('notify-crossings', { LEADS_TABLE: 'x-leads' })).toThrow(/TOPIC_ARN: required/);
    expect(() => loadConfig('get-openapi', {})).not.toThrow();
    expect(() => loadConfig('erase-lead', { LEADS_TABLE: 'x-leads' })).toThrow(/RUN_JOB_FUNCTION: required/);
  });

  it('names a malformed value', () => {
    expect(() => loadConfig('notify-crossings', { LEADS_TABLE: 'x-leads', TOPIC_ARN: 'not-an-arn' })).toThrow(
      /TOPIC_ARN: .*arn:/,
    );
  });
});
