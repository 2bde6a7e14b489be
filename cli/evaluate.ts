import { writeFileSync } from 'node:fs';
import { lastActivityTime } from '../shared/evaluation/dataset.ts';
import { type Evaluation, EvaluationError, evaluate, forPublishing } from '../shared/evaluation/evaluate.ts';
import { renderReport } from '../shared/evaluation/report.ts';
import { loadModels } from '../shared/models.ts';
import { EvaluationStore } from '../shared/store/evaluations.ts';
import { parse, parseAt } from './args.ts';
import { datasetFile, progress } from './dataset.ts';
import { type Command, InputError, UsageError } from './main.ts';
import { targetOf } from './target.ts';
import { printVerdicts } from './verdicts.ts';

export const runEvaluate: Command = {
  summary: 'Backtest a model against real outcomes: AUC, lift by decile, bands, thresholds, an HTML report',
  usage: `Usage: leadscore evaluate --model <file> --data <file.ndjson> [--compare <file>] [--held-out] [--at <ISO time>] [--out <name>]

  --model    the model to evaluate
  --data     leads with their activities and outcomes, one JSON object a line:
             {"leadId", "attributes", "activities": [...], "outcome": "converted" | "won" | "lost" | null}
  --compare  a second model, side by side on the same leads
  --held-out count only the leads a trained model was not trained on (by the split it records); without it,
             the report says how many of the leads trained the model
  --at       score every lead as of this time, seeing only activities up to it (default: just after the
             dataset's last activity); set it to when sales took the leads over, to backtest honestly
  --out      write <name>.html (the report) and <name>.json (default: evaluation)
  --publish  also keep the evaluation where GET /v1/models/{id}/evaluation (and the dashboard) finds it: in the
             running local runtime (--data-dir), or in a deployed stack's table with --stage <stage>

Prints verdicts, then a compact summary. Leads without an outcome are scored but not counted. Exits 1 when a
verdict fails a model (inverted, probable leakage), or more than 1 % of the lines cannot be read.
docs/evaluation.md explains the report.`,
  async run(args) {
    const { values } = parse(args, {
      model: { type: 'string' },
      data: { type: 'string' },
      compare: { type: 'string' },
      'held-out': { type: 'boolean' },
      at: { type: 'string' },
      out: { type: 'string' },
      publish: { type: 'boolean' },
      'data-dir': { type: 'string' },
      stage: { type: 'string' },
      region: { type: 'string' },
    });
    if (!values.model || !values.data) throw new UsageError('--model and --data are required');
    const models = [values.model, ...(values.compare ? [values.compare] : [])].map((file) => {
      try {
        return loadModels(file)[0]!;
      } catch (error) {
        throw new InputError((error as Error).message);
      }
    });
    const leads = datasetFile(values.data);
    const at = values.at === undefined ? await lastActivityTime(leads, Date.now()) : parseAt(values.at);
    const evaluations: Evaluation[] = [];
    for (const model of models) {
      try {
        evaluations.push(
          await evaluate(model, leads(), at, {
            progress: progress(`${model.id}: scored`, 100_000),
            heldOut: values['held-out'] === true,
          }),
        );
      } catch (error) {
        if (error instanceof EvaluationError) throw new InputError(error.message);
        throw error;
      }
    }
    const out = values.out ?? 'evaluation';
    writeFileSync(
      `${out}.json`,
      `${JSON.stringify(evaluations.length === 1 ? evaluations[0] : evaluations, null, 2)}\n`,
    );
    writeFileSync(`${out}.html`, renderReport(evaluations));
    let failed = false;
    for (const e of evaluations) {
      if (printVerdicts(e.verdicts, evaluations.length > 1 ? `${e.model}: ` : '')) failed = true;
      console.log(
        `${e.model} v${e.version}: ${e.withOutcome} ${e.sample === 'held-out' ? 'held-out ' : ''}leads with an outcome, ${(e.conversionRate * 100).toFixed(1)}% converted; ` +
          `AUC ${e.auc === undefined ? 'n/a (needs both outcomes)' : e.auc.toFixed(3)}; ` +
          `top decile ${((e.deciles[0]?.conversionRate ?? 0) * 100).toFixed(1)}% (lift ${(e.deciles[0]?.lift ?? 0).toFixed(2)}x)`,
      );
      console.log(
        `  by band: ${e.bands.map((b) => `${b.group} ${(b.conversionRate * 100).toFixed(1)}% of ${b.leads}`).join(', ')}`,
      );
    }
    console.log(`report: ${out}.html, figures: ${out}.json`);
    if (values.publish) {
      const target = targetOf({ dataDir: values['data-dir'], stage: values.stage, region: values.region });
      const store = new EvaluationStore(target.client, target.tables);
      for (const e of evaluations) await store.publish(e.model, forPublishing(e), Date.now());
      target.client.destroy();
      console.log(
        `published to ${target.where}: GET /v1/models/${evaluations.map((e) => e.model).join(', ')}/evaluation`,
      );
    }
    return failed ? 1 : 0;
  },
};
