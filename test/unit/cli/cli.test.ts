import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
async function leadscore(...args: string[]) {
  try {
    const { stdout, stderr } = await run(process.execPath, ['bin/leadscore.js', ...args]);
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const dir = mkdtempSync(join(tmpdir(), 'leadscore-cli-'));

describe('leadscore validate', () => {
  it('exits 0 with a one-line summary for the default model', async () => {
    const { code, stdout } = await leadscore('validate', 'models/default.yaml');
    expect(code).toBe(0);
    expect(stdout.trim().split('\n')).toHaveLength(1);
    expect(stdout).toContain('model "default" v1');
  });

  it('exits 1 naming each problem of a broken model', async () => {
    const file = join(dir, 'broken.yaml');
    writeFileSync(
      file,
      'model: m\nversion: 1\nname: m\ngroups: [{ id: g }]\nrules: [{ id: r, group: x, points: 1, when: { type: a } }]\nbands: { levels: [{ id: cold, min: 1 }] }\n',
    );
    const { code, stderr } = await leadscore('validate', file);
    expect(code).toBe(1);
    expect(stderr).toContain('2 problems');
    expect(stderr).toContain('rules[0].group: unknown group "x"');
    expect(stderr).toContain('bands.levels[0].min');
  });

  it('exits 1 for a missing file and 2 for a missing argument', async () => {
    expect((await leadscore('validate', join(dir, 'nope.yaml'))).code).toBe(1);
    expect((await leadscore('validate')).code).toBe(2);
  });
});

describe('leadscore score', () => {
  it('prints one line per lead, highest score first, skipping bad lines', async () => {
    const events = join(dir, 'events.ndjson');
    writeFileSync(
      events,
      [
        {
          eventId: 'a1',
          leadId: 'ana',
          type: 'form_submit',
          occurredAt: '2026-11-20T10:00:00Z',
          properties: { form: 'demo' },
        },
        {
          eventId: 'a1',
          leadId: 'ana',
          type: 'form_submit',
          occurredAt: '2026-11-20T10:00:00Z',
          properties: { form: 'demo' },
        },
        { eventId: 'b1', leadId: 'bob', type: 'webinar_registered', occurredAt: '2026-11-20T10:00:00Z' },
      ]
        .map((e) => JSON.stringify(e))
        .concat(['{ not json'])
        .join('\n'),
    );
    const { code, stdout, stderr } = await leadscore(
      'score',
      '--model',
      'models/events-rolling.yaml',
      '--events',
      events,
      '--at',
      '2026-11-21T00:00:00Z',
    );
    expect(code).toBe(0);
    const lines = stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    // events-rolling: ana's demo form scores nothing there; bob's registration is 5 points.
    expect(lines.map((l) => [l.leadId, l.score, l.band])).toEqual([
      ['bob', 5, 'cold'],
      ['ana', 0, 'cold'],
    ]);
    expect(stderr).toContain('line 4: not valid JSON');
  });

  // Six Node processes, one after another: allow for a busy machine.
  it('answers --help for every command', async () => {
    for (const command of ['validate', 'score', 'token', 'apikey', 'decay', 'rescore', 'reindex']) {
      const { code, stdout } = await leadscore(command, '--help');
      expect(code).toBe(0);
      expect(stdout).toContain(`leadscore ${command}`);
    }
  }, 60_000);
});

describe('leadscore token for a deployed stage', () => {
  it("signs with the stage's secret and points at its PixelUrl and RedirectUrl, hosts of their own", async () => {
    // Prepare: the outputs of a stack whose pixel is served from function URLs
    const pixel = 'https://px1.lambda-url.eu-west-1.on.aws/p.gif';
    const redirect = 'https://rd2.lambda-url.eu-west-1.on.aws/r';

    // Act
    const { code, stdout } = await new Promise<{ code: number; stdout: string }>((done) =>
      execFile(
        process.execPath,
        [
          'bin/leadscore.js',
          'token',
          '--lead',
          'ana',
          '--link',
          'https://acme.example/pricing',
          '--pixel-url',
          pixel,
          '--redirect-url',
          redirect,
        ],
        { env: { ...process.env, LEADSCORE_SIGNING_SECRET: 's'.repeat(43) } },
        (error, out) => done({ code: error ? 1 : 0, stdout: out }),
      ),
    );

    // Assert
    expect(code).toBe(0);
    expect(stdout).toMatch(new RegExp(`^pixel  ${pixel}\\?t=`, 'm'));
    expect(stdout).toMatch(new RegExp(`^link   ${redirect}\\?u=https`, 'm'));
  }, 30_000);
});

describe('leadscore import, evaluate and train on bad input', { timeout: 60_000 }, () => {
  it('says in one line where a mapping or a file is wrong, and exits 1', async () => {
    const mapping = join(dir, 'bad-mapping.yaml');
    writeFileSync(mapping, 'outcome: { column: y, converted: [yes], lost: [no]\nattributes:\n  age: age\n');
    const csv = join(dir, 'leads.csv');
    writeFileSync(csv, 'age,y\n30,yes\n');
    const yaml = await leadscore(
      'import',
      '--data',
      csv,
      '--mapping',
      mapping,
      '--out',
      join(dir, 'x.ndjson'),
    );
    expect(yaml.code).toBe(1);
    expect(yaml.stderr.trim().split('\n')).toHaveLength(1);
    expect(yaml.stderr).toMatch(/bad-mapping\.yaml:2:1: /);
    const missing = await leadscore(
      'import',
      '--data',
      join(dir, 'nope.csv'),
      '--mapping',
      'examples/bank-marketing/mapping.yaml',
      '--out',
      join(dir, 'x.ndjson'),
    );
    expect(missing).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/^leadscore import: .*nope\.csv: no such file\n$/),
    });
  });

  it('refuses a dataset with more than 1 % unreadable lines rather than report on the few left', async () => {
    const data = join(dir, 'mostly-bad.ndjson');
    const good = (i: number) =>
      JSON.stringify({ leadId: `p-${i}`, activities: [], outcome: i % 2 ? 'converted' : 'lost' });
    const bad = (i: number) =>
      JSON.stringify({
        leadId: `q-${i}`,
        activities: [{ eventId: 'has space', type: 'page_view', occurredAt: '2026-01-01T00:00:00Z' }],
      });
    writeFileSync(
      data,
      [...Array.from({ length: 5 }, (_, i) => good(i)), ...Array.from({ length: 95 }, (_, i) => bad(i))].join(
        '\n',
      ),
    );
    const result = await leadscore(
      'evaluate',
      '--model',
      'models/default.yaml',
      '--data',
      data,
      '--out',
      join(dir, 'report'),
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/95 of 100 lines skipped, more than 1 %/);
  });
});
