/**
 * The DynamoDB tables, described once: the CDK stack builds them from this, and the local runtime creates them
 * in DynamoDB Local from it. docs/data-model.md lists every access pattern these keys serve.
 */
export interface KeyAttribute {
  name: string;
  type: 'S' | 'N';
}

export interface TableDefinition {
  /** Logical name; the physical name is given per deployment (stage) or by the local runtime. */
  id: 'activities' | 'leads';
  partitionKey: KeyAttribute;
  sortKey: KeyAttribute;
  stream: 'NEW_IMAGE' | 'NEW_AND_OLD_IMAGES';
  /** Attribute holding an epoch-seconds expiry; DynamoDB deletes the item some time after it. */
  timeToLiveAttribute?: string;
}

/** The activity ledger: one item per accepted activity, idempotent by (subject, eventId). */
export const ACTIVITIES_TABLE: TableDefinition = {
  id: 'activities',
  partitionKey: { name: 'pk', type: 'S' },
  sortKey: { name: 'sk', type: 'S' },
  stream: 'NEW_IMAGE',
  timeToLiveAttribute: 'expiresAt',
};

/** Everything about a lead but its activities: profile, outcomes, aliases; plus API keys and erasure tombstones. */
export const LEADS_TABLE: TableDefinition = {
  id: 'leads',
  partitionKey: { name: 'pk', type: 'S' },
  sortKey: { name: 'sk', type: 'S' },
  stream: 'NEW_AND_OLD_IMAGES',
  timeToLiveAttribute: 'expiresAt',
};

export const TABLES = [ACTIVITIES_TABLE, LEADS_TABLE] as const;
