import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { api, BROWSER_UA, itemsUnder, runtime, uniqueId } from '../helpers/runtime.ts';

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

  it('decay runs the sweep on the running runtime and reports what it did', async () => {
    const { stdout } = await leadscore('decay', '--at', '2020-01-01T00:00:00Z');
    expect(stdout).toMatch(
      /^decay as of 2020-01-01T00:00:00.000Z: \d+ due score\(s\) visited, \d+ written$/m,
    );
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
