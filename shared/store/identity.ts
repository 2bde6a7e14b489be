import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { batchGet } from './batch.ts';
import { type Key, keys, type Subject } from './keys.ts';

export type Resolution = Subject | 'erased';

/** A merge repoints every alias of the merged-away lead, so a chain is at most one hop once it settles. */
const MAX_HOPS = 8;

/**
 * Answers that stay true, kept for the container's life (up to SETTLED_MAX): a tombstone, since erasure is
 * forever; and an alias, since a merge only repoints an alias further along its chain, whose next hop is read
 * afresh, and an erasure writes its tombstones before it removes aliases. "Nothing there" is never kept: any id
 * may be identified, merged or erased at any moment. Strongly consistent reads (identify, merge) skip it.
 */
const settled = new Map<string, Record<string, unknown>>();
const SETTLED_MAX = 10_000;

/**
 * Where each subject's data goes now: the live lead an anonymous id or a merged-away lead id points to (following
 * a chain of merges still being repointed), 'erased' when any id on the way was erased, or the subject itself.
 * One batch read per hop, of each id's alias and tombstone.
 */
export async function resolveSubjects(
  client: DynamoDBDocumentClient,
  table: string,
  subjects: Subject[],
  consistent = false,
): Promise<Map<string, Resolution>> {
  const result = new Map<string, Resolution>();
  const cached = (key: Key) => `${table}\u0000${pkSk(key)}`;
  // Each subject still on its way, with the kept alias that brought it here, if one did.
  let pending = new Map(
    subjects.map((s) => [keys.subject(s), { at: s, via: undefined as string | undefined }]),
  );
  for (let hop = 0; pending.size > 0; hop++) {
    if (hop === MAX_HOPS) throw new Error(`aliases of ${[...pending.keys()].join(', ')} form a cycle`);
    const found = new Map<string, Record<string, unknown>>();
    const unread = new Map<string, Key>();
    for (const { at } of pending.values())
      for (const key of [keys.erased(at), keys.alias(at)]) {
        const known = consistent ? undefined : settled.get(cached(key));
        if (known) found.set(pkSk(key), known);
        // A tombstone settles its subject: its alias need not be read.
        else if (!(key.sk === 'ALIAS' && found.has(pkSk(keys.erased(at))))) unread.set(pkSk(key), key);
      }
    if (unread.size > 0) {
      const items = await batchGet(client, table, [...unread.values()], {
        projection: ['pk', 'sk', 'leadId'],
        consistent,
      });
      for (const item of items) {
        found.set(pkSk(item as unknown as Key), item);
        if (settled.size >= SETTLED_MAX) settled.delete(settled.keys().next().value!);
        settled.set(cached(item as unknown as Key), item);
      }
    }
    const next = new Map<string, { at: Subject; via: string | undefined }>();
    for (const [key, { at, via }] of pending) {
      const alias = found.get(pkSk(keys.alias(at)));
      if (found.has(pkSk(keys.erased(at)))) result.set(key, 'erased');
      else if (alias) {
        // The lead a kept alias led to was merged on since: forget that alias, so the next read finds it
        // repointed to the end of the chain rather than one hop more each time.
        if (via) settled.delete(via);
        next.set(key, { at: { kind: 'lead', id: String(alias.leadId) }, via: cached(keys.alias(at)) });
      } else result.set(key, at);
    }
    pending = next;
  }
  return result;
}

function pkSk(key: Key): string {
  return `${key.pk}\u0000${key.sk}`;
}
