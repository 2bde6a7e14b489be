import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { decodeState, scoreLead } from '../shared/engine/index.ts';
import { leadIdParameter } from '../shared/http/parameters.ts';
import { json, problems } from '../shared/http/problem.ts';
import { httpHandler } from '../shared/lambda.ts';
import { compiledModels } from '../shared/model/artifact.ts';
import type { LedgerItem } from '../shared/store/ledger.ts';
import { ScoreStore } from '../shared/store/scores.ts';
import { wire } from '../shared/wiring.ts';

const { config, ledger, directory, client, tables } = wire('get-lead');
const models = compiledModels(config.LEADSCORE_MODELS);
const scores = new ScoreStore(client, tables);
const RECENT = 20;

/**
 * GET /v1/leads/{id}: the lead's score under each model as of now (decay applied), with its grade, band, the
 * rules that produced it, the breakdown that adds up to it, flags, the profile, and recent activity. A merged-away
 * id answers with its survivor.
 */
async function getLead(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> {
  const requested = leadIdParameter(event);
  // A merged-away id answers with the lead it was merged into, and says so; an erased one is 410 (the store's error).
  const leadId = await directory.resolveLead(requested);
  const now = Date.now();
  const [context, activities, outcomeItems] = await Promise.all([
    // A read for display: eventually consistent, half the read units.
    scores.context(
      leadId,
      models.map((m) => m.id),
      'display',
    ),
    ledger.activitiesOf({ kind: 'lead', id: leadId }),
    directory.outcomesOf(leadId),
  ]);
  if (
    context.scores.size === 0 &&
    !context.attributes &&
    activities.length === 0 &&
    outcomeItems.length === 0
  ) {
    throw problems.notFound(`no lead "${requested}"`);
  }
  const byModel = models.flatMap((model) => {
    const stored = context.scores.get(model.id);
    if (!stored || stored.fingerprint !== model.fingerprint) return [];
    // A score stored as of an activity a few minutes ahead (a fast sender clock) is read as of that time too, so
    // this answer never says colder than what was stored and announced.
    const { contributions, breakdown, flags, score, grade, band, combined, behaviour, fit, lastActivityAt } =
      scoreLead(
        model,
        decodeState(model, stored.state),
        context.attributes,
        Math.max(now, Date.parse(stored.updatedAt)),
        stored.band,
      );
    return [
      {
        model: model.id,
        version: model.version,
        score,
        behaviour,
        fit,
        grade,
        band,
        combined,
        flags,
        contributions,
        breakdown,
        lastActivityAt,
        storedAt: stored.updatedAt,
      },
    ];
  });
  activities.sort((a, b) => (a.occurredAt < b.occurredAt ? 1 : -1));
  const outcomes = outcomeItems.map(({ outcome, occurredAt, value }) => ({ outcome, occurredAt, value }));
  return json(200, {
    leadId,
    ...(leadId !== requested && { mergedInto: leadId }),
    at: new Date(now).toISOString(),
    attributes: context.attributes ?? {},
    scores: byModel,
    outcomes,
    recentActivity: activities.slice(0, RECENT).map(summary),
  });
}

function summary({ eventId, type, occurredAt, properties, bot }: LedgerItem) {
  return { eventId, type, occurredAt, properties, ...(bot && { bot }) };
}

export const handler = httpHandler('get-lead', getLead, directory);
