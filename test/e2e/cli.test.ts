import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { ensureTables } from '../../local/dynamodb.ts';
import { tableNames } from '../../shared/names.ts';
import { batchWrite } from '../../shared/store/batch.ts';
import { documentClient } from '../../shared/store/dynamo.ts';
import { Ledger } from '../../shared/store/ledger.ts';
import { namedTables } from '../../shared/store/tables.ts';
import { syntheticLeads } from '../../shared/synthetic/generator.ts';
import {
  api,
  BROWSER_UA,
  db,
  itemsMentioning,
  itemsUnder,
  runtime,
  uniqueId,
  until,
} from '../helpers/runtime.ts';

const run = promisify(execFile);

const leadscore = (...args: string[]) =>
  run(process.execPath, ['bin/leadscore.js', ...args, '--data-dir', runtime.dataDir]);

describe('leadscore against the running local runtime', () => {
  it('token prints a pixel URL that records for that lead, and a tracked link that redirects', async () => {
    const lead = uniqueId('lead');
    const { stdout } = await leadscore(
      'token',
      '--lead',
      lead,
      '--email',
      'nl-9',
      '--link',
      'https://acme.test/pricing',
    );
    const pixel = /^pixel\s+(\S+)$/m.exec(stdout)![1]!;
    const link = /^link\s+(\S+)$/m.exec(stdout)![1]!;
    expect((await fetch(pixel, { headers: { 'user-agent': BROWSER_UA } })).status).toBe(200);
    const click = await fetch(link, { redirect: 'manual' });
    expect(click.headers.get('location')).toBe('https://acme.test/pricing');
    const types = (await itemsUnder('activities', `LEAD#${lead}`)).map((i) => i.type).sort();
    expect(types).toEqual(['email_click', 'email_open']);
  });

  it('decay --at is a preview: it reports what would change and writes nothing', async () => {
    // Prepare: a scored lead that time alone will cool.
    const lead = uniqueId('preview');
    await api('/v1/events', {
      method: 'POST',
      json: {
        events: [{ eventId: 'd', leadId: lead, type: 'download', occurredAt: new Date().toISOString() }],
      },
    });
    const scored = await until(async () => {
      const items = await itemsUnder('leads', `LEAD#${lead}`);
      return items.some((i) => i.entity === 'history') ? items.find((i) => i.entity === 'score') : undefined;
    });
    const at = new Date(Date.now() + 90 * 86_400_000).toISOString();

    // Act
    const { stdout } = await leadscore('decay', '--at', at);

    // Assess: its score was due and counted, and is as it was; no history was added.
    expect(stdout).toMatch(
      /^decay as of \S+: preview: \d+ due score\(s\) visited, [1-9]\d* would be written, \d+ would change band; nothing written \(--commit to write\)$/m,
    );
    const after = await itemsUnder('leads', `LEAD#${lead}`);
    expect(after.find((i) => i.entity === 'score')).toEqual(scored);
    expect(after.filter((i) => i.entity === 'history')).toHaveLength(1);
  });

  it('rescore --dry-run reports band changes for a proposed model and writes nothing', async () => {
    const lead = uniqueId('rescore');
    await api('/v1/events', {
      method: 'POST',
      json: {
        events: [
          { eventId: 'r1', leadId: lead, type: 'webinar_attended', occurredAt: new Date().toISOString() },
        ],
      },
    });
    const stored = await until(async () =>
      (await itemsUnder('leads', `LEAD#${lead}`)).find((i) => i.entity === 'score'),
    );
    expect(stored.band).toBe('cold');
    // The same model with warm starting at 10: this lead (about 12 points) would go up.
    const proposed = join(mkdtempSync(join(tmpdir(), 'leadscore-model-')), 'warmer.yaml');
    writeFileSync(
      proposed,
      readFileSync('models/default.yaml', 'utf8')
        .replace('version: 1', 'version: 2')
        .replace('min: 25', 'min: 10'),
    );

    const { stdout } = await leadscore('rescore', '--model', proposed, '--dry-run');
    const report =
      /^dry run: model "default" v2: (\d+) leads replayed; (\d+) would change band \((\d+) up, (\d+) down\)/m.exec(
        stdout,
      );
    expect(report).not.toBeNull();
    expect(Number(report![3])).toBeGreaterThanOrEqual(1);
    expect(stdout).toContain('cold -> warm');
    const after = (await itemsUnder('leads', `LEAD#${lead}`)).find((i) => i.entity === 'score')!;
    expect(after.rev).toBe(stored.rev);

    // A real run needs the model in force; with it, every lead is rebuilt from its ledger and written.
    await expect(leadscore('rescore', '--model', proposed)).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining('is not the one in force'),
    });
    const real = await leadscore('rescore', '--model', 'models/default.yaml');
    // Other test files share this runtime (one sweeps decay 60 days ahead), so only the format is fixed here.
    expect(real.stdout).toMatch(
      /^model "default" v1: \d+ leads replayed; \d+ changed band \(\d+ up, \d+ down\).*; \d+ written$/m,
    );
    const rebuilt = (await itemsUnder('leads', `LEAD#${lead}`)).find((i) => i.entity === 'score')!;
    expect(rebuilt).toMatchObject({ band: 'cold', score: stored.score, cause: { kind: 'rescore' } });
  });

  it('the API dry run validates the proposed model and reports without writing', async () => {
    const model = parseYaml(readFileSync('models/default.yaml', 'utf8').replace('min: 25', 'min: 10'));
    const ok = await api('/v1/models/dry-run', { method: 'POST', json: { model } });
    expect(ok.status).toBe(202);
    const job = await until(async () => {
      const j = (await (await api(ok.headers.get('location')!)).json()) as { status: string };
      return j.status === 'succeeded' ? j : undefined;
    });
    expect(job).toMatchObject({ result: { model: 'default', dryRun: true, written: 0 } });
    const bad = await api('/v1/models/dry-run', {
      method: 'POST',
      json: { model: { ...model, horizon: 'forever' } },
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { errors: { path: string }[] }).errors[0]!.path).toBe('model.horizon');
  });

  it('reindex has the search terms of profiles that have none rebuilt', async () => {
    // Prepare: a scored lead with a profile, found by search; then its terms and their list moved to the leads
    // table, as on a stage deployed before the search table (or missing, as before the search index).
    const lead = uniqueId('reindex');
    const word = `yarrow${Date.now().toString(36)}`;
    await api('/v1/events', {
      method: 'POST',
      json: {
        events: [{ eventId: 'x1', leadId: lead, type: 'download', occurredAt: new Date().toISOString() }],
      },
    });
    await api(`/v1/leads/${lead}/attributes`, {
      method: 'PUT',
      json: { attributes: { company: `${word} Ltd` } },
    });
    const found = async () =>
      ((await (await api(`/v1/leads?q=${word}`)).json()) as { leads: { leadId: string }[] }).leads.map(
        (l) => l.leadId,
      );
    await until(async () => ((await found()).includes(lead) ? true : undefined));
    const indexed = async () =>
      (await itemsMentioning('search', lead)).filter((i) => String(i.entity).startsWith('searchTerm'));
    const terms = await indexed();
    expect(terms.map((t) => `${t.entity} ${t.sk}`).sort()).toEqual(
      [
        `searchTerm ${lead}#${lead}`,
        `searchTerm ${word}#${lead}`,
        `searchTerm ltd#${lead}`,
        'searchTerms TERMS',
      ].sort(),
    );
    await batchWrite(
      db,
      runtime.tables.search,
      terms.map((t) => ({ DeleteRequest: { Key: { pk: String(t.pk), sk: String(t.sk) } } })),
    );
    await batchWrite(
      db,
      runtime.tables.leads,
      terms.map((Item) => ({ PutRequest: { Item } })),
    );
    expect(await found()).toEqual([]);

    // Act
    const { stdout } = await leadscore('reindex');

    // Assess: every profile marked; follow-profiles rebuilds the terms from the stream.
    expect(stdout).toMatch(
      /^reindex \(http:\S+\): [1-9]\d* profiles marked for follow-profiles; [1-9]\d* search items removed from the leads table$/m,
    );
    await until(async () => ((await found()).includes(lead) ? true : undefined));
    expect((await indexed()).length).toBe(terms.length);
    expect(
      (await itemsMentioning('leads', lead)).filter((i) => String(i.entity).startsWith('searchTerm')),
    ).toEqual([]);
  });

  it('apikey create makes a key the API accepts', async () => {
    const { stdout } = await leadscore('apikey', 'create', '--name', 'test');
    const key = stdout.trim();
    expect(key).toMatch(/^lsk_/);
    const response = await api('/v1/events', {
      method: 'POST',
      key,
      json: {
        events: [
          { eventId: 'k', leadId: uniqueId('l'), type: 'page_view', occurredAt: '2026-11-20T10:00:00Z' },
        ],
      },
    });
    expect(response.status).toBe(200);
  });
});

describe('leadscore against a deployed stack (--stage)', () => {
  // No AWS here: the SDK's service endpoints are pointed at stand-ins (DynamoDB Local, a fake Lambda API), the
  // way AWS_ENDPOINT_URL_<SERVICE> points them anywhere; what is tested is which resources the commands use.
  const aws = { AWS_REGION: 'local', AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local' };

  it("decay --stage invokes that stage's decay-sweep function and reports its answer", async () => {
    const calls: { path: string; body: unknown }[] = [];
    const lambda = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => {
        body += c.toString();
      });
      req.on('end', () => {
        calls.push({ path: req.url ?? '', body: JSON.parse(body) });
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ at: '2030-01-01T00:00:00.000Z', complete: true, visited: 7, written: 5 }));
      });
    });
    await new Promise<void>((done) => lambda.listen(0, '127.0.0.1', done));
    try {
      const port = (lambda.address() as { port: number }).port;
      const { stdout } = await run(
        process.execPath,
        ['bin/leadscore.js', 'decay', '--stage', 'prod', '--at', '2030-01-01T00:00:00Z', '--commit'],
        { env: { ...process.env, ...aws, AWS_ENDPOINT_URL_LAMBDA: `http://127.0.0.1:${port}` } },
      );
      expect(calls).toEqual([
        {
          path: '/2015-03-31/functions/leadscore-prod-decay-sweep/invocations',
          body: { at: '2030-01-01T00:00:00.000Z' },
        },
      ]);
      expect(stdout).toMatch(
        /^decay as of 2030-01-01T00:00:00.000Z on stage prod: 7 due score\(s\) visited, 5 written$/m,
      );
    } finally {
      lambda.close();
    }
  });

  it("rescore --stage --dry-run replays the ledger in that stage's tables", async () => {
    const stage = `e2e${process.pid}`;
    const tables = tableNames(stage);
    await ensureTables(runtime.dynamodbEndpoint, namedTables(tables));
    const ledger = new Ledger(documentClient(runtime.dynamodbEndpoint), tables, 400);
    for (const id of ['a', 'b', 'c'])
      await ledger.record(
        { kind: 'lead', id: `staged-${id}` },
        {
          eventId: `e-${id}`,
          leadId: `staged-${id}`,
          type: 'demo_request',
          occurredAt: new Date().toISOString(),
        },
        'api',
        Date.now(),
      );
    const { stdout } = await run(
      process.execPath,
      ['bin/leadscore.js', 'rescore', '--stage', stage, '--model', 'models/default.yaml', '--dry-run'],
      { env: { ...process.env, ...aws, AWS_ENDPOINT_URL_DYNAMODB: runtime.dynamodbEndpoint } },
    );
    expect(stdout).toMatch(/^dry run: model "default" v\d+: 3 leads replayed; /m);
  });
});

describe('backtesting and training from the command line', () => {
  const dir = mkdtempSync(join(tmpdir(), 'leadscore-eval-'));
  const cli = (...args: string[]) => run(process.execPath, ['bin/leadscore.js', ...args]);

  it('synth, train, evaluate --compare --publish: a report to read, and the evaluation over the API', async () => {
    const data = join(dir, 'data.ndjson');
    await cli('synth', '--out', data, '--leads', '1500', '--seed', '4');
    const trained = await cli('train', '--data', data, '--out', join(dir, 'learned.yaml'), '--seed', '2');
    expect(trained.stdout).toMatch(
      /^trained "scorecard" on \d+ leads \(held out \d+, stratified, seed 2\): AUC 0\.\d+ on training, 0\.\d+ held out$/m,
    );
    expect(trained.stdout).toMatch(/^ {2}score = [\d.-]+ \+ sum of points; every 20 points double the odds/m);
    expect(trained.stderr).toMatch(/fitting: iteration 1/);

    const out = join(dir, 'report');
    const { stdout, stderr } = await cli(
      'evaluate',
      '--model',
      'models/default.yaml',
      '--compare',
      join(dir, 'learned.yaml'),
      '--data',
      data,
      '--out',
      out,
      '--publish',
      '--data-dir',
      runtime.dataDir,
    );
    expect(stdout).toMatch(
      /^default v1: 1500 leads with an outcome, [\d.]+% converted; AUC 0\.\d{3}; top decile/m,
    );
    expect(stdout).toMatch(/^scorecard v1: 1500 leads with an outcome/m);
    const figures = JSON.parse(readFileSync(`${out}.json`, 'utf8')) as { model: string; auc: number }[];
    const html = readFileSync(`${out}.html`, 'utf8');
    expect(html).toContain('<svg');
    // The learned model is evaluated on the leads it learned from: both outputs say so.
    expect(stderr).toMatch(/^WARNING: scorecard: in-sample: \d+ of these 1500 leads trained the model/m);
    expect(html).toMatch(/class="warn"><b>Careful \(scorecard\):<\/b> in-sample/);
    expect(html).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org)/);

    const published = (await (await api('/v1/models/default/evaluation')).json()) as {
      evaluation: { auc: number; deciles: unknown[] };
    };
    expect(published.evaluation.auc).toBe(figures.find((f) => f.model === 'default')!.auc);
    expect(published.evaluation.deciles).toHaveLength(10);
    expect((await api('/v1/models/never-evaluated/evaluation')).status).toBe(404);
  });

  it('import --load puts a CRM export into the running runtime, where its leads are scored', async () => {
    const lead = uniqueId('imported');
    writeFileSync(
      join(dir, 'export.csv'),
      `Lead Id,Status,Job Title,Visits,Last Action\n${lead},Won,VP Marketing,4,Demo Requested\nbroken-row\n`,
    );
    writeFileSync(
      join(dir, 'mapping.yaml'),
      [
        'leadId: Lead Id',
        'outcome: { column: Status, converted: [Won], lost: [Lost] }',
        'attributes: { title: Job Title }',
        'activities:',
        '  - { column: Visits, type: page_view }',
        "  - { column: Last Action, values: { 'Demo Requested': demo_request } }",
      ].join('\n'),
    );
    // Half the rows skipped is far more than the 1 % allowed: the readable lead is loaded, and the exit says so.
    const load = () =>
      cli(
        'import',
        '--data',
        join(dir, 'export.csv'),
        '--mapping',
        join(dir, 'mapping.yaml'),
        '--load',
        '--data-dir',
        runtime.dataDir,
      ).then(
        () => ({ code: 0, stdout: '', stderr: '' }),
        (error: { code: number; stdout: string; stderr: string }) => error,
      );
    const { code, stdout, stderr } = await load();
    expect(code).toBe(1);
    expect(stdout).toMatch(/^1 leads from 2 rows \(utf-8\); 1 rows skipped, 0 fields dropped; loaded into /m);
    expect(stderr).toMatch(/export\.csv:3: 1 fields where the header has 5/);
    expect(stderr).toMatch(/1 of 2 rows skipped, more than 1 %/);
    const scored = await until(async () => {
      const body = (await (await api(`/v1/leads/${lead}`)).json()) as {
        scores?: { score: number }[];
        outcomes?: unknown[];
      };
      return body.scores?.length ? body : undefined;
    });
    expect(scored.scores![0]!.score).toBeGreaterThan(0);
    expect(scored.outcomes).toHaveLength(1);

    // Importing the same file again adds nothing: activities and outcomes are keyed by their ids.
    await load();
    const items = async (table: 'activities' | 'leads') =>
      (await itemsUnder(table, `LEAD#${lead}`)).filter(
        (i) => !['history', 'score'].includes(String(i.entity)),
      );
    expect((await items('leads')).map((i) => i.entity).sort()).toEqual(['outcome', 'profile']);
    expect(await items('activities')).toHaveLength(5);
  });
});

describe('leadscore seed', () => {
  it('fills the running runtime with demo traffic that gets scored and ranked', async () => {
    const { stdout } = await run(process.execPath, [
      'bin/leadscore.js',
      'seed',
      '--leads',
      '30',
      '--seed',
      '77',
      '--data-dir',
      runtime.dataDir,
    ]);
    const [, leads, activities] = /^(\d+) leads and (\d+) activities written to /m.exec(stdout)!;
    expect(Number(leads)).toBe(30);
    expect(Number(activities)).toBeGreaterThan(30);
    // The same seed gives the same leads: one that did something is scored on the streams.
    const active = [
      ...syntheticLeads({ seed: 77, leads: 30, start: Date.now() - 30 * 86_400_000, days: 30 }),
    ].find((l) => l.activities.length > 0 && !l.isBot)!.profile.leadId;
    const scored = await until(async () => {
      const body = (await (await api(`/v1/leads/${active}`)).json()) as { scores?: { score: number }[] };
      return body.scores?.length ? body : undefined;
    });
    expect(scored.scores![0]!.score).toBeTypeOf('number');
  });
});
