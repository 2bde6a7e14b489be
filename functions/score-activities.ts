import { loadModels } from '../shared/models.ts';
import { scoreStreamHandler } from '../shared/scoring/stream.ts';
import { ScoreStore } from '../shared/store/scores.ts';
import { wire } from '../shared/wiring.ts';

const { config, ledger, client, tables } = wire();

/** The ledger's stream: new activities become score changes (see shared/scoring/stream.ts). */
export const handler = scoreStreamHandler({
  models: loadModels(config.LEADSCORE_MODELS),
  ledger,
  scores: new ScoreStore(client, tables),
});
