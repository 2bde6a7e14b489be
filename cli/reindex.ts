import { paginateScan } from '@aws-sdk/lib-dynamodb';
import { labelOf, searchTermsOf } from '../shared/domain/label.ts';
import type { Attributes } from '../shared/domain/profile.ts';
import { PROFILE_SORT_KEY } from '../shared/store/keys.ts';
import { SearchIndex } from '../shared/store/search.ts';
import { parse } from './args.ts';
import type { Command } from './main.ts';
import { targetOf } from './target.ts';

export const runReindex: Command = {
  summary: "Write every profile's search terms: once, for a stage deployed before the search index",
  usage: `Usage: leadscore reindex [--data-dir <dir>] [--stage <stage> [--region <region>]]

  --stage    act on the deployed stack of this stage (its tables, with your AWS credentials)
             instead of the local runtime of this checkout

The index-search function keeps each lead's search terms as its profile changes. Profiles written
before a stage had it are found by the list's search only once they change; this writes the terms
of every profile now (a scan of the leads table; repeating it is harmless). Progress goes to stderr.`,
  async run(args) {
    const { values } = parse(args, {
      'data-dir': { type: 'string' },
      stage: { type: 'string' },
      region: { type: 'string' },
    });
    const target = targetOf({ dataDir: values['data-dir'], stage: values.stage, region: values.region });
    const index = new SearchIndex(target.client, target.tables);
    let profiles = 0;
    let terms = 0;
    const pages = paginateScan(
      { client: target.client },
      {
        TableName: target.tables.leads,
        FilterExpression: 'sk = :profile',
        ExpressionAttributeValues: { ':profile': PROFILE_SORT_KEY },
        ProjectionExpression: 'leadId, attributes',
      },
    );
    for await (const page of pages) {
      for (const item of (page.Items ?? []) as { leadId: string; attributes?: Attributes }[]) {
        // Puts only: a term already there is written again, which changes nothing.
        const { put } = await index.rewrite(
          item.leadId,
          [],
          searchTermsOf(item.leadId, labelOf(item.attributes)),
        );
        profiles++;
        terms += put;
      }
      process.stderr.write(`  ${profiles} profiles indexed\n`);
    }
    target.client.destroy();
    console.log(`reindex (${target.where}): ${profiles} profiles, ${terms} search terms written`);
    return 0;
  },
};
