/**
 * The DynamoDB tables, described once: the CDK stack builds them from this, and the local runtime creates them
 * in DynamoDB Local from it. docs/data-model.md lists every access pattern these keys serve.
 */
export interface KeyAttribute {
  name: string;
  type: 'S' | 'N';
}

export interface IndexDefinition {
  name: string;
  partitionKey: KeyAttribute;
  sortKey: KeyAttribute;
  /** ALL: a query returns whole items, so a reader needs no second read per item. INCLUDE: keys and `include`. */
  projection: 'ALL' | 'KEYS_ONLY' | 'INCLUDE';
  include?: string[];
}

/** Logical names of the tables; the physical names are given per deployment (stage) or by the local runtime. */
export type TableId = 'activities' | 'leads' | 'search';

/** Each table's physical name in one deployment. */
export type TableNames = Record<TableId, string>;

export interface TableDefinition {
  id: TableId;
  partitionKey: KeyAttribute;
  sortKey: KeyAttribute;
  /** What its stream carries; none: the table has no stream (nothing reacts to its writes). */
  stream?: 'NEW_IMAGE' | 'NEW_AND_OLD_IMAGES';
  /** Attribute holding an epoch-seconds expiry; DynamoDB deletes the item some time after it. */
  timeToLiveAttribute?: string;
  /** Sparse: only items that carry an index's key attributes appear in it. */
  indexes: IndexDefinition[];
}

/** The activity ledger: one item per accepted activity, idempotent by (subject, eventId). */
export const ACTIVITIES_TABLE: TableDefinition = {
  id: 'activities',
  partitionKey: { name: 'pk', type: 'S' },
  sortKey: { name: 'sk', type: 'S' },
  stream: 'NEW_IMAGE',
  timeToLiveAttribute: 'expiresAt',
  indexes: [],
};

/**
 * Everything about a lead but its activities: profile, outcomes, aliases; plus API keys, erasure tombstones and
 * jobs (JOB#<id>, read by id; they expire through the TTL a week after they were last touched).
 */
export const LEADS_TABLE: TableDefinition = {
  id: 'leads',
  partitionKey: { name: 'pk', type: 'S' },
  sortKey: { name: 'sk', type: 'S' },
  stream: 'NEW_AND_OLD_IMAGES',
  timeToLiveAttribute: 'expiresAt',
  indexes: [
    {
      // Scores that will change with time alone, by shard and due day: the nightly decay sweep reads only these.
      // Keys only: an entry is written when a score's due day moves (about once a day), not on every score
      // write, as a copy of the whole item would be; the sweep then reads each due score by its key.
      name: 'decay',
      partitionKey: { name: 'decayShard', type: 'S' },
      sortKey: { name: 'decayDueAt', type: 'S' },
      projection: 'KEYS_ONLY',
    },
    {
      // Scores ranked within a model and band, highest first: the list sales opens every morning. Keys only, so
      // an entry moves when the score does, not on every write. (`search` is a score attribute no longer written,
      // left in the projection because changing a projection replaces the index on a deployed stage.)
      name: 'rank',
      partitionKey: { name: 'rankKey', type: 'S' },
      sortKey: { name: 'rankScore', type: 'S' },
      projection: 'INCLUDE',
      include: ['search'],
    },
    {
      // Profiles by e-mail domain: an account's contacts, for its roll-up.
      name: 'account',
      partitionKey: { name: 'accountKey', type: 'S' },
      sortKey: { name: 'pk', type: 'S' },
      projection: 'KEYS_ONLY',
    },
  ],
};

/**
 * The list's search index (shared/store/search.ts): an item per search term of each lead (FIND#<first character>,
 * <term>#<lead>), and per lead the list of terms written for it (LEAD#<lead>, TERMS). Its own table, without a
 * stream: follow-profiles rewrites about eight terms at every profile change, and nothing reacts to them, so on the
 * leads stream they were only records for its two consumers to read past (and, in the busy benchmark, what made
 * DynamoDB Local four times slower). No TTL and no index: a term goes when its profile changes or goes.
 */
export const SEARCH_TABLE: TableDefinition = {
  id: 'search',
  partitionKey: { name: 'pk', type: 'S' },
  sortKey: { name: 'sk', type: 'S' },
  indexes: [],
};

export const TABLES = [ACTIVITIES_TABLE, LEADS_TABLE, SEARCH_TABLE] as const;

/** Every table with its physical name, as the local runtime and the integration tests create them. */
export function namedTables(names: TableNames): { definition: TableDefinition; name: string }[] {
  return TABLES.map((definition) => ({ definition, name: names[definition.id] }));
}
