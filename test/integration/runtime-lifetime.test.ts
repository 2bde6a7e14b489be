import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { until } from '../helpers/runtime.ts';

// Whole runtimes of their own (`npm start`'s entry point), each in its own process, on one data directory.
const dataDir = mkdtempSync(join(tmpdir(), 'leadscore-lifetime-'));
const children: ChildProcess[] = [];
afterAll(() => {
  for (const child of children) child.kill('SIGKILL');
  // A Java a failed test left behind, found by its data directory.
  for (const line of javaOnDataDir()) process.kill(Number(line.trim().split(/\s+/)[0]), 'SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

/** `group`: in a process group of its own, as a terminal runs a command (a Ctrl-C there goes to the whole group). */
function start(group = false): { child: ChildProcess; output: () => string; exit: Promise<number | null> } {
  const child = spawn(process.execPath, ['local/main.ts', '--port', '0', '--data-dir', dataDir], {
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: group,
  });
  children.push(child);
  let output = '';
  child.stdout!.on('data', (d) => {
    output += d;
  });
  child.stderr!.on('data', (d) => {
    output += d;
  });
  const exit = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  return { child, output: () => output, exit };
}

/** Java processes serving this data directory, from the process table: "<pid> java <args>". */
function javaOnDataDir(): string[] {
  return execFileSync('ps', ['-eo', 'pid=,comm=,args='], { encoding: 'utf8' })
    .split('\n')
    .filter((line) => line.trim().split(/\s+/)[1] === 'java' && line.includes(join(dataDir, 'dynamodb')));
}

describe('the local runtime and its DynamoDB Local', () => {
  it('refuses a second runtime on the same data directory, and never leaves Java behind, even after SIGKILL', async () => {
    // Prepare: a runtime, up.
    const first = start();
    await until(() => (first.output().includes('Leadscore is running') ? true : undefined), 90_000);
    expect(javaOnDataDir()).toHaveLength(1);

    // Act: a second runtime on the same directory.
    const second = start();
    const code = await second.exit;

    // Assess: refused, saying who holds it; the first is untouched.
    expect(code).not.toBe(0);
    expect(second.output()).toContain(`another Leadscore runtime (pid ${first.child.pid})`);
    expect(javaOnDataDir()).toHaveLength(1);

    // Act: the first is killed outright, with no chance to clean up.
    first.child.kill('SIGKILL');
    await first.exit;

    // Assess: its Java goes with it, and the directory can be used again.
    await until(() => (javaOnDataDir().length === 0 ? true : undefined), 30_000);
    const third = start();
    await until(() => (third.output().includes('Leadscore is running') ? true : undefined), 90_000);
    third.child.kill('SIGTERM');
    expect(await third.exit).toBe(0);
    expect(javaOnDataDir()).toEqual([]);
  });

  it('stops Java on a Ctrl-C, which a terminal sends to every process of the command', async () => {
    const runtime = start(true);
    await until(() => (runtime.output().includes('Leadscore is running') ? true : undefined), 90_000);
    expect(javaOnDataDir()).toHaveLength(1);

    process.kill(-runtime.child.pid!, 'SIGINT');

    expect(await runtime.exit).toBe(0);
    await until(() => (javaOnDataDir().length === 0 ? true : undefined), 30_000);
  });
});
