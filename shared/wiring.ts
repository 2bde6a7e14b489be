import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { type Config, loadConfig } from './config.ts';
import { documentClient, type TableNames } from './store/dynamo.ts';
import { LeadDirectory } from './store/leads.ts';
import { Ledger } from './store/ledger.ts';

/** What a handler needs, built once per process from validated configuration (module scope in each handler). */
export interface Wiring {
  config: Config;
  client: DynamoDBDocumentClient;
  tables: TableNames;
  ledger: Ledger;
  directory: LeadDirectory;
}

export function wire(env: NodeJS.ProcessEnv = process.env): Wiring {
  const config = loadConfig(env);
  const client = documentClient(config.DYNAMODB_ENDPOINT);
  const tables = { activities: config.ACTIVITIES_TABLE, leads: config.LEADS_TABLE };
  return {
    config,
    client,
    tables,
    ledger: new Ledger(client, tables, config.ACTIVITY_RETENTION_DAYS),
    directory: new LeadDirectory(client, tables),
  };
}
