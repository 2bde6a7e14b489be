import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PutCommand, QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { checkPermissions, type Grant } from '../../local/artifacts/iam.ts';
import { permissionsTable, withPermissions } from '../../local/artifacts/permissions.ts';
import { DeployedStack, synthesise } from '../../local/artifacts/stack.ts';
import { arn } from '../../local/artifacts/template.ts';
import type { Notification } from '../../shared/notify/notifications.ts';
import { hashApiKey, newApiKey } from '../../shared/security/apikeys.ts';
import { signLeadToken, signRedirect } from '../../shared/security/tokens.ts';
import { documentClient } from '../../shared/store/dynamo.ts';
import { JobStore } from '../../shared/store/jobs.ts';
import { LeadDirectory } from '../../shared/store/leads.ts';
import { Ledger } from '../../shared/store/ledger.ts';

/**
 * The deployed-artifact suite: the stack as `cdk synth` builds it, each function run from its bundle in a fresh
 * Node process with the template's environment and the SDK supplied from outside, fed the JSON AWS sends. What
 * passes here passes because the uploaded files, the wiring and the permissions work, not the source tree.
 */

const REPO = resolve(import.meta.dirname, '../..');
const BROWSER_UA =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36';
/** Stream effects arrive in their own time; on a loaded machine, and behind retried records, that can take long. */
const STREAM_MS = 150_000;

/**
 * Grants for the code that this suite does not reach, each with the code path that needs it and why the suite does
 * not go there; `grant` as the IAM check prints it (`dynamodb:Query table/activities`). Any other grant of the code
 * that no call here used fails the IAM check. None today: every path that needs a grant is reached.
 */
const UNREACHED: readonly { fn: string; grant: string; path: string; why: string }[] = [];

let work: string;
let stack: DeployedStack;
let apiKey: string;
let db: ReturnType<typeof documentClient>;
let stage: string;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'leadscore-artifacts-'));
  const stackName = await synthesise(REPO, join(work, 'cdk.out'));
  stack = await DeployedStack.start({
    repoRoot: REPO,
    assemblyDir: join(work, 'cdk.out'),
    stackName,
    workDir: work,
  });
  stage = stack.tables.leads.replace(/^leadscore-/, '').replace(/-leads$/, '');
  // An operator's API key, as `leadscore apikey create` stores it (straight into the table, not through a function).
  db = documentClient(stack.dynamodbEndpoint);
  apiKey = newApiKey();
  await new LeadDirectory(db, stack.tables).putApiKey(hashApiKey(apiKey), 'artifacts', Date.now());
}, 600_000);

afterAll(async () => {
  await stack?.stop();
  db?.destroy();
  if (work) rmSync(work, { recursive: true, force: true });
});

const fn = (handler: string) => `leadscore-${stage}-${handler}`;

function api(path: string, init: RequestInit & { json?: unknown } = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  headers.set('authorization', `Bearer ${apiKey}`);
  if (init.json !== undefined) headers.set('content-type', 'application/json');
  return fetch(`${stack.apiUrl}${path}`, {
    ...init,
    headers,
    ...(init.json !== undefined && { body: JSON.stringify(init.json) }),
  });
}

let n = 0;
const uniqueId = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${++n}`;

/** Polls until `what` gives a value; on failure, says why if `why` can tell (a function's last error, say). */
async function until<T>(
  what: () => Promise<T | undefined> | T | undefined,
  timeoutMs: number,
  why: () => string = () => '',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await what();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms ${why()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** How a stream function's batches went, and the last error it logged: why a stream effect never came. */
const lastError = (handler: string) => () => {
  const batches = stack.batches.filter((b) => b.functionName === fn(handler));
  const failed = batches.filter((b) => b.failed);
  const errors = stack.outputOf(fn(handler)).filter((l) => /"level":"ERROR"|Error/.test(l));
  return `(${fn(handler)}: ${failed.length} of ${batches.length} batches failed${failed.length > 0 ? `, the last: ${failed.at(-1)!.failed}` : ''}${errors.length > 0 ? `; it logged: ${errors.at(-1)!.slice(0, 600)}` : '; it logged no error'})`;
};

/** Notifications published to the notification topic about one lead, parsed. */
function notificationsOf(leadId: string) {
  return stack.published
    .map((p) => ({ ...p, notification: JSON.parse(p.message) as Notification }))
    .filter((p) => p.notification.leadId === leadId);
}

async function itemsUnder(table: 'activities' | 'leads', pk: string) {
  const out = await db.send(
    new QueryCommand({
      TableName: stack.tables[table],
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': pk },
    }),
  );
  return out.Items ?? [];
}

async function itemsMentioning(table: 'activities' | 'leads', text: string) {
  const found: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await db.send(new ScanCommand({ TableName: stack.tables[table], ExclusiveStartKey: start }));
    found.push(...(page.Items ?? []).filter((i) => JSON.stringify(i).includes(text)));
    start = page.LastEvaluatedKey;
  } while (start);
  return found;
}

/** A lead's score item of the default model, once the stream has written it with `band`. */
const scoreIn = (leadId: string, band: string) =>
  until(async () => {
    const score = (await itemsUnder('leads', `LEAD#${leadId}`)).find((i) => i.entity === 'score');
    return score?.band === band ? score : undefined;
  }, STREAM_MS);

describe('the deployed artifacts', () => {
  it('a pixel hit pushes a lead over hot: one notification with its reasons, published by the bundled notifier', async () => {
    // Prepare: a lead token, signed with the stage's secret (the one Secrets Manager holds).
    const lead = uniqueId('hot');
    const token = signLeadToken(stack.signingSecret, { l: lead, x: Math.floor(Date.now() / 1000) + 3600 });
    const hit = (query: string) =>
      fetch(`${stack.apiUrl}/p.gif?t=${encodeURIComponent(token)}&${query}`, {
        headers: { 'user-agent': BROWSER_UA },
      });

    // Act: the demo request comes from the site's backend (the pixel takes page views only): 30 points, warm.
    // Then the pixel's pricing page: 10 more, and 10 for pricing and demo together, 51 in all: hot.
    const demo = await api('/v1/events', {
      method: 'POST',
      json: {
        events: [
          {
            eventId: 'demo',
            leadId: lead,
            type: 'form_submit',
            occurredAt: new Date().toISOString(),
            properties: { form: 'demo' },
          },
        ],
      },
    });
    expect(demo.status).toBe(200);
    await scoreIn(lead, 'warm');
    const page = await hit('u=%2Fpricing');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('image/gif');

    // Assess: one crossing to hot on the topic, with its reasons and filterable attributes.
    const toHot = (p: ReturnType<typeof notificationsOf>[number]) =>
      p.notification.type === 'band_crossing' && p.notification.newBand === 'hot';
    const crossing = await until(
      () => notificationsOf(lead).find(toHot),
      STREAM_MS,
      lastError('notify-crossings'),
    );
    expect(crossing.caller).toBe(fn('notify-crossings'));
    expect(crossing.topicArn).toBe(stack.lambda.function(fn('notify-crossings')).environment.TOPIC_ARN);
    expect(crossing.notification).toMatchObject({
      oldBand: 'warm',
      newBand: 'hot',
      direction: 'up',
      model: 'default',
    });
    expect(crossing.notification.reasons.map((r) => r.rule)).toEqual(
      expect.arrayContaining(['demo-request', 'pricing-page', 'pricing-and-demo']),
    );
    expect(crossing.attributes).toMatchObject({
      type: { DataType: 'String', StringValue: 'band_crossing' },
      band: { DataType: 'String', StringValue: 'hot' },
      direction: { DataType: 'String', StringValue: 'up' },
    });
    // The history the notifier writes in the same pass is there, so the stream has moved past the crossing.
    await until(async () => {
      const history = (await (await api(`/v1/leads/${lead}/history`)).json()) as { changes?: unknown[] };
      return (history.changes?.length ?? 0) > 0 ? history : undefined;
    }, STREAM_MS);
    expect(notificationsOf(lead).filter(toHot)).toHaveLength(1);
  }, 300_000);

  it('the bundled pixel prints nothing for a recorded hit, and counts a duplicate in CloudWatch embedded metric format', async () => {
    // Prepare
    const token = signLeadToken(stack.signingSecret, {
      l: uniqueId('quiet'),
      x: Math.floor(Date.now() / 1000) + 3600,
    });
    const hit = () =>
      fetch(`${stack.apiUrl}/p.gif?t=${encodeURIComponent(token)}&id=once`, {
        headers: { 'user-agent': BROWSER_UA },
      });
    const printed = () => stack.outputOf(fn('pixel')).length;
    const before = printed();

    // Act
    expect((await hit()).status).toBe(200);
    const afterRecorded = printed();
    expect((await hit()).status).toBe(200);

    // Assert: the hot path's success costs no log line; the duplicate is one EMF line in the stack's namespace
    expect(afterRecorded).toBe(before);
    const emf = stack
      .outputOf(fn('pixel'))
      .slice(afterRecorded)
      .filter((line) => line.includes('"_aws"'))
      .map(
        (line) =>
          JSON.parse(line) as Record<string, unknown> & {
            _aws: { CloudWatchMetrics: { Namespace: string; Metrics: { Name: string }[] }[] };
          },
      );
    expect(emf).toHaveLength(1);
    expect(emf[0]!._aws.CloudWatchMetrics[0]!.Namespace).toBe(
      stack.lambda.function(fn('pixel')).environment.POWERTOOLS_METRICS_NAMESPACE,
    );
    expect(emf[0]!['pixel.duplicate']).toBe(1);
  });

  it('the bundled pixel takes a hit from a Lambda function URL (pixelEndpoint: functionUrl): the same payload 2.0', async () => {
    // Prepare: the event a function URL sends, in the documented shape, carrying a signed page view
    const lead = uniqueId('url');
    const token = signLeadToken(stack.signingSecret, { l: lead, x: Math.floor(Date.now() / 1000) + 3600 });
    const event = JSON.parse(
      readFileSync(new URL('../fixtures/aws/function-url-event.json', import.meta.url), 'utf8')
        .replaceAll('TOKEN', token)
        .replaceAll('EVENT', 'from-url'),
    );

    // Act
    const result = await stack.invoke(fn('pixel'), event);

    // Assert: the GIF, and the activity in the ledger under the lead
    expect(result.ok).toBe(true);
    const answer = JSON.parse((result as { payload: string }).payload);
    expect(answer).toMatchObject({
      statusCode: 200,
      isBase64Encoded: true,
      headers: { 'content-type': 'image/gif' },
    });
    const stored = await until(async () => {
      const items = await itemsUnder('activities', `LEAD#${lead}`);
      return items.length > 0 ? items : undefined;
    }, STREAM_MS);
    expect(stored.map((i) => i.eventId)).toEqual(['from-url']);

    // A URL takes any method and path; a link scanner's HEAD or a stray path is refused, and records nothing.
    const head = {
      ...event,
      queryStringParameters: { ...event.queryStringParameters, id: 'head' },
      requestContext: { ...event.requestContext, http: { ...event.requestContext.http, method: 'HEAD' } },
    };
    const stray = {
      ...event,
      rawPath: '/favicon.ico',
      queryStringParameters: { ...event.queryStringParameters, id: 'stray' },
    };
    const answers = await Promise.all([stack.invoke(fn('pixel'), head), stack.invoke(fn('pixel'), stray)]);
    expect(answers.map((a) => JSON.parse((a as { payload: string }).payload).statusCode)).toEqual([405, 404]);
    expect((await itemsUnder('activities', `LEAD#${lead}`)).map((i) => i.eventId)).toEqual(['from-url']);
  });

  it('bus events reach ingest-bus through the rule and are stored: an activity, a profile, an outcome', async () => {
    const lead = uniqueId('bus');
    const put = (detailType: string, detail: unknown) =>
      stack.putEvent({ busName: `leadscore-${stage}-bus`, source: 'crm.test', detailType, detail });
    const occurredAt = new Date().toISOString();
    const results = [
      ...(await put('leadscore.activity', { eventId: 'crm-1', leadId: lead, type: 'download', occurredAt })),
      ...(await put('leadscore.profile', { leadId: lead, attributes: { title: 'CTO' } })),
      ...(await put('leadscore.outcome', { leadId: lead, outcome: 'won', occurredAt, value: 1200 })),
    ];
    expect(results).toEqual(Array(3).fill({ ok: true, payload: 'null' }));
    const [activity] = await itemsUnder('activities', `LEAD#${lead}`);
    expect(activity).toMatchObject({ entity: 'activity', type: 'download', eventId: 'crm-1' });
    const items = await itemsUnder('leads', `LEAD#${lead}`);
    expect(items.find((i) => i.entity === 'profile')).toMatchObject({ attributes: { title: 'CTO' } });
    expect(items.find((i) => i.entity === 'outcome')).toMatchObject({ outcome: 'won', value: 1200 });
  });

  it('the decay schedule, firing as if 60 days later, brings one crossing down', async () => {
    // Prepare: a hot lead, through the API.
    const lead = uniqueId('cooling');
    const sent = await api('/v1/events', {
      method: 'POST',
      json: {
        events: [
          {
            eventId: 'p',
            leadId: lead,
            type: 'page_view',
            occurredAt: new Date().toISOString(),
            properties: { path: '/pricing' },
          },
          {
            eventId: 'd',
            leadId: lead,
            type: 'form_submit',
            occurredAt: new Date().toISOString(),
            properties: { form: 'demo' },
          },
        ],
      },
    });
    expect(sent.status).toBe(200);
    await scoreIn(lead, 'hot');

    // Act: the schedule's payload, as of 60 days on.
    const at = new Date(Date.now() + 60 * 86_400_000).toISOString();
    const result = await stack.fireSchedule(`leadscore-${stage}-decay`, { at });
    expect(result.ok, JSON.stringify(result)).toBe(true);
    const sweep = JSON.parse((result as { payload: string }).payload) as {
      complete: boolean;
      visited: number;
    };
    expect(sweep.complete).toBe(true);
    expect(sweep.visited).toBeGreaterThanOrEqual(1);

    // Assess: one crossing down, caused by decay.
    const down = await until(
      () =>
        notificationsOf(lead).find(
          (p) => p.notification.type === 'band_crossing' && p.notification.direction === 'down',
        ),
      STREAM_MS,
      lastError('notify-crossings'),
    );
    expect(down.notification).toMatchObject({ oldBand: 'hot', direction: 'down', cause: { kind: 'decay' } });
    await scoreIn(lead, down.notification.newBand);
    expect(notificationsOf(lead).filter((p) => p.notification.direction === 'down')).toHaveLength(1);
  }, 300_000);

  it('a sweep whose time runs short hands the rest to a fresh invocation of itself, through Lambda Invoke', async () => {
    const decay = stack.lambda.function(fn('decay-sweep'));
    const at = new Date(Date.now() + 90 * 86_400_000).toISOString();

    // Act: the schedule's payload, to an invocation with 19 s of its time left (the sweep keeps a 20 s margin).
    const result = await stack.invoke(
      decay.name,
      { at },
      { elapsedMs: decay.timeoutSeconds * 1000 - 19_000 },
    );

    // Assess: it paused at the start and invoked itself (by name) asynchronously, which finished the sweep.
    expect(result.ok, JSON.stringify(result)).toBe(true);
    const paused = JSON.parse((result as { payload: string }).payload) as {
      complete: boolean;
      resume: unknown;
    };
    expect(paused.complete).toBe(false);
    const continued = await until(
      () => stack.asyncInvocations.find((i) => i.functionName === decay.name && i.result),
      STREAM_MS,
    );
    expect(continued.payload).toEqual({ at, resume: paused.resume });
    expect(continued.result).toMatchObject({ ok: true });
    expect(JSON.parse((continued.result as { payload: string }).payload)).toMatchObject({
      at,
      complete: true,
    });
    expect(stack.calls).toContainEqual({
      caller: decay.name,
      action: 'lambda:InvokeFunction',
      resource: decay.arn,
      by: 'sdk',
    });
  }, 300_000);

  it('an erase (DELETE /v1/leads/{id}) leaves nothing of the lead', async () => {
    const lead = uniqueId('erase');
    // A demo request: the lead turns warm and is announced, so the live feed names it too. Only the notifier
    // clears the feed once the erasure reaches the leads stream (the erase deletes the lead's history itself, most
    // often before the notifier gets there).
    await api('/v1/events', {
      method: 'POST',
      json: {
        events: [
          {
            eventId: 'x1',
            leadId: lead,
            type: 'form_submit',
            occurredAt: new Date().toISOString(),
            properties: { form: 'demo' },
          },
        ],
      },
    });
    expect((await itemsUnder('activities', `LEAD#${lead}`)).length).toBe(1);
    // Its score, with its history, and its notification in the live feed.
    await until(async () => {
      const items = await itemsUnder('leads', `LEAD#${lead}`);
      return items.some((i) => i.entity === 'history') ? items : undefined;
    }, STREAM_MS);
    await until(
      async () =>
        (await itemsMentioning('leads', lead)).some((i) => i.entity === 'feed') ? true : undefined,
      STREAM_MS,
      lastError('notify-crossings'),
    );
    // A profile then refits the stored score, which takes the e-mail address, and the search finds it by it.
    await api(`/v1/leads/${lead}/attributes`, {
      method: 'PUT',
      json: { attributes: { email: `${lead}@acme.test` } },
    });
    await until(
      async () => {
        const score = (await itemsUnder('leads', `LEAD#${lead}`)).find((i) => i.entity === 'score');
        return score?.email === `${lead}@acme.test` ? score : undefined;
      },
      STREAM_MS,
      lastError('follow-profiles'),
    );
    await until(
      async () => {
        const found = await (await api(`/v1/leads?q=${encodeURIComponent(`${lead}@acme`)}`)).json();
        return found.leads.some((l: { leadId: string }) => l.leadId === lead) ? found : undefined;
      },
      STREAM_MS,
      lastError('follow-profiles'),
    );

    // Act: the erase answers at once; its job, on the bundled worker, deletes the ledger.
    const erased = await api(`/v1/leads/${lead}`, { method: 'DELETE' });
    expect(erased.status).toBe(202);
    await jobDone(erased.headers.get('location')!);
    expect(await itemsMentioning('activities', lead)).toEqual([]);
    // Only the tombstone and the score marker remain, holding the id and nothing else: the history and the live
    // feed's item are gone.
    const left = await until(async () => {
      const items = await itemsMentioning('leads', lead);
      return items.every((i) => i.entity === 'erased') ? items : undefined;
    }, STREAM_MS);
    for (const item of left)
      expect(Object.keys(item).sort()).toEqual(
        item.sk === 'ERASED' ? ['at', 'entity', 'leadId', 'pk', 'sk'] : ['entity', 'expiresAt', 'pk', 'sk'],
      );
    // What an erased id is asked for answers 410 Gone, as every later write for it does.
    expect((await api(`/v1/leads/${lead}/export`)).status).toBe(410);
    // An id nothing names, in either table, is not found.
    expect((await api(`/v1/leads/${uniqueId('nobody')}`, { method: 'DELETE' })).status).toBe(404);
  }, 300_000);

  it('identify moves a visitor’s ledger to its lead; a merge moves the rest; late hits of the visitor and the merged lead follow', async () => {
    // Prepare: the surviving lead's profile first (the older profile survives), a visitor's page view (through the
    // bundled pixel, which resolves a visitor), then the other lead's profile, outcome and activity.
    const survivor = uniqueId('keep');
    const merged = uniqueId('merge');
    const visitor = uniqueId('visitor');
    const occurredAt = new Date().toISOString();
    const view = (eventId: string) => ({
      eventId,
      anonymousId: visitor,
      type: 'page_view',
      occurredAt,
      properties: { path: '/pricing' },
    });
    const put = (lead: string, attributes: object) =>
      api(`/v1/leads/${lead}/attributes`, { method: 'PUT', json: { attributes } });
    const send = (event: object) => api('/v1/events', { method: 'POST', json: { events: [event] } });
    expect((await put(survivor, { email: `${survivor}@keep.test` })).status).toBe(200);
    const pixel = (query: string) =>
      fetch(`${stack.apiUrl}/p.gif?${query}`, { headers: { 'user-agent': BROWSER_UA } });
    expect(
      (await pixel(`a=${visitor}&id=v1&u=${encodeURIComponent('https://www.example.com/pricing')}`)).status,
    ).toBe(200);
    expect((await itemsUnder('activities', `ANON#${visitor}`)).map((a) => a.eventId)).toEqual(['v1']);
    expect((await put(merged, { company: 'Merged Ltd' })).status).toBe(200);
    const won = { outcome: 'won', occurredAt };
    expect((await api(`/v1/leads/${merged}/outcomes`, { method: 'POST', json: won })).status).toBe(201);
    expect((await send({ eventId: 'm1', leadId: merged, type: 'download', occurredAt })).status).toBe(200);

    // Act: the visitor becomes the other lead, which then merges into the survivor. (The visitor's page view may
    // be moved by the scorer too, should it see the view after the identify: either move leaves it once, under
    // the lead.)
    const identified = await api('/v1/identify', {
      method: 'POST',
      json: { anonymousId: visitor, leadId: merged },
    });
    expect(await identified.json()).toMatchObject({ leadId: merged, aliased: visitor });
    const merge = await api('/v1/identify', {
      method: 'POST',
      json: { leadId: survivor, previousId: merged },
    });
    expect(await merge.json()).toMatchObject({ leadId: survivor, aliased: merged });

    // Assess: the survivor holds both ledgers, the outcome and the attribute its profile lacked.
    const exported = (await (await api(`/v1/leads/${survivor}/export`)).json()) as {
      profile: { attributes: Record<string, unknown> };
      outcomes: unknown[];
      activities: { eventId: string }[];
    };
    expect(exported.profile.attributes).toMatchObject({ company: 'Merged Ltd' });
    expect(exported.outcomes).toHaveLength(1);
    expect(exported.activities.map((a) => a.eventId).sort()).toEqual(['m1', 'v1']);

    // A visitor's event resolved before the identify and written after it (written here as the ledger writes it)
    // is moved by the scorer to the lead the visitor now belongs to.
    await new Ledger(db, stack.tables, 30).record(
      { kind: 'anonymous', id: visitor },
      view('v2'),
      'api',
      Date.now(),
    );
    await until(
      async () => {
        const moved = await itemsUnder('activities', `LEAD#${survivor}`);
        const left = await itemsUnder('activities', `ANON#${visitor}`);
        return left.length === 0 && moved.some((a) => a.eventId === 'v2') ? moved : undefined;
      },
      STREAM_MS,
      lastError('score-activities'),
    );

    // The merged-away lead opens an old e-mail: its token names it, the pixel writes the hit under it unresolved,
    // and the bundled scorer moves it to the survivor.
    const token = signLeadToken(stack.signingSecret, { l: merged, x: Math.floor(Date.now() / 1000) + 3600 });
    expect((await pixel(`t=${encodeURIComponent(token)}&id=open-1`)).status).toBe(200);
    await until(
      async () => {
        const moved = await itemsUnder('activities', `LEAD#${survivor}`);
        const left = await itemsUnder('activities', `LEAD#${merged}`);
        return left.length === 0 && moved.some((a) => a.eventId === 'open-1') ? moved : undefined;
      },
      STREAM_MS,
      lastError('score-activities'),
    );
  }, 300_000);

  it('a job whose time runs short hands the rest to a fresh invocation of itself, through Lambda Invoke', async () => {
    const worker = stack.lambda.function(fn('run-job'));
    const jobs = new JobStore(db, stack.tables);
    const { jobId } = await jobs.create(
      randomUUID(),
      'erase',
      { leadId: uniqueId('gone'), aliases: [] },
      Date.now(),
    );

    // Act: its invocation starts with 29 s left (the worker keeps a 30 s margin).
    const result = await stack.invoke(
      worker.name,
      { jobId },
      { elapsedMs: worker.timeoutSeconds * 1000 - 29_000 },
    );
    expect(result.ok, JSON.stringify(result)).toBe(true);

    // Assess: it invoked itself (by name) asynchronously, which finished the job.
    const continued = await until(
      () =>
        stack.asyncInvocations.find(
          (i) => i.functionName === worker.name && i.result && JSON.stringify(i.payload).includes(jobId),
        ),
      STREAM_MS,
    );
    expect(continued.result).toMatchObject({ ok: true });
    expect(await jobs.get(jobId)).toMatchObject({ status: 'succeeded' });
    expect(stack.calls).toContainEqual({
      caller: worker.name,
      action: 'lambda:InvokeFunction',
      resource: worker.arn,
      by: 'sdk',
    });
  }, 300_000);

  it('every route of the HTTP API answers through its bundle', async () => {
    // Prepare: a known lead with a profile, a visitor to identify, a signed link.
    const lead = uniqueId('routes');
    const visitor = uniqueId('v');
    const target = 'https://acme.test/pricing';
    const token = signLeadToken(stack.signingSecret, { l: lead, x: Math.floor(Date.now() / 1000) + 3600 });
    await api(`/v1/leads/${lead}/attributes`, {
      method: 'PUT',
      json: { attributes: { email: `${lead}@routes.test` } },
    });
    const model = parseYaml(
      readFileSync(join(REPO, 'models/default.yaml'), 'utf8').replace('min: 25', 'min: 10'),
    );

    // Act: each route once, as a client would call it.
    const calls: [string, string, unknown?][] = [
      [
        'GET',
        `/r?${new URLSearchParams({ u: target, t: token, s: signRedirect(stack.signingSecret, target, token) })}`,
      ],
      ['POST', '/v1/identify', { anonymousId: visitor, leadId: lead }],
      ['POST', `/v1/leads/${lead}/outcomes`, { outcome: 'won', occurredAt: new Date().toISOString() }],
      ['GET', `/v1/leads/${lead}/export`],
      ['GET', '/v1/leads?limit=5'],
      ['GET', `/v1/leads/${lead}`],
      ['GET', '/v1/accounts/routes.test'],
      ['POST', '/v1/models/dry-run', { model }],
      ['GET', '/v1/models/default/evaluation'],
      ['GET', '/v1/models'],
      ['GET', '/v1/notifications'],
      ['GET', '/openapi.json'],
      ['GET', '/dashboard'],
      ['GET', '/dashboard/app.js'],
    ];
    const statuses: Record<string, number> = {};
    let job = '';
    for (const [method, path, json] of calls) {
      const response = await api(path, { method, redirect: 'manual', ...(json !== undefined && { json }) });
      statuses[`${method} ${path.split('?')[0]}`] = response.status;
      if (path === '/v1/models/dry-run') job = response.headers.get('location')!;
    }
    // The dry run's job, run by the bundled worker, reported by the bundled get-job.
    const report = (await jobDone(job)) as { result: { leads: number } };
    expect(report.result.leads).toBeGreaterThan(0);

    // Assess: no route failed in its function (API Gateway's 500), each gave what it gives.
    expect(statuses).toEqual({
      'GET /r': 302,
      'POST /v1/identify': 200,
      [`POST /v1/leads/${lead}/outcomes`]: 201,
      [`GET /v1/leads/${lead}/export`]: 200,
      'GET /v1/leads': 200,
      [`GET /v1/leads/${lead}`]: 200,
      'GET /v1/accounts/routes.test': 200,
      'POST /v1/models/dry-run': 202,
      'GET /v1/models/default/evaluation': 404,
      'GET /v1/models': 200,
      'GET /v1/notifications': 200,
      'GET /openapi.json': 200,
      'GET /dashboard': 200,
      'GET /dashboard/app.js': 200,
    });
  }, 300_000);

  it('a poison stream record ends in the on-failure destination after its retries, alone', async () => {
    // Prepare: a score whose state no version of the engine can read (a corrupt or foreign write).
    const lead = uniqueId('poison');
    await db.send(
      new PutCommand({
        TableName: stack.tables.leads,
        Item: {
          pk: `LEAD#${lead}`,
          sk: 'SCORE#default',
          entity: 'score',
          model: 'default',
          state: new Uint8Array([0xff, 0, 1, 2]),
        },
      }),
    );

    // Assess: the notifier's mapping gives up on it, and Lambda's record of that lands in the mapping's queue.
    const mapping = stack.template.streamMappings().find((m) => m.functionName === fn('notify-crossings'))!;
    const poison = await until(
      () => stack.delivered.find((d) => JSON.stringify(d.keys).includes(`LEAD#${lead}`)),
      STREAM_MS,
    );
    const failure = await until(
      () =>
        stack.destinations.find(
          (d) =>
            BigInt(d.record.DDBStreamBatchInfo.startSequenceNumber) <= BigInt(poison.sequenceNumber) &&
            BigInt(poison.sequenceNumber) <= BigInt(d.record.DDBStreamBatchInfo.endSequenceNumber),
        ),
      240_000,
    );
    expect(failure.queueArn).toBe(mapping.onFailureArn);
    expect(failure.record).toMatchObject({
      requestContext: {
        condition: 'RetryAttemptsExhausted',
        functionArn: stack.lambda.function(fn('notify-crossings')).arn,
      },
      DDBStreamBatchInfo: { batchSize: 1, streamArn: mapping.streamArn },
    });
  }, 400_000);

  it('a bundle finds the SDK outside itself, as in Lambda, and nothing else of this checkout', () => {
    const require = createRequire(join(stack.lambda.taskRootOf(fn('pixel')), 'index.mjs'));
    expect(require.resolve('@aws-sdk/client-dynamodb')).toContain(join(work, 'runtime', 'node_modules'));
    // Bundled dependencies must be in the bundle: the runtime has none of them.
    for (const bundled of ['zod', '@middy/core', '@aws-lambda-powertools/metrics'])
      expect(() => require.resolve(bundled), bundled).toThrow();
  });

  it('docs/deploy.md lists each function’s permissions as the synthesised template grants them', () => {
    const document = readFileSync(join(REPO, 'docs/deploy.md'), 'utf8');
    expect(document, 'run `npm run docs:permissions`').toBe(
      withPermissions(document, permissionsTable(stack.template)),
    );
  });

  it('IAM: every AWS call made above is allowed by the calling function’s role, and every grant of the code is used', async () => {
    const report = await checkPermissions(stack.template, stack.calls);
    const short = (name: string) => name.replaceAll(`leadscore-${stage}-`, '');
    const place = (resource: string) =>
      resource === '*' ? '*' : short(resource.split(':').slice(5).join(':'));
    const show = (g: Grant) => `${g.action} ${place(g.resource)}`;
    const list = (grants: (Grant & { seen?: boolean })[]) => {
      const on = new Map<string, string[]>();
      for (const g of grants)
        on.set(place(g.resource), [
          ...(on.get(place(g.resource)) ?? []),
          g.seen === false ? `${g.action} (not reached here)` : g.action,
        ]);
      return (
        [...on].map(([resource, actions]) => `${actions.join(', ')} on ${resource}`).join('; ') || 'none'
      );
    };
    console.log(
      `IAM check: ${report.calls} calls (${report.distinct} distinct), ${report.denied.length} denied`,
    );
    for (const [name, grants] of report.grants) {
      console.log(`  ${short(name)}`);
      console.log(`    used by its code in this suite: ${list(grants.used)}`);
      console.log(`    used by Lambda for it: ${list(grants.service)}`);
      if (grants.unexercised.length > 0)
        console.log(`    its code's, not exercised here: ${list(grants.unexercised)}`);
    }
    if (report.idle.length > 0) console.log(`  not run by this suite: ${report.idle.map(short).join(', ')}`);
    for (const u of UNREACHED) console.log(`  allowed unexercised: ${u.fn} ${u.grant}: ${u.path}; ${u.why}`);
    expect(report.calls).toBeGreaterThan(0);
    expect.soft(report.denied).toEqual([]);

    // A grant of the code no call used: reach it above, list it in UNREACHED with its reason, or take it away.
    const allowed = new Set(UNREACHED.map((u) => `${u.fn} ${u.grant}`));
    const unexercised = [...report.grants].flatMap(([name, grants]) =>
      grants.unexercised.map((g) => `${short(name)} ${show(g)}`),
    );
    expect.soft(unexercised.filter((u) => !allowed.has(u))).toEqual([]);
    // And the allow-list names grants that exist.
    const granted = new Set(
      [...report.grants].flatMap(([name, grants]) =>
        [...grants.used, ...grants.unexercised].map((g) => `${short(name)} ${show(g)}`),
      ),
    );
    expect([...allowed].filter((a) => !granted.has(a))).toEqual([]);

    // The same check refuses what a role was not granted: the public pixel deleting from the leads table, or
    // publishing notifications.
    const pixel = stack.lambda.function(fn('pixel'));
    const notifier = stack.lambda.function(fn('notify-crossings'));
    const refused = await checkPermissions(stack.template, [
      {
        caller: pixel.name,
        action: 'dynamodb:DeleteItem',
        resource: arn('dynamodb', `table/${stack.tables.leads}`),
        by: 'sdk',
      },
      { caller: pixel.name, action: 'sns:Publish', resource: notifier.environment.TOPIC_ARN!, by: 'sdk' },
    ]);
    expect(refused.denied.map((d) => d.result)).toEqual(['ImplicitlyDenied', 'ImplicitlyDenied']);
  });
});

/** Polls a job's Location (GET /v1/jobs/{id}, through its bundle) until it has succeeded. */
async function jobDone(location: string): Promise<unknown> {
  expect(location).toMatch(/^\/v1\/jobs\//);
  return until(async () => {
    const body = (await (await api(location)).json()) as { status: string; error?: unknown };
    if (body.status === 'failed') throw new Error(`job failed: ${JSON.stringify(body.error)}`);
    return body.status === 'succeeded' ? body : undefined;
  }, STREAM_MS);
}
