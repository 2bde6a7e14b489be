import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts', 'test/infra/**/*.test.ts'],
          environment: 'node',
        },
      },
      {
        // Against the real thing: one local runtime (DynamoDB Local on Java, the handlers over HTTP) per run.
        test: {
          name: 'e2e',
          include: ['test/integration/**/*.test.ts', 'test/e2e/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['test/setup/runtime.ts'],
          // Handlers log every rejection and injected fault; the tests assert them through counters instead.
          env: { POWERTOOLS_LOG_LEVEL: 'SILENT' },
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        // What AWS runs: the synthesised bundles in fresh processes, against DynamoDB Local and AWS stand-ins.
        test: {
          name: 'artifacts',
          include: ['test/artifacts/**/*.test.ts'],
          environment: 'node',
          testTimeout: 300_000,
          hookTimeout: 600_000,
        },
      },
    ],
  },
});
