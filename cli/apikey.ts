import { hashApiKey, newApiKey } from '../shared/security/apikeys.ts';
import { documentClient } from '../shared/store/dynamo.ts';
import { LeadDirectory } from '../shared/store/leads.ts';
import { parse } from './args.ts';
import { localRuntime } from './local-state.ts';
import { type Command, UsageError } from './main.ts';

export const runApiKey: Command = {
  summary: 'Create an API key for the /v1 routes (only its hash is stored)',
  usage: `Usage: leadscore apikey create [--name <name>] [--data-dir <dir>] [--table <leads table>]

Acts on the running local runtime of this checkout (npm start) unless --table names the leads table of a
deployed stack (AWS credentials from the environment). Prints the key once; it cannot be shown again.`,
  async run(args) {
    const { values, positionals } = parse(
      args,
      { name: { type: 'string' }, 'data-dir': { type: 'string' }, table: { type: 'string' } },
      1,
    );
    if (positionals[0] !== 'create') throw new UsageError('the only action is "create"');
    const local = values.table ? undefined : localRuntime(values['data-dir']);
    const client = documentClient(local?.dynamodbEndpoint);
    const directory = new LeadDirectory(client, {
      activities: local?.tables.activities ?? '',
      leads: values.table ?? local!.tables.leads,
    });
    const key = newApiKey();
    await directory.putApiKey(hashApiKey(key), values.name ?? 'cli', Date.now());
    client.destroy();
    console.log(key);
    return 0;
  },
};
