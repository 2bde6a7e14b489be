import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { batchGet } from './batch.ts';
import { type Key, keys, type Subject } from './keys.ts';

export type Resolution = Subject | 'erased';

/** A merge repoints every alias of the merged-away lead, so a chain is at most one hop once it settles. */
const MAX_HOPS = 8;

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
    const unique = [...new Map(wanted.map((k) => [pkSk(k), k])).values()];
    const found = new Map(
      (await batchGet(client, table, unique, { projection: ['pk', 'sk', 'leadId'], consistent })).map((i) => [
        pkSk(i as unknown as Key),
        i,
      ]),
    );
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
