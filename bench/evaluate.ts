import { fromSynthetic } from '../shared/evaluation/dataset.ts';
import { evaluate } from '../shared/evaluation/evaluate.ts';
import { loadModels } from '../shared/models.ts';
import { syntheticLeads } from '../shared/synthetic/generator.ts';
import { fmt, record } from './report.ts';

const LEADS = Number(process.env.BENCH_LEADS ?? 1_000_000);
const DAY = 86_400_000;

/**
 * `leadscore evaluate` on LEADS synthetic leads with outcomes, streamed from the generator (never all in memory):
 * the full recompute of every lead with the default model, then every figure of the report. Generating the
 * leads is timed on its own in the same run and taken out, so the figure is the evaluation's.
 */
export async function run(): Promise<void> {
  const [model] = loadModels('models/default.yaml');
  const start = Date.parse('2026-08-01T00:00:00Z');
  const at = start + 90 * DAY;
  const leads = () => syntheticLeads({ seed: 12, leads: LEADS, start, days: 90 });

  let activities = 0;
  const generating = process.hrtime.bigint();
  for (const lead of leads()) activities += lead.activities.length;
  const generationSeconds = Number(process.hrtime.bigint() - generating) / 1e9;

  const evaluating = process.hrtime.bigint();
  const result = await evaluate(
    model!,
    (function* () {
      for (const lead of leads()) yield fromSynthetic(lead);
    })(),
    at,
    {
      progress: (n) => {
        if (n % 100_000 === 0) process.stderr.write(`  ${fmt(n)} leads\n`);
      },
    },
  );
  const totalSeconds = Number(process.hrtime.bigint() - evaluating) / 1e9;
  const evaluationSeconds = Math.max(0.001, totalSeconds - generationSeconds);
  const perSecond = LEADS / evaluationSeconds;
  console.log(
    `evaluate: ${fmt(LEADS)} synthetic leads, ${fmt(activities)} activities; AUC ${result.auc?.toFixed(3)}, top decile lift ${result.deciles[0]?.lift.toFixed(2)}x`,
  );
  console.log(
    `generating alone ${generationSeconds.toFixed(1)} s; generating and evaluating ${totalSeconds.toFixed(1)} s; ` +
      `evaluation ${fmt(perSecond)} leads/s (${fmt(activities / evaluationSeconds)} activities/s) on one core`,
  );
  // The whole process's peak resident memory (kB on Linux): the figure the 2 GB budget is about.
  const peakRssMiB = Math.round(process.resourceUsage().maxRSS / 1024);
  console.log(`peak resident memory ${fmt(peakRssMiB)} MiB`);
  record('evaluate', {
    leads: LEADS,
    activities,
    leadsPerSecond: Math.round(perSecond),
    activitiesPerSecond: Math.round(activities / evaluationSeconds),
    generationSeconds: Math.round(generationSeconds * 10) / 10,
    totalSeconds: Math.round(totalSeconds * 10) / 10,
    auc: result.auc,
    heapMiB: Math.round(process.memoryUsage().heapUsed / 2 ** 20),
    peakRssMiB,
  });
}
