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
    // A lead whose list names a term its profile no longer gives (a change the stream has not followed yet).
    const profile = await directory.setAttributes('bo', { name: 'Bo Sedge', company: 'Marram' }, NOW);
    await index.rewrite('bo', [], ['marram', 'sedge', 'bo', 'formerly']);
    expect((await index.find('formerly', 10)).leadIds).toEqual(new Set(['bo']));
    expect(profile.attributes).toMatchObject({ company: 'Marram' });

    await directory.erase('bo', ['default'], NOW);

    const left = (await everything(tables.search)).filter((i) => JSON.stringify(i).includes('"bo'));
    expect(left).toEqual([]);
    expect((await index.find('marram', 10)).leadIds.size).toBe(0);
    // Another lead's terms are untouched.
    expect((await index.find('quill', 10)).leadIds).toEqual(new Set(['ana']));
  });
});
