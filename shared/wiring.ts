import { type Config, loadConfig } from './config.ts';
import { documentClient } from './store/dynamo.ts';
import { LeadDirectory } from './store/leads.ts';
import { Ledger } from './store/ledger.ts';

/** What a handler needs, built once per process from validated configuration (module scope in each handler). */
export interface Wiring {
  config: Config;
  ledger: Ledger;
  directory: LeadDirectory;
}

export function wire(env: NodeJS.ProcessEnv = process.env): Wiring {
  const config = loadConfig(env);
  const client = documentClient(config.DYNAMODB_ENDPOINT);
  const tables = { activities: config.ACTIVITIES_TABLE, leads: config.LEADS_TABLE };
  return {
    config,
    ledger: new Ledger(client, tables, config.ACTIVITY_RETENTION_DAYS),
    directory: new LeadDirectory(client, tables),
  };
}
