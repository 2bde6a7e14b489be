import { loadModels } from '../shared/models.ts';
import { rescoreLeads } from '../shared/scoring/rescore.ts';
import { Ledger } from '../shared/store/ledger.ts';
import { ScoreStore } from '../shared/store/scores.ts';
import { parse, parseAt } from './args.ts';
import { type Command, InputError, UsageError } from './main.ts';
import { targetOf } from './target.ts';

export const runRescore: Command = {
  summary: 'Replay the ledger through a model: a dry run says how many leads would change band',
  usage: `Usage: leadscore rescore --model <file> [--dry-run] [--at <ISO time>] [--data-dir <dir>]
                         [--stage <stage> [--region <region>]]

  --model    the model to replay (validated first)
  --dry-run  write nothing; report how many leads would change band, in each direction
  --at       score as of this time (default: now)
  --stage    act on the deployed stack of this stage (its tables, with your AWS credentials)
             instead of the local runtime of this checkout

A real run rewrites every lead's score under the model, which must be the one in force, so the
running handlers agree: locally, restart "npm start -- --models <file>" with it first; for a
stage, list it in cdk.json's "models" (the deployment's configuration) and deploy it first.
Progress goes to stderr.`,
  async run(args) {
    const { values } = parse(args, {
      model: { type: 'string' },
      'dry-run': { type: 'boolean' },
      at: { type: 'string' },
      'data-dir': { type: 'string' },
      stage: { type: 'string' },
      region: { type: 'string' },
    });
    if (!values.model) throw new UsageError('--model is required');
    const now = parseAt(values.at);
    const [model] = (() => {
      try {
        return loadModels(values.model);
      } catch (error) {
        throw new InputError((error as Error).message);
      }
    })();
    const dryRun = values['dry-run'] === true;
    const target = targetOf({ dataDir: values['data-dir'], stage: values.stage, region: values.region });
    if (!dryRun) {
      const inForce = loadModels(target.models()).find((m) => m.id === model!.id);
      if (inForce?.fingerprint !== model!.fingerprint) {
        throw new InputError(
          `model "${model!.id}" v${model!.version} in ${values.model} is not the one in force (${target.models()}); ${target.howToPutInForce(values.model)} first, or use --dry-run`,
        );
      }
    }
    const client = target.client;
    const ledger = new Ledger(client, target.tables, 400);
    const started = Date.now();
    const report = await rescoreLeads({
      model: model!,
      leadIds: ledger.leadIds(),
      ledger,
      scores: new ScoreStore(client, target.tables),
      dryRun,
      now,
      progress: (done) => {
        if (done % 250 === 0)
          process.stderr.write(
            `  ${done} leads replayed (${Math.round(done / ((Date.now() - started) / 1000 || 1))}/s)\n`,
          );
      },
    });
    client.destroy();
    const transitions = Object.entries(report.transitions)
      .map(([k, v]) => `${k}: ${v}`)
      .join(', ');
    console.log(
      `${dryRun ? 'dry run: ' : ''}model "${report.model}" v${report.version}: ${report.leads} leads replayed; ${report.bandChanges} ${dryRun ? 'would change' : 'changed'} band (${report.up} up, ${report.down} down)${transitions ? `; ${transitions}` : ''}${dryRun ? '' : `; ${report.written} written`}`,
    );
    return 0;
  },
};
