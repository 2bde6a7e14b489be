/** npm run bench -- <suite>: runs one benchmark suite; human-readable lines, then one JSON line of figures. */

// The runtime's CloudWatch metric lines would drown the figures.
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
const suites: Record<string, () => Promise<unknown>> = {
  engine: () => import('./engine.ts').then((m) => m.run()),
  ingest: () => import('./ingest.ts').then((m) => m.run()),
  pipeline: () => import('./pipeline.ts').then((m) => m.run()),
  decay: () => import('./decay.ts').then((m) => m.run()),
  coldstart: () => import('./coldstart.ts').then((m) => m.run()),
  evaluate: () => import('./evaluate.ts').then((m) => m.run()),
  dashboard: () => import('./dashboard.ts').then((m) => m.run()),
  cost: () => import('./cost.ts').then((m) => m.run()),
  batching: () => import('./batching.ts').then((m) => m.run()),
};

const name = process.argv[2];
const suite = name === undefined ? undefined : suites[name];
if (!suite) {
  console.error(`usage: npm run bench -- <suite>\nsuites: ${Object.keys(suites).join(', ')}`);
  process.exit(2);
}
await suite();
