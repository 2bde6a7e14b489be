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
  let pending = new Map(subjects.map((s) => [keys.subject(s), s]));
  for (let hop = 0; pending.size > 0; hop++) {
    if (hop === MAX_HOPS) throw new Error(`aliases of ${[...pending.keys()].join(', ')} form a cycle`);
    const wanted = [...pending.values()].flatMap((s) => [keys.alias(s), keys.erased(s)]);
    const found = new Map<string, Record<string, unknown>>();
    const unread = new Map<string, Key>();
    for (const key of wanted) {
      const known = consistent ? undefined : settled.get(pkSk(key));
      if (known) found.set(pkSk(key), known);
      else unread.set(pkSk(key), key);
    }
    // A tombstone settles its subject: its alias need not be read.
    for (const s of pending.values()) if (found.has(pkSk(keys.erased(s)))) unread.delete(pkSk(keys.alias(s)));
    if (unread.size > 0) {
      const items = await batchGet(client, table, [...unread.values()], {
        projection: 'pk, sk, leadId',
        consistent,
      });
      for (const item of items) {
        const key = pkSk(item as unknown as Key);
        found.set(key, item);
        if (settled.size >= SETTLED_MAX) settled.delete(settled.keys().next().value!);
        settled.set(key, item);
      }
    }
    const next = new Map<string, Subject>();
    for (const [key, current] of pending) {
      const alias = found.get(pkSk(keys.alias(current)));
      if (found.has(pkSk(keys.erased(current)))) result.set(key, 'erased');
      else if (alias) next.set(key, { kind: 'lead', id: String(alias.leadId) });
      else result.set(key, current);
    }
    pending = next;
  }
  return result;
}

function pkSk(key: Key): string {
  return `${key.pk}\u0000${key.sk}`;
}
