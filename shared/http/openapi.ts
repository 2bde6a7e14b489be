import * as z from 'zod';
import { ActivitySchema } from '../domain/activity.ts';
import { AttributesPatchSchema } from '../domain/profile.ts';
import { ROUTES } from './routes.ts';

interface Operation {
  summary: string;
  body?: z.ZodType;
  query?: Record<string, string>;
  responses: Record<number, string>;
  /** The schema of the 200 answer, where it is documented. */
  answer?: Record<string, unknown>;
}

const Problem = {
  type: 'object',
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    instance: { type: 'string' },
    errors: {
      type: 'array',
      items: { type: 'object', properties: { path: { type: 'string' }, message: { type: 'string' } } },
    },
  },
};

/** One line of a score's explanation (shared/engine/score.ts, docs/model.md): the lines add up to the score. */
const BreakdownLine = {
  type: 'object',
  required: ['kind', 'label', 'points'],
  properties: {
    kind: {
      type: 'string',
      enum: [
        'base',
        'rule',
        'rest',
        'decay',
        'group-cap',
        'group-floor',
        'total-cap',
        'floor',
        'probability',
      ],
    },
    label: { type: 'string', description: 'For a person, e.g. "activity 251.6, capped at 40"' },
    points: { type: 'number' },
    rule: { type: 'string', description: 'rule lines: the rule id' },
    ruleKind: { type: 'string', enum: ['behaviour', 'inactivity', 'fit'] },
    count: { type: 'integer', description: 'rule lines: firings counted; rest lines: rules summed' },
    group: { type: 'string', description: 'rule, decay and group lines: the group ("fit" for fit rules)' },
  },
};

const LeadAnswer = {
  type: 'object',
  properties: {
    leadId: { type: 'string' },
    at: { type: 'string', format: 'date-time' },
    scores: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          model: { type: 'string' },
          score: { type: 'number' },
          band: { type: 'string' },
          grade: { type: 'string' },
          breakdown: {
            type: 'array',
            description: 'Lines whose points add up to the score',
            items: { $ref: '#/components/schemas/BreakdownLine' },
          },
        },
      },
    },
  },
};

const AUTH = { 401: 'No API key, or not a valid one' };

/** What each route does and answers; the paths and methods come from the route table itself. */
const OPERATIONS: Record<string, Operation> = {
  'GET /p.gif': {
    summary: 'Tracking pixel: always 200 and a 1x1 GIF',
    query: {
      a: 'anonymous visitor id',
      t: 'signed lead token',
      e: 'activity type',
      u: 'page URL',
      r: 'referrer',
      id: 'event id for idempotent retries',
    },
    responses: { 200: 'The GIF (whatever the input)' },
  },
  'GET /r': {
    summary: 'Click redirect for e-mail links (signed target only)',
    query: { u: 'target URL', t: 'lead token', s: 'signature of u and t' },
    responses: { 302: 'Redirect to the signed target', 400: 'Unsigned or altered link' },
  },
  'POST /v1/events': {
    summary: 'Record a batch of activities (at most 100, 256 KB), answered per event',
    body: z.object({ events: z.array(ActivitySchema) }),
    responses: {
      200: 'Per-event results: recorded, duplicate, rejected (with errors), dropped (erased lead) or failed (retryable)',
      400: 'Not JSON, or no events array',
      413: 'Too many events or too large a body',
      415: 'Not application/json',
      ...AUTH,
    },
  },
  'POST /v1/identify': {
    summary: 'An anonymous visitor becomes a lead, or two leads merge',
    body: z.object({
      leadId: z.string(),
      anonymousId: z.string().optional(),
      previousId: z.string().optional(),
    }),
    responses: {
      200: 'The surviving lead, the aliased id and how many activities moved',
      400: 'Bad body',
      409: 'The id belongs to another lead, or another identify or merge won the race',
      410: 'Either id was erased',
      415: 'Not application/json',
      ...AUTH,
    },
  },
  'PUT /v1/leads/{id}/attributes': {
    summary: 'Set fit attributes (null removes one)',
    body: z.object({ attributes: AttributesPatchSchema }),
    responses: {
      200: 'The attributes now held (of the survivor, for a merged id)',
      400: 'Bad body',
      410: 'The lead was erased',
      415: 'Not application/json',
      ...AUTH,
    },
  },
  'POST /v1/leads/{id}/outcomes': {
    summary: 'Record an outcome: converted, won or lost',
    body: z.object({
      outcome: z.enum(['converted', 'won', 'lost']),
      occurredAt: z.string().optional(),
      outcomeId: z.string().optional(),
      value: z.number().optional(),
    }),
    responses: {
      200: 'Already recorded (same outcomeId, same result)',
      201: 'Recorded',
      400: 'Bad body',
      409: 'The outcomeId already holds another result',
      410: 'The lead was erased',
      415: 'Not application/json',
      ...AUTH,
    },
  },
  'GET /v1/leads/{id}/export': {
    summary: 'Everything held about a lead',
    responses: {
      200: 'Profile, activities, outcomes, aliases, scores (the engine state as base64) and score history',
      400: 'Bad lead id',
      404: 'No such lead',
      410: 'Erased',
      ...AUTH,
    },
  },
  'DELETE /v1/leads/{id}': {
    summary:
      'Erase the person: the lead, its aliases and all their data; every later write for them is refused. Its activities are erased by a job',
    responses: {
      202: 'The lead and its aliases are erased but for their activities; the job (Location) erases them and reports how many',
      400: 'Bad lead id',
      404: 'No such lead',
      ...AUTH,
    },
  },
  'GET /v1/leads': {
    summary:
      'Leads ranked by score, highest first, per model and band, paginated, with name, e-mail, company, title and the rule that moved the score last (reason)',
    query: {
      model: 'model id (default: the first in force)',
      band: 'one band only',
      q: 'search (case-insensitive): leads with, for each word typed, a word of their name or company, their e-mail, its domain or their id starting with it (a lead with no profile: its exact id); ranked band first, then by score. It ranks at most 250 leads, the first the index finds in term order: past that (or past 1,000 leads for every word) the answer says `truncated: true` (the best-scored matches may be missing), and more or longer words narrow it. A change is searchable within seconds',
      limit: '1-200 (default 50)',
      cursor: 'from the previous page',
      counts: "true: add each band's count (up to 1,000; each counted entry is read)",
    },
    responses: {
      200: 'A page of leads and the next cursor; with counts=true on a first page `counts` per band (`more` when past 1,000), and for a search on any page the counts of its matches (`more` when truncated)',
      400: 'Unknown model or band, or a bad cursor',
      ...AUTH,
    },
  },
  'GET /v1/leads/{id}': {
    summary:
      "A lead's scores as of now: score, grade, band, the breakdown that adds up to it, flags, recent activity",
    responses: {
      200: 'The lead (the survivor, with mergedInto, for a merged id)',
      400: 'Bad lead id',
      404: 'No such lead',
      410: 'Erased',
      ...AUTH,
    },
    answer: LeadAnswer,
  },
  'GET /v1/leads/{id}/history': {
    summary: "Every change of the lead's score with its cause, newest first",
    query: { model: 'one model only', limit: '1-500 (default 100)' },
    responses: {
      200: "The changes (a merged-away id: its survivor's, with mergedInto)",
      400: 'Bad query',
      410: 'The lead was erased',
      ...AUTH,
    },
  },
  'GET /v1/accounts/{domain}': {
    summary: 'An account score rolled up from its contacts (by e-mail domain)',
    responses: { 200: 'The roll-up per model', 400: 'Bad domain', 404: 'No lead has that domain', ...AUTH },
  },
  'POST /v1/models/dry-run': {
    summary:
      'Start a job: how many leads a proposed model would move between bands (nothing is written but the job)',
    body: z.object({ model: z.object({}).loose() }),
    responses: {
      202: 'The job (Location: /v1/jobs/{id}); its result: leads replayed, band changes up and down, each transition',
      400: 'Not a valid model (every problem named)',
      413: 'The body is over 300 KB',
      415: 'Not application/json',
      ...AUTH,
    },
  },
  'GET /v1/jobs/{id}': {
    summary:
      'A job (a dry run, an erasure): status queued, running, succeeded or failed; progress {done, total}; then its result',
    responses: { 200: 'The job', 400: 'Not a job id', 404: 'No such job (kept a week)', ...AUTH },
  },
  'GET /v1/models/{id}/evaluation': {
    summary:
      "The model's last evaluation against outcomes (leadscore evaluate --publish): AUC, deciles, bands",
    responses: { 200: 'The evaluation', 400: 'Bad model id', 404: 'Not evaluated yet', ...AUTH },
  },
  'GET /v1/models': {
    summary: 'The models in force: rules, fit rules, bands and thresholds, as their documents',
    responses: { 200: 'The models', ...AUTH },
  },
  'GET /v1/notifications': {
    summary:
      'Notifications published after a time or a cursor (the live feed), oldest first; looks back at most a day',
    query: {
      since: 'ISO time (default: an hour ago)',
      after: 'the cursor of the previous answer: what came after its last notification',
      limit: '1-500 (default 100)',
    },
    responses: { 200: 'The notifications', 400: 'Bad query', ...AUTH },
  },
  'GET /dashboard': {
    summary: 'The dashboard (a static page; it signs in with an API key)',
    responses: { 200: 'The page' },
  },
  'GET /dashboard/{file}': {
    summary: "The dashboard's files",
    responses: { 200: 'The file', 404: 'No such file' },
  },
  'GET /favicon.ico': { summary: "The dashboard's icon (SVG)", responses: { 200: 'The icon' } },
  'GET /openapi.json': { summary: 'This document', responses: { 200: 'OpenAPI 3.1' } },
};

export function documentedStatuses(routeKey: string): number[] {
  return Object.keys(OPERATIONS[routeKey]?.responses ?? {}).map(Number);
}

/** The OpenAPI 3.1 document of the HTTP API, built from the route table and the same zod schemas the handlers use. */
export function openApiDocument(serverUrl?: string) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of ROUTES) {
    const key = `${route.method} ${route.path}`;
    const op = OPERATIONS[key];
    if (!op) throw new Error(`route ${key} is not documented`);
    const pathParams = [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => ({
      name: m[1],
      in: 'path',
      required: true,
      schema: { type: 'string' },
    }));
    const queryParams = Object.entries(op.query ?? {}).map(([name, description]) => ({
      name,
      in: 'query',
      required: false,
      description,
      schema: { type: 'string' },
    }));
    paths[route.path] ??= {};
    paths[route.path]![route.method.toLowerCase()] = {
      summary: op.summary,
      operationId: route.handler,
      ...(route.auth ? { security: [{ bearer: [] }, { apiKey: [] }] } : { security: [] }),
      ...(pathParams.length + queryParams.length > 0 && { parameters: [...pathParams, ...queryParams] }),
      ...(op.body && {
        requestBody: {
          required: true,
          content: {
            'application/json': { schema: z.toJSONSchema(op.body, { io: 'input', unrepresentable: 'any' }) },
          },
        },
      }),
      responses: Object.fromEntries(
        Object.entries(op.responses).map(([status, description]) => [
          status,
          {
            description,
            ...(Number(status) >= 400 && {
              content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
            }),
            ...(Number(status) === 200 &&
              op.answer && { content: { 'application/json': { schema: op.answer } } }),
          },
        ]),
      ),
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Leadscore',
      version: '1',
      description: 'Lead scoring: activity ingestion, scores, rankings and privacy requests.',
    },
    ...(serverUrl && { servers: [{ url: serverUrl }] }),
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer' },
        apiKey: { type: 'apiKey', in: 'header', name: 'x-api-key' },
      },
      schemas: { Problem, BreakdownLine },
    },
    paths,
  };
}
