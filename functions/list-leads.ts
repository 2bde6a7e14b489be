import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import * as z from 'zod';
import { json, problems } from '../shared/http/problem.ts';
import { httpHandler } from '../shared/lambda.ts';
import { compiledModels } from '../shared/model/artifact.ts';
import { keys } from '../shared/store/keys.ts';
import { type RankKey, ScoreStore } from '../shared/store/scores.ts';
import { wire } from '../shared/wiring.ts';

const { config, directory, client, tables } = wire('list-leads');
const models = new Map(compiledModels(config.LEADSCORE_MODELS).map((m) => [m.id, m]));
const scores = new ScoreStore(client, tables);

const Query = z.object({
  model: z.string().optional(),
  band: z.string().optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(2000).optional(),
  q: z.string().trim().max(100).optional(),
  counts: z.enum(['true', 'false']).optional(),
});
/** Rank index entries one search request reads at most (about 150 bytes each: some 375 read units at worst). */
const SEARCH_BUDGET = 20_000;
/**
 * Entries a search reads at a time. A request answers after the first read that finds a match, so a rep sees the
 * highest-ranked matches while the page searches on from the cursor, instead of waiting for the whole budget.
 */
const SEARCH_STEP = 2_000;
/**
 * Counts per band stop here ("1,000+"): counting reads every entry counted, and a morning list needs to know that a
 * band is big, not how big. At 10,000 the first view over 100,000 leads outran the function's timeout locally.
 */
const COUNT_CAP = 1_000;
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
 * GET /v1/leads?model=&band=&q=&limit=&cursor=: leads ranked by score, highest first, within one band or across all
 * (top band first), a page at a time, with who they are (name, e-mail, company, title) and why now. `q` keeps
 * leads whose name, e-mail, company or id contains it: a filter on the rank index's small entries, band by band,
 * answering with the first matches found (a short page and a cursor to search on), or after SEARCH_BUDGET entries
 * with none (docs/data-model.md). Scores are as last written.
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
  const search = query.data.q?.toLowerCase() || undefined;
  // Counts on request (the dashboard asks once the list is on screen), every band, read while the page is.
  const counting =
    query.data.counts !== 'true' || cursor || search
      ? undefined
      : Promise.all(
          bands.map(async (band) => {
            const { count, more } = await scores.countRanked(model.id, band, COUNT_CAP);
            return [band, more ? { count, more } : { count }] as const;
          }),
        );
  // Read in parallel with the page: a page that fails first must not leave this rejection unhandled.
  counting?.catch(() => undefined);

  const taken: RankKey[] = [];
  let next: z.infer<typeof Cursor> | undefined;
  let read = 0;
  walk: for (const [i, band] of from.entries()) {
    let key = i === 0 ? cursor?.key : undefined;
    for (;;) {
      // Without a search one read returns the page; with one, reads go on a step at a time until a step finds
      // something or the budget is spent, and the cursor says where to search on.
      const room = limit - taken.length;
      const page = await scores.rankedKeys(
        model.id,
        band,
        search ? Math.min(SEARCH_STEP, SEARCH_BUDGET - read) : room,
        key,
        search,
      );
      read += page.read;
      taken.push(...page.keys.slice(0, room));
      if (taken.length === limit && (page.next || page.keys.length > room)) {
        // The band goes on past the page: start the next one after its last lead.
        const { pk, sk, rankKey, rankScore } = taken.at(-1)!;
        next = { band, key: { pk, sk, rankKey, rankScore } };
        break walk;
      }
      if (!page.next) break;
      if (search && taken.length === 0 && read < SEARCH_BUDGET) {
        key = page.next as RankKey;
        continue;
      }
      next = { band, key: page.next as RankKey };
      break walk;
    }
    if (taken.length === limit || (search && (taken.length > 0 || read >= SEARCH_BUDGET))) {
      next = i + 1 < from.length ? { band: from[i + 1]! } : undefined;
      break;
    }
  }
  const counts = counting && Object.fromEntries(await counting);
  const leads = await scores.listedAt(taken);
  return json(200, {
    model: model.id,
    ...(query.data.band && { band: query.data.band }),
    ...(search && { q: query.data.q }),
    leads,
    ...(counts && { counts }),
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
