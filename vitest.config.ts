import { defineConfig } from 'vitest/config';

// Timeouts are generous on purpose: CI is a busy two-core machine, and no test here measures speed (the
// benchmarks do). A test waits for what it needs by polling, never by a tight deadline.
export default defineConfig({
  test: {
    projects: [
      {
        // The pure parts: engine, model, evaluation, CLI parsing. No I/O beyond files, no bundling.
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          environment: 'node',
          testTimeout: 120_000,
        },
      },
      {
        // The CDK app: template tests synthesise the stack, which bundles every function with esbuild.
        test: {
          name: 'infra',
          include: ['test/infra/**/*.test.ts'],
          environment: 'node',
          testTimeout: 300_000,
          hookTimeout: 300_000,
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
          testTimeout: 300_000,
          hookTimeout: 600_000,
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
          testTimeout: 600_000,
          hookTimeout: 600_000,
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
