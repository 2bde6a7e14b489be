/**
 * Every key Leadscore writes, built in one place. Prefixes name the entity, so items of different kinds never
 * collide and a key read in a log says what it is. Ids are validated before they get here (no "#").
 */
import { createHash } from 'node:crypto';
import { fnv1a } from '../engine/hash.ts';

/** Shards of the decay index per model: spreads a nightly sweep over partitions, and lets it run in parallel. */
export const DECAY_SHARDS = 16;

/** A profile's sort key: also what the search index's stream consumer filters the leads stream on. */
export const PROFILE_SORT_KEY = 'PROFILE';

export interface Key {
  pk: string;
  sk: string;
}

/** Whose activity an item is: a known lead, or an anonymous visitor not identified yet. */
export type Subject = { kind: 'lead'; id: string } | { kind: 'anonymous'; id: string };

export const keys = {
  subject(subject: Subject): string {
    return subject.kind === 'lead' ? `LEAD#${subject.id}` : `ANON#${subject.id}`;
  },
  activity(subject: Subject, eventId: string): Key {
    return { pk: keys.subject(subject), sk: `EVT#${eventId}` };
  },
  lead(leadId: string): string {
    return `LEAD#${leadId}`;
  },
  profile(leadId: string): Key {
    return { pk: `LEAD#${leadId}`, sk: PROFILE_SORT_KEY };
  },
  /** Keyed by the outcome's id alone: however its time is spelled, a retry lands on the same item. */
  outcome(leadId: string, outcomeId: string): Key {
    return { pk: `LEAD#${leadId}`, sk: `OUTCOME#${outcomeId}` };
  },
  /** Where an anonymous id or a merged-away lead id now points. */
  alias(from: Subject): Key {
    return { pk: `ALIAS#${from.kind === 'lead' ? 'L' : 'A'}#${from.id}`, sk: 'ALIAS' };
  },
  /** The reverse of an alias, kept under the lead so erasure can find every id that points at it. */
  aliasOf(leadId: string, from: Subject): Key {
    return { pk: `LEAD#${leadId}`, sk: `ALIASOF#${from.kind === 'lead' ? 'L' : 'A'}#${from.id}` };
  },
  /**
   * The tombstone of an erased id (a lead, a merged-away lead, an anonymous visitor). Keyed by a hash of the id, so
   * what remains of an erased person names nobody, yet any later write for that id still finds it.
   */
  erased(subject: Subject): Key {
    const digest = createHash('sha256').update(keys.subject(subject)).digest('base64url');
    return { pk: `ERASED#${digest}`, sk: 'ERASED' };
  },
  score(leadId: string, model: string): Key {
    return { pk: `LEAD#${leadId}`, sk: `SCORE#${model}` };
  },
  /**
   * What scoring reads of a lead in one Query: its profile and every score, from PROFILE to the last SCORE# key.
   * Nothing else under a lead sorts between them (ALIASOF#, HIST#, OUTCOME# sort before PROFILE).
   */
  scoringContext(leadId: string): { pk: string; from: string; to: string } {
    return { pk: keys.lead(leadId), from: keys.profile(leadId).sk, to: `${keys.score(leadId, '').sk}\uffff` };
  },
  /** The decay index's partition: a model's due scores spread over DECAY_SHARDS shards by lead. */
  decayShard(model: string, leadId: string): string {
    return `DECAY#${model}#${fnv1a(leadId) % DECAY_SHARDS}`;
  },
  /** Rank index partition: one per model and band. */
  rank(model: string, band: string): string {
    return `RANK#${model}#${band}`;
  },
  /** Rank index sort key: the score as fixed-width text (so text order is score order), then the lead. */
  rankScore(score: number, leadId: string): string {
    return `${String(Math.round((score + 10_000_000) * 100)).padStart(12, '0')}#${leadId}`;
  },
  history(leadId: string, at: string, model: string, rev: number): Key {
    return { pk: `LEAD#${leadId}`, sk: `HIST#${at}#${model}#${String(rev).padStart(8, '0')}` };
  },
  /**
   * A search term of a lead, in the search table: partitioned by the term's first character, sorted by the term,
   * so the leads whose terms start with a prefix are one Query (begins_with). Terms hold no "#"
   * (shared/domain/label.ts).
   */
  searchTerm(term: string, leadId: string): Key {
    return { pk: keys.searchPartition(term), sk: `${term}#${leadId}` };
  },
  /**
   * The list of a lead's search terms, in the search table: what follow-profiles last wrote, so that whatever it
   * wrote can be removed. (Stages deployed before the search table kept both in the leads table: `leadscore
   * reindex` removes those.)
   */
  searchTerms(leadId: string): Key {
    return { pk: `LEAD#${leadId}`, sk: 'TERMS' };
  },
  searchPartition(prefix: string): string {
    return `FIND#${String.fromCodePoint(prefix.codePointAt(0)!)}`;
  },
  account(domain: string): string {
    return `ACCOUNT#${domain.toLowerCase()}`;
  },
  /** The last evaluation of a model against outcomes (leadscore evaluate --publish). */
  evaluation(model: string): Key {
    return { pk: `MODEL#${model}`, sk: 'EVALUATION' };
  },
  apiKey(hash: string): Key {
    return { pk: `APIKEY#${hash}`, sk: 'APIKEY' };
  },
  /** Work too long for a request (a dry run, an erasure's ledger sweep): its request, progress and result. */
  job(jobId: string): Key {
    return { pk: `JOB#${jobId}`, sk: 'JOB' };
  },
} as const;

/** Reads a score's lead and model back from its key (what keys.score wrote). */
export function scoreKeyOf(key: Key): { leadId: string; model: string } {
  if (!key.pk.startsWith('LEAD#') || !key.sk.startsWith('SCORE#'))
    throw new Error(`not a score's key: ${key.pk} ${key.sk}`);
  return { leadId: key.pk.slice('LEAD#'.length), model: key.sk.slice('SCORE#'.length) };
}

/** Reads the subject back from an item's pk ("LEAD#ana" or "ANON#v-1"). */
export function subjectOf(pk: string): Subject | undefined {
  if (pk.startsWith('LEAD#')) return { kind: 'lead', id: pk.slice(5) };
  if (pk.startsWith('ANON#')) return { kind: 'anonymous', id: pk.slice(5) };
  return undefined;
}
