import { loadModels } from '../shared/models.ts';
import { rescoreLeads } from '../shared/scoring/rescore.ts';
import { documentClient } from '../shared/store/dynamo.ts';
import { Ledger } from '../shared/store/ledger.ts';
import { ScoreStore } from '../shared/store/scores.ts';
import { parse, parseAt } from './args.ts';
import { localRuntime } from './local-state.ts';
import { type Command, InputError, UsageError } from './main.ts';

export const runRescore: Command = {
  summary: 'Replay the ledger through a model: a dry run says how many leads would change band',
  usage: `Usage: leadscore rescore --model <file> [--dry-run] [--at <ISO time>] [--data-dir <dir>]

  --model    the model to replay (validated first)
  --dry-run  write nothing; report how many leads would change band, in each direction
  --at       score as of this time (default: now)

A real run rewrites every lead's score under the model, which must be the one in force
(restart "npm start --models <file>" with it first, so the running handlers agree).
Acts on the running local runtime of this checkout. Progress goes to stderr.`,
  async run(args) {
    const { values } = parse(args, {
      model: { type: 'string' },
      'dry-run': { type: 'boolean' },
      at: { type: 'string' },
      'data-dir': { type: 'string' },
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
    const local = localRuntime(values['data-dir']);
    const dryRun = values['dry-run'] === true;
    if (!dryRun) {
      const inForce = loadModels(local.models).find((m) => m.id === model!.id);
      if (inForce?.fingerprint !== model!.fingerprint) {
        throw new InputError(
          `model "${model!.id}" v${model!.version} in ${values.model} is not the one in force (${local.models}); restart "npm start -- --models ${values.model}" first, or use --dry-run`,
        );
      }
    }
    const client = documentClient(local.dynamodbEndpoint);
    const ledger = new Ledger(client, local.tables, 400);
    const started = Date.now();
    const report = await rescoreLeads({
      model: model!,
      leadIds: ledger.leadIds(),
      ledger,
      scores: new ScoreStore(client, local.tables),
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
