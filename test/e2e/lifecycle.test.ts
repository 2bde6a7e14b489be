import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const dataDir = mkdtempSync(join(tmpdir(), 'leadscore-lifecycle-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

/** Starts `node local/main.ts` (what `npm start` runs) and waits for its banner. */
async function start(): Promise<{ child: ChildProcess; url: string; key: string; output: () => string }> {
  const child = spawn(process.execPath, ['local/main.ts', '--port', '0', '--data-dir', dataDir], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => {
    output += d.toString();
  });
  child.stderr!.on('data', (d: Buffer) => {
    output += d.toString();
  });
  const deadline = Date.now() + 45_000;
  while (!/API key\s+(\S+)/.test(output)) {
    if (child.exitCode !== null || Date.now() > deadline)
      throw new Error(`npm start did not come up:\n${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    child,
    url: /API\s+(http:\/\/\S+)\/v1/.exec(output)![1]!,
    key: /API key\s+(\S+)/.exec(output)![1]!,
    output: () => output,
  };
}

async function stop(child: ChildProcess): Promise<number | null> {
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  child.kill('SIGINT');
  return exited;
}

function javaProcessesFor(dir: string): string[] {
  // The java process itself, not the shell that watches over it.
  const ps = execFileSync('ps', ['-eo', 'comm=,args='], { encoding: 'utf8' });
  return ps
    .split('\n')
    .filter((line) => line.startsWith('java ') && line.includes('DynamoDBLocal') && line.includes(dir));
}

describe('the local runtime', () => {
  it('stops cleanly on Ctrl-C and finds its data and key again on the next start', async () => {
    // Prepare: a first run records an activity.
    const first = await start();
    const hit = await fetch(`${first.url}/p.gif?a=v-kept&id=kept-1`, {
      headers: { 'user-agent': 'Mozilla/5.0 Firefox/130' },
    });
    expect(hit.status).toBe(200);
    expect(javaProcessesFor(dataDir)).toHaveLength(1);

    // Act: Ctrl-C, then start again on the same data.
    expect(await stop(first.child)).toBe(0);
    expect(javaProcessesFor(dataDir)).toEqual([]);
    const second = await start();

    // Assess: the same key works, and the visitor's activity is still there (identify moves exactly it).
    expect(second.key).toBe(first.key);
    expect(second.output()).not.toContain('(new');
    const identify = await fetch(`${second.url}/v1/identify`, {
      method: 'POST',
      headers: { authorization: `Bearer ${second.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ anonymousId: 'v-kept', leadId: 'lead-kept' }),
    });
    expect(await identify.json()).toMatchObject({ movedActivities: 1 });
    expect(await stop(second.child)).toBe(0);
    expect(javaProcessesFor(dataDir)).toEqual([]);
  });
});
