import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import * as z from 'zod';
import { json, problems } from '../shared/http/problem.ts';
import { httpHandler } from '../shared/lambda.ts';
import { loadModels } from '../shared/models.ts';
import { keys } from '../shared/store/keys.ts';
import { type RankKey, ScoreStore } from '../shared/store/scores.ts';
import { wire } from '../shared/wiring.ts';

const { config, directory, client, tables } = wire('list-leads');
const models = new Map(loadModels(config.LEADSCORE_MODELS).map((m) => [m.id, m]));
const scores = new ScoreStore(client, tables);

const Query = z.object({
  model: z.string().optional(),
  band: z.string().optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(2000).optional(),
});
/**
 * A page's place: its band, and where in the rank index it goes on. Checked field by field, so a crafted or
 * stale cursor is a 400, never a key DynamoDB refuses (a 500).
 */
const Cursor = z.strictObject({
  band: z.string().max(64),
  key: z
    .strictObject({
      pk: z.string().regex(/^LEAD#[A-Za-z0-9][A-Za-z0-9._:@+-]{0,127}$/),
      sk: z.string().regex(/^SCORE#[A-Za-z0-9._-]{1,64}$/),
      rankKey: z.string().max(200),
      rankScore: z.string().regex(/^\d{12}#[A-Za-z0-9][A-Za-z0-9._:@+-]{0,127}$/),
    })
    .optional(),
});

/**
 * GET /v1/leads?model=&band=&limit=&cursor=: leads ranked by score, highest first, within one band or across all
 * (top band first), a page at a time. Scores are as last written (activity, or the nightly decay).
 */
async function listLeads(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> {
  const query = Query.safeParse(event.queryStringParameters ?? {});
  if (!query.success) throw problems.badRequest('limit must be a number from 1 to 200');
  const model = models.get(query.data.model ?? [...models.keys()][0]!);
  if (!model)
    throw problems.badRequest(
      `unknown model "${query.data.model}"; models in force: ${[...models.keys()].join(', ')}`,
    );
  const bands = model.source.bands.levels.map((l) => l.id).reverse();
  if (query.data.band !== undefined && !bands.includes(query.data.band)) {
    throw problems.badRequest(
      `unknown band "${query.data.band}" in model "${model.id}"; bands: ${bands.join(', ')}`,
    );
  }
  let cursor: z.infer<typeof Cursor> | undefined;
  if (query.data.cursor) {
    const parsed = Cursor.safeParse(safeJson(Buffer.from(query.data.cursor, 'base64url').toString('utf8')));
    const valid =
      parsed.success &&
      bands.includes(parsed.data.band) &&
      (query.data.band === undefined || parsed.data.band === query.data.band) &&
      (parsed.data.key === undefined || parsed.data.key.rankKey === keys.rank(model.id, parsed.data.band));
    if (!valid) throw problems.badRequest('the cursor is not one this API gave out for this query');
    cursor = parsed.data;
  }

  // Band after band from the top, keys only, until the page is full (the big low bands are seldom read at all);
  // then those scores in one batch read.
  const wanted = query.data.band ? [query.data.band] : bands;
  const limit = query.data.limit;
  const from = wanted.slice(cursor ? Math.max(0, wanted.indexOf(cursor.band)) : 0);
  const taken: RankKey[] = [];
  let next: z.infer<typeof Cursor> | undefined;
  for (const [i, band] of from.entries()) {
    const page = await scores.rankedKeys(
      model.id,
      band,
      limit - taken.length,
      i === 0 ? cursor?.key : undefined,
    );
    taken.push(...page.keys);
    if (page.next) {
      // This band goes on beyond what was read: the next page starts there, whatever room is left.
      next = { band, key: page.next as RankKey };
      break;
    }
    if (taken.length === limit) {
      next = i + 1 < from.length ? { band: from[i + 1]! } : undefined;
      break;
    }
  }
  const leads = (await scores.scoresAt(taken)).map(
    ({ leadId, score, grade, band, flags, lastActivityAt, updatedAt }) => ({
      leadId,
      score,
      grade,
      band,
      flags,
      lastActivityAt,
      updatedAt,
    }),
  );
  return json(200, {
    model: model.id,
    ...(query.data.band && { band: query.data.band }),
    leads,
    ...(next && { nextCursor: Buffer.from(JSON.stringify(next)).toString('base64url') }),
  });
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export const handler = httpHandler('list-leads', listLeads, directory);
