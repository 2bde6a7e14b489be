import type { Context } from 'aws-lambda';
import * as z from 'zod';
import { invokeAsync } from '../shared/invoke.ts';
import { lambdaHandler } from '../shared/lambda.ts';
import { compiledModels } from '../shared/model/artifact.ts';
import { ageScore } from '../shared/scoring/update.ts';
import { DECAY_SHARDS } from '../shared/store/keys.ts';
import { ScoreStore } from '../shared/store/scores.ts';
import { count, logger } from '../shared/telemetry.ts';
import { wire } from '../shared/wiring.ts';

const { config, client, tables } = wire('decay-sweep');
const models = compiledModels(config.LEADSCORE_MODELS);
const scores = new ScoreStore(client, tables);
/** Stop this long before Lambda's limit and hand back where to resume. */
const SAFETY_MS = 20_000;

const Resume = z.object({
  model: z.string(),
  shard: z.number().int().min(0),
  startKey: z.record(z.string(), z.unknown()).optional(),
});
/**
 * The schedule sends the time it was scheduled for; an operator may name the time ("as if at") and where to
 * resume. A preview writes nothing and so announces nothing: `leadscore decay --at` asks for one unless --commit.
 */
const Request = z.looseObject({
  at: z.iso.datetime({ offset: true }).optional(),
  preview: z.boolean().optional(),
  resume: Resume.optional(),
});

export interface SweepResult {
  at: string;
  complete: boolean;
  /** Decay index entries read (keys of scores due). */
  indexEntries: number;
  /** Scores read (each due, found through the decay index). */
  visited: number;
  written: number;
  /** A preview: nothing was written; this many scores would have been, this many crossing a band. */
  preview?: { wouldWrite: number; wouldCross: number };
  resume?: z.infer<typeof Resume>;
}

/**
 * The nightly decay sweep: for each model and each shard of the sparse decay index, read only the scores due by
 * now, age each from its own state and stored fit, and write it back (conditionally: a score rewritten meanwhile by
 * new activity is already current). The writes flow to the leads stream, so cooling leads are announced like any
 * other change. It returns where to resume when Lambda's time runs short.
 */
async function decaySweep(event: unknown, context: Context): Promise<SweepResult> {
  const request = Request.parse(event ?? {});
  const result = await sweep(request, context);
  // In Lambda (AWS or the local runtime's) the sweep hands the rest to a fresh invocation of itself.
  if (!result.complete && config.DECAY_SWEEP_FUNCTION) {
    await invokeAsync(config.DECAY_SWEEP_FUNCTION, {
      at: result.at,
      ...(request.preview && { preview: true }),
      resume: result.resume,
    });
    logger.info('decay sweep continues in a new invocation', { resume: result.resume });
  }
  return result;
}

export const handler = lambdaHandler(decaySweep);

async function sweep(
  request: z.infer<typeof Request>,
  context: Pick<Context, 'getRemainingTimeInMillis'> | undefined,
): Promise<SweepResult> {
  const now = request.at ? Date.parse(request.at) : Date.now();
  const due = new Date(now).toISOString();
  const preview = request.preview === true ? { wouldWrite: 0, wouldCross: 0 } : undefined;
  let visited = 0;
  let indexEntries = 0;
  let written = 0;
  const start = request.resume;
  const firstModel = start
    ? Math.max(
        0,
        models.findIndex((m) => m.id === start.model),
      )
    : 0;
  for (let m = firstModel; m < models.length; m++) {
    const model = models[m]!;
    for (let shard = m === firstModel && start ? start.shard : 0; shard < DECAY_SHARDS; shard++) {
      let startKey = m === firstModel && start && shard === start.shard ? start.startKey : undefined;
      do {
        if (context && context.getRemainingTimeInMillis() < SAFETY_MS) {
          logger.info('decay sweep paused', { model: model.id, shard, visited, written });
          return {
            at: due,
            complete: false,
            indexEntries,
            visited,
            written,
            ...(preview && { preview }),
            resume: { model: model.id, shard, ...(startKey && { startKey }) },
          };
        }
        const page = await scores.due(`DECAY#${model.id}#${shard}`, due, startKey);
        indexEntries += page.entries;
        for (const item of page.items) {
          visited++;
          if (item.fingerprint !== model.fingerprint) continue; // rescoring owns scores of an older model version
          const write = ageScore(model, item, now);
          if (preview) {
            preview.wouldWrite++;
            if (write.item.band !== item.band) preview.wouldCross++;
          } else if (await scores.put(write.item, item.rev)) written++;
          else count('decay.conflict');
        }
        startKey = page.next;
      } while (startKey);
    }
  }
  count('decay.visited', visited);
  count('decay.written', written);
  return { at: due, complete: true, indexEntries, visited, written, ...(preview && { preview }) };
}
