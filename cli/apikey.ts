import { hashApiKey, newApiKey } from '../shared/security/apikeys.ts';
import { documentClient } from '../shared/store/dynamo.ts';
import { LeadDirectory } from '../shared/store/leads.ts';
import { parse } from './args.ts';
import { type Command, UsageError } from './main.ts';
import { targetOf } from './target.ts';

export const runApiKey: Command = {
  summary: 'Create an API key for the /v1 routes (only its hash is stored)',
  usage: `Usage: leadscore apikey create [--name <name>] [--data-dir <dir>] [--stage <stage> [--region <region>]]

Acts on the running local runtime of this checkout (npm start) unless --stage names a deployed stack (its leads
table, with AWS credentials from the environment; --table <name> names a table directly). Prints the key once;
it cannot be shown again.`,
  async run(args) {
    const { values, positionals } = parse(
      args,
      {
        name: { type: 'string' },
        'data-dir': { type: 'string' },
        table: { type: 'string' },
        stage: { type: 'string' },
        region: { type: 'string' },
      },
      1,
    );
    if (positionals[0] !== 'create') throw new UsageError('the only action is "create"');
    // --table names a leads table directly (AWS credentials from the environment); else the runtime or a stage.
    const target = values.table
      ? {
          tables: { activities: '', leads: values.table, search: '' },
          client: documentClient(undefined, values.region),
        }
      : targetOf({ dataDir: values['data-dir'], stage: values.stage, region: values.region });
    const client = target.client;
    const directory = new LeadDirectory(client, target.tables);
    const key = newApiKey();
    await directory.putApiKey(hashApiKey(key), values.name ?? 'cli', Date.now());
    client.destroy();
    console.log(key);
    return 0;
  },
};
