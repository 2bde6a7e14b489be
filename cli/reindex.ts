import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { paginateScan, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { batchWrite } from '../shared/store/batch.ts';
import { keys, PROFILE_SORT_KEY } from '../shared/store/keys.ts';
import { parse } from './args.ts';
import type { Command } from './main.ts';
import { targetOf } from './target.ts';

export const runReindex: Command = {
  summary: "Rebuild every profile's search terms: once, for a stage deployed before the search table",
  usage: `Usage: leadscore reindex [--data-dir <dir>] [--stage <stage> [--region <region>]]

  --stage    act on the deployed stack of this stage (its tables, with your AWS credentials)
             instead of the local runtime of this checkout

The follow-profiles function keeps each lead's search terms, in the search table, as its profile
changes. Profiles written before a stage (or a local data dir) had that table are found by the list's
search only once they change: this marks every profile (its indexedAt), and follow-profiles rebuilds
each one's terms from the stream, in order with any other change, so a profile changed or erased
meanwhile is indexed as it is, not as it was. It also deletes the terms an earlier version kept in the
leads table. Repeating it is harmless. A lead without a profile has no terms: a search finds it by its
exact id, reindexed or not. Progress goes to stderr; the terms follow within seconds.`,
  async run(args) {
    const { values } = parse(args, {
      'data-dir': { type: 'string' },
      stage: { type: 'string' },
      region: { type: 'string' },
    });
    const target = targetOf({ dataDir: values['data-dir'], stage: values.stage, region: values.region });
    const indexedAt = new Date().toISOString();
    let profiles = 0;
    let legacy = 0;
    const pages = paginateScan(
      { client: target.client },
      {
        TableName: target.tables.leads,
        FilterExpression: 'sk = :profile OR entity IN (:term, :terms)',
        ExpressionAttributeValues: {
          ':profile': PROFILE_SORT_KEY,
          ':term': 'searchTerm',
          ':terms': 'searchTerms',
        },
        ProjectionExpression: 'pk, sk, leadId',
      },
    );
    for await (const page of pages) {
      const items = (page.Items ?? []) as { pk: string; sk: string; leadId: string }[];
      const old = items.filter((i) => i.sk !== PROFILE_SORT_KEY);
      await batchWrite(
        target.client,
        target.tables.leads,
        old.map(({ pk, sk }) => ({ DeleteRequest: { Key: { pk, sk } } })),
      );
      legacy += old.length;
      for (const { leadId } of items.filter((i) => i.sk === PROFILE_SORT_KEY)) {
        try {
          await target.client.send(
            new UpdateCommand({
              TableName: target.tables.leads,
              Key: keys.profile(leadId),
              UpdateExpression: 'SET indexedAt = :at',
              // Never recreate a profile removed since the scan read it (an erasure, a merge).
              ConditionExpression: 'attribute_exists(pk)',
              ExpressionAttributeValues: { ':at': indexedAt },
            }),
          );
          profiles++;
        } catch (error) {
          if (!(error instanceof ConditionalCheckFailedException)) throw error;
        }
      }
      process.stderr.write(`  ${profiles} profiles marked\n`);
    }
    target.client.destroy();
    console.log(
      `reindex (${target.where}): ${profiles} profiles marked for follow-profiles` +
        (legacy > 0 ? `; ${legacy} search items removed from the leads table` : ''),
    );
    return 0;
  },
};
