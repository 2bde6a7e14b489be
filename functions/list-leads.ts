import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import * as z from 'zod';
import { LeadId } from '../shared/domain/ids.ts';
import { matchesAll, searchWords } from '../shared/domain/label.ts';
import { json, problems } from '../shared/http/problem.ts';
import { httpHandler } from '../shared/lambda.ts';
import { compiledModels } from '../shared/model/artifact.ts';
import { keys } from '../shared/store/keys.ts';
import { type RankKey, ScoreStore } from '../shared/store/scores.ts';
import { SearchIndex } from '../shared/store/search.ts';
import { wire } from '../shared/wiring.ts';

const { config, directory, client, tables } = wire('list-leads');
const models = new Map(compiledModels(config.LEADSCORE_MODELS).map((m) => [m.id, m]));
const scores = new ScoreStore(client, tables);
const index = new SearchIndex(client, tables);

const Query = z.object({
  model: z.string().optional(),
  band: z.string().optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(2000).optional(),
  q: z.string().trim().max(100).optional(),
  counts: z.enum(['true', 'false']).optional(),
});
/**
 * A search looks up its longest words in the index (each word's first WORD_MATCHES leads, in term order), keeps the
 * leads in every complete answer, and ranks at most SEARCH_MATCHES of them. Past either, it says `truncated`: more
 * words, or longer ones, narrow it.
 */
const INDEXED_WORDS = 3;
const WORD_MATCHES = 1_000;
const SEARCH_MATCHES = 250;
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

/** A search's place: how many of its ranked matches the pages before have shown, for which words. */
const SearchCursor = z.strictObject({
  q: z.string().max(200),
  skip: z.number().int().min(1).max(SEARCH_MATCHES),
});

/**
 * GET /v1/leads?model=&band=&q=&limit=&cursor=: leads ranked by score, highest first, within one band or across all
 * (top band first), a page at a time, with who they are (name, e-mail, company, title) and why now. `q` searches
 * the search index (see search, below; docs/data-model.md). Scores are as last written.
 */
async function listLeads(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> {
  const query = Query.safeParse(event.queryStringParameters ?? {});
  if (!query.success) {
    const field = String(query.error.issues[0]?.path[0] ?? '');
    throw problems.badRequest(
      field === 'q'
        ? 'q must be at most 100 characters'
        : field === 'limit'
          ? 'limit must be a number from 1 to 200'
          : `${field || 'the query'} is not valid`,
    );
  }
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
  const words = searchWords(query.data.q ?? '');
  if (words.length > 0) return json(200, await search(model.id, bands, words, query.data));

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
  // Counts on request (the dashboard asks once the list is on screen), every band, read while the page is.
  const counting =
    query.data.counts !== 'true' || cursor
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
  for (const [i, band] of from.entries()) {
    const room = limit - taken.length;
    const page = await scores.rankedKeys(model.id, band, room, i === 0 ? cursor?.key : undefined);
    taken.push(...page.keys);
    if (taken.length === limit) {
      // The band goes on past the page: start the next one after its last lead; or the next band.
      if (page.next) {
        const { pk, sk, rankKey, rankScore } = taken.at(-1)!;
        next = { band, key: { pk, sk, rankKey, rankScore } };
      } else if (i + 1 < from.length) next = { band: from[i + 1]! };
      break;
    }
  }
  const counts = counting && Object.fromEntries(await counting);
  const leads = await scores.listedAt(taken);
  return json(200, {
    model: model.id,
    ...(query.data.band && { band: query.data.band }),
    leads,
    ...(counts && { counts }),
    ...(next && { nextCursor: Buffer.from(JSON.stringify(next)).toString('base64url') }),
  });
}

/**
 * A search: the leads with, for each word, a term starting with it (the index answers for the longest words; what
 * the list shows must contain every word), and the lead whose id is exactly what was typed; each with its score
 * under the model (a lead with none is not listed), ranked band first, then by score. Counts per band are of these
 * matches.
 */
async function search(
  model: string,
  bands: string[],
  words: string[],
  query: z.infer<typeof Query>,
): Promise<Record<string, unknown>> {
  let skip = 0;
  if (query.cursor) {
    const parsed = SearchCursor.safeParse(safeJson(Buffer.from(query.cursor, 'base64url').toString('utf8')));
    if (!parsed.success || parsed.data.q !== words.join(' '))
      throw problems.badRequest('the cursor is not one this API gave out for this query');
    skip = parsed.data.skip;
  }
  // Each of the longest words from the index; the leads every complete answer holds (or, when every word starts
  // too many terms, the fewest), at most SEARCH_MATCHES of them.
  const found = await Promise.all(words.slice(0, INDEXED_WORDS).map((w) => index.find(w, WORD_MATCHES)));
  const complete = found.filter((f) => !f.more);
  const [narrowest, ...others] = (complete.length > 0 ? complete : found).sort(
    (a, b) => a.leadIds.size - b.leadIds.size,
  );
  const candidates = [...narrowest!.leadIds].filter((id) => others.every((o) => o.leadIds.has(id)));
  // A lead with no profile has no terms: a search for its exact id finds it still.
  const typed = query.q?.trim() ?? '';
  if (LeadId.safeParse(typed).success && !candidates.includes(typed)) candidates.unshift(typed);
  const truncated = complete.length === 0 || candidates.length > SEARCH_MATCHES;
  const top = (band: string) => bands.indexOf(band);
  const matches = (await scores.listedFor(candidates.slice(0, SEARCH_MATCHES), model))
    .filter((l) => matchesAll(words, l.leadId, l))
    .sort((a, b) => top(a.band) - top(b.band) || (a.rankScore < b.rankScore ? 1 : -1));
  const inBand = query.band ? matches.filter((l) => l.band === query.band) : matches;
  const page = inBand.slice(skip, skip + query.limit).map(({ rankScore: _, ...listed }) => listed);
  const next =
    skip + query.limit < inBand.length ? { q: words.join(' '), skip: skip + query.limit } : undefined;
  const counts =
    query.counts === 'true' &&
    Object.fromEntries(
      bands.map((b) => {
        const count = matches.filter((l) => l.band === b).length;
        return [b, truncated ? { count, more: true } : { count }];
      }),
    );
  return {
    model,
    ...(query.band && { band: query.band }),
    q: query.q,
    leads: page,
    ...(counts && { counts }),
    ...(truncated && { truncated: true }),
    ...(next && { nextCursor: Buffer.from(JSON.stringify(next)).toString('base64url') }),
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export const handler = httpHandler('list-leads', listLeads, directory);
