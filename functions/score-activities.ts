import { lambdaHandler } from '../shared/lambda.ts';
import { compiledModels } from '../shared/model/artifact.ts';
import { scoreStreamHandler } from '../shared/scoring/stream.ts';
import { ScoreStore } from '../shared/store/scores.ts';
import { wire } from '../shared/wiring.ts';

const { config, ledger, client, tables } = wire('score-activities');

/** The ledger's stream: new activities become score changes (see shared/scoring/stream.ts). */
export const handler = lambdaHandler(
  scoreStreamHandler({
    models: compiledModels(config.LEADSCORE_MODELS),
    ledger,
    scores: new ScoreStore(client, tables),
  }),
);
