import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { type Config, loadConfig } from './config.ts';
import { documentClient } from './store/dynamo.ts';
import { LeadDirectory } from './store/leads.ts';
import { Ledger } from './store/ledger.ts';
import type { TableNames } from './store/tables.ts';

/** What a handler needs, built once per process from validated configuration (module scope in each handler). */
export interface Wiring {
  config: Config;
  client: DynamoDBDocumentClient;
  tables: TableNames;
  ledger: Ledger;
  directory: LeadDirectory;
}

/**
 * The parts of the function named `handler` (its file in functions/), from its configuration, which its
 * manifest entry says what must hold. A table the function does not use has no name here but the variable it
 * lacks, which no grant names either: a call to it fails, and the IAM check in the artifact suite says so.
 */
export function wire(handler: string, env: NodeJS.ProcessEnv = process.env): Wiring {
  const config = loadConfig(handler, env);
  const client = documentClient(config.DYNAMODB_ENDPOINT);
  const tables: TableNames = {
    activities: config.ACTIVITIES_TABLE ?? 'unbound-ACTIVITIES_TABLE',
    leads: config.LEADS_TABLE ?? 'unbound-LEADS_TABLE',
    search: config.SEARCH_TABLE ?? 'unbound-SEARCH_TABLE',
  };
  return {
    config,
    client,
    tables,
    ledger: new Ledger(client, tables, config.ACTIVITY_RETENTION_DAYS),
    directory: new LeadDirectory(client, tables),
  };
}
