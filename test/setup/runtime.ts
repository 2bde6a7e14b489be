import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import type { TableNames } from '../../shared/store/tables.ts';

export interface RuntimeInfo {
  url: string;
  apiKey: string;
  signingSecret: string;
  dynamodbEndpoint: string;
  tables: TableNames;
  dataDir: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    runtime: RuntimeInfo;
  }
}

/** Starts DynamoDB Local and the HTTP API once for every integration and end-to-end test file. */
export default async function setup(project: TestProject) {
  process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
  const { startRuntime } = await import('../../local/runtime.ts');
  const dataDir = mkdtempSync(join(tmpdir(), 'leadscore-test-'));
  const runtime = await startRuntime({
    port: 0,
    dataDir,
    inMemory: true,
    // Jobs and the sweep get 15 to 25 s of work per invocation, so the tests see them hand the rest on.
    asyncTimeoutMs: 45_000,
    log: (line) => line.startsWith('notify ') || console.error(line),
  });
  const { url, apiKey, signingSecret, dynamodbEndpoint, tables } = runtime;
  project.provide('runtime', { url, apiKey, signingSecret, dynamodbEndpoint, tables, dataDir });
  return async () => {
    await runtime.stop();
    rmSync(dataDir, { recursive: true, force: true });
  };
}
