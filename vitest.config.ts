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
        // At scale (the dashboard's dry run over 100,000 leads): a local runtime of its own, in its own process,
        // and a group of its own (never run alongside another project's tests), so its ledger and its load reach
        // no other test. About two and a half minutes.
        test: {
          name: 'scale',
          include: ['test/scale/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['test/setup/runtime-process.ts'],
          sequence: { groupOrder: 1 },
          env: { POWERTOOLS_LOG_LEVEL: 'SILENT' },
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
