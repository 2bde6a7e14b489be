import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import type { RuntimeInfo } from './runtime.ts';

/**
 * A local runtime in a process of its own (test/setup/runtime-child.ts), for a project whose load and data must
 * reach no other: handlers read their configuration once per process, so two runtimes cannot share one.
 */
export default async function setup(project: TestProject) {
  const dataDir = mkdtempSync(join(tmpdir(), 'leadscore-scale-'));
  const child: ChildProcess = spawn(process.execPath, ['test/setup/runtime-child.ts', dataDir], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, POWERTOOLS_METRICS_DISABLED: 'true', POWERTOOLS_LOG_LEVEL: 'ERROR' },
  });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => {
    output += d.toString();
  });
  const info = await new Promise<RuntimeInfo>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the runtime process exited (${code}): ${output}`)));
    const poll = setInterval(() => {
      const line = output.split('\n').find((l) => l.startsWith('{'));
      if (!line) return;
      clearInterval(poll);
      resolve(JSON.parse(line) as RuntimeInfo);
    }, 100);
  });
  project.provide('runtime', info);
  return async () => {
    const exited = new Promise((done) => child.once('exit', done));
    child.kill('SIGTERM');
    await exited;
    rmSync(dataDir, { recursive: true, force: true });
  };
}
