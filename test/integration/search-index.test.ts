import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureTables } from '../../local/dynamodb.ts';
import { documentClient } from '../../shared/store/dynamo.ts';
import { LeadDirectory } from '../../shared/store/leads.ts';
import { SearchIndex } from '../../shared/store/search.ts';
import { namedTables } from '../../shared/store/tables.ts';
import { runtime } from '../helpers/runtime.ts';

// Tables of this file's own in the run's DynamoDB Local, read by no stream consumer: what is seen here is what the
// store did, not what follow-profiles did after it.
const tables = {
  activities: `find-activities-${process.pid}`,
  leads: `find-leads-${process.pid}`,
  search: `find-search-${process.pid}`,
};
const client = documentClient(runtime.dynamodbEndpoint);
const directory = new LeadDirectory(client, tables);
const index = new SearchIndex(client, tables);
const NOW = Date.parse('2026-11-30T10:00:00.000Z');

async function everything(table: string): Promise<Record<string, unknown>[]> {
  const out = await client.send(new ScanCommand({ TableName: table }));
  return out.Items ?? [];
}

beforeAll(async () => {
  await ensureTables(runtime.dynamodbEndpoint, namedTables(tables));
});

describe('the search index, in a table of its own', () => {
  it('keeps terms and their list in the search table, none in the leads table', async () => {
    const profile = await directory.setAttributes('ana', { name: 'Ana Gómez', company: 'Quillwort' }, NOW);
    await index.follow('ana', undefined, profile);

    expect((await index.find('quill', 10)).leadIds).toEqual(new Set(['ana']));
    expect(await index.termsOf('ana')).toContain('quillwort');
    const leads = await everything(tables.leads);
    expect(leads.filter((i) => String(i.entity).startsWith('searchTerm'))).toEqual([]);
  });

  it("an erasure deletes the person's terms itself, those its list names and those its profile gives", async () => {
    // A lead whose list no longer names the terms its profile gives, and names one the profile does not: as if a
    // change had been half followed. Only the profile says `marram` and `sedge`; only the list says `formerly`.
    const profile = await directory.setAttributes('bo', { name: 'Bo Sedge', company: 'Marram' }, NOW);
    await index.follow('bo', undefined, profile);
    await index.rewrite('bo', [], ['formerly']);
    expect(await index.termsOf('bo')).toEqual(['formerly']);
    for (const word of ['marram', 'sedge', 'formerly'])
      expect((await index.find(word, 10)).leadIds).toEqual(new Set(['bo']));

    await directory.erase('bo', ['default'], NOW);

    const left = (await everything(tables.search)).filter((i) => JSON.stringify(i).includes('"bo'));
    expect(left).toEqual([]);
    // Another lead's terms are untouched.
    expect((await index.find('quill', 10)).leadIds).toEqual(new Set(['ana']));
  });

  it('an erasure deletes the terms a stage deployed before the search table kept in the leads table', async () => {
    const profile = await directory.setAttributes('cy', { name: 'Cy Tansy', company: 'Burdock' }, NOW);
    // As the earlier version wrote them: the list beside the lead, the terms in FIND# partitions, all in leads.
    const earlier = new SearchIndex(client, { ...tables, search: tables.leads });
    await earlier.follow('cy', undefined, profile);
    await earlier.rewrite('cy', ['tansy', 'burdock', 'cy'], ['formerly', 'tansy', 'burdock', 'cy']);
    const before = (await everything(tables.leads)).filter((i) => String(i.entity).startsWith('searchTerm'));
    expect(before.map((i) => i.sk).sort()).toEqual(
      ['TERMS', 'burdock#cy', 'cy#cy', 'formerly#cy', 'tansy#cy'].sort(),
    );

    await directory.erase('cy', ['default'], NOW);

    const left = (await everything(tables.leads)).filter((i) => i.leadId === 'cy' || i.pk === 'LEAD#cy');
    expect(left.map((i) => `${i.entity} ${i.sk}`)).toEqual(['erased SCORE#default']);
  });
});
