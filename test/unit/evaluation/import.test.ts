import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type DatasetLead, DatasetLeadSchema } from '../../../shared/evaluation/dataset.ts';
import {
  emptyReport,
  importCsv,
  type Mapping,
  MappingError,
  MappingSchema,
} from '../../../shared/evaluation/import.ts';

const dir = mkdtempSync(join(tmpdir(), 'leadscore-import-'));
const NOW = Date.parse('2026-11-01T00:00:00Z');

// Shaped like a real CRM export: spaces in names, "Select" defaults, counts and a categorical last activity.
const mapping = MappingSchema.parse({
  leadId: 'Prospect ID',
  outcome: { column: 'Converted', converted: ['1'], lost: ['0'] },
  attributes: {
    country: 'Country',
    title: 'What is your current occupation',
    employees: { column: 'Company Size', type: 'number' },
    quality: 'Lead Quality',
  },
  activities: [
    { column: 'TotalVisits', type: 'page_view', max: 20 },
    { column: 'Total Time Spent on Website', type: 'page_view', per: 600, properties: { path: '/docs' } },
    {
      column: 'Last Activity',
      values: { 'Email Opened': 'email_open', 'Form Submitted on Website': 'form_submit' },
    },
  ],
  afterSale: ['Lead Quality'],
});
const HEADER =
  'Prospect ID,Converted,Country,What is your current occupation,Company Size,Lead Quality,TotalVisits,Total Time Spent on Website,Last Activity';

async function run(name: string, content: string | Buffer, using: Mapping = mapping) {
  const file = join(dir, name);
  writeFileSync(file, content);
  const report = emptyReport();
  const leads: DatasetLead[] = [];
  for await (const lead of importCsv(file, using, report, NOW)) leads.push(lead);
  return { leads, report };
}

describe('leadscore import', () => {
  it('turns rows into profiles, activities and outcomes; quoted fields, placeholders and blanks as a person means them', async () => {
    const { leads, report } = await run(
      'good.csv',
      [
        HEADER,
        'p-1,1,India,"Manager, ""Sales""",1200,High in Relevance,3,1250,Email Opened',
        'p-2,0,Select,Select,,Not Sure,0,0,Select',
        'p-3,,United States,Student,"1,500",,2,,Form Submitted on Website',
      ].join('\r\n'),
    );
    expect(report).toMatchObject({ rows: 3, leads: 3, skipped: 0, problems: [], encoding: 'utf-8' });
    expect(leads[0]).toMatchObject({
      leadId: 'p-1',
      outcome: 'converted',
      attributes: { country: 'India', title: 'Manager, "Sales"', employees: 1200 },
    });
    // The after-sale column is never read, though an attribute names it.
    expect(leads[0]!.attributes).not.toHaveProperty('quality');
    // 3 visits, 1250 s / 600 = 2 docs views, one e-mail open; ids are stable, so a re-import repeats nothing.
    expect(leads[0]!.activities.map((a) => a.type)).toEqual([
      'page_view',
      'page_view',
      'page_view',
      'page_view',
      'page_view',
      'email_open',
    ]);
    expect(leads[0]!.activities[3]).toMatchObject({
      eventId: 'p-1:total-time-spent-on-website:0',
      properties: { path: '/docs' },
    });
    expect(leads[1]).toEqual({ leadId: 'p-2', attributes: {}, activities: [], outcome: 'lost' });
    expect(leads[2]).toMatchObject({ outcome: null, attributes: { employees: 1500 } });
  });

  it('skips each row that gives no lead and drops each field it cannot read, with its line and reason', async () => {
    const huge = 'x'.repeat(100_000);
    const { leads, report } = await run(
      'hostile.csv',
      [
        HEADER,
        'p-1,1,India,Manager,10,,1,0,',
        'p-2,0,India', // ragged
        ',1,India,Manager,10,,1,0,', // no id
        'p-4,maybe,India,Manager,10,,1,0,', // unknown outcome
        'p-5,0,India,Manager,ten,,1,0,', // not a number
        `p-6,0,India,"${huge}",10,,1,0,`, // oversized field
        'p-7,0,India,Manager,10,,-3,0,', // not a count
        '\u0000\u0001\u0002,\u00ff\u00fe', // garbage
        'p-10,0,Chile,Manager,10,,1,0,',
        // An opened quote that never closes takes the rest of the file with it, as in any CSV reader: last here.
        'p-11,1,"Unclosed quote,10,,1,0,',
      ].join('\n'),
    );
    const byId = new Map(leads.map((l) => [l.leadId, l]));
    expect([...byId.keys()]).toEqual(expect.arrayContaining(['p-1', 'p-4', 'p-5', 'p-7', 'p-10']));
    // One bad field drops the field, not the lead.
    expect(byId.get('p-4')).toMatchObject({ outcome: null, attributes: { country: 'India', employees: 10 } });
    expect(byId.get('p-5')!.attributes).toEqual({ country: 'India', title: 'Manager' });
    expect(byId.get('p-7')!.activities).toEqual([]);
    const reasons = Object.fromEntries(report.problems.map((p) => [p.line, p.reason]));
    expect(reasons[3]).toMatch(/3 fields where the header has 9/);
    expect(reasons[4]).toMatch(/no lead id in "Prospect ID"/);
    expect(reasons[5]).toMatch(
      /"Converted" is "maybe", neither converted \(1\) nor lost \(0\): field dropped/,
    );
    expect(reasons[6]).toMatch(/"Company Size" is "ten", not a number: field dropped/);
    expect(reasons[7]).toMatch(/a field of 100000 characters/);
    expect(reasons[8]).toMatch(/"TotalVisits" is "-3", not a count: field dropped/);
    expect(report.droppedFields).toBe(3);
    expect(report.problems.some((p) => p.line >= 11 && /unreadable|fields where/.test(p.reason))).toBe(true);
    expect(report.leads + report.skipped).toBe(report.rows);
  });

  it('writes only ids the dataset reader accepts, the same ones every time', async () => {
    const content = [
      HEADER,
      'Lead #1 (web),1,India,Manager,10,,2,700,Email Opened',
      'Lead #1 (Web),0,India,Manager,10,,1,0,Form Submitted on Website',
      `${'long-id-'.repeat(15)}x,0,India,Manager,10,,1,0,`,
    ].join('\n');
    const first = await run('unsafe.csv', content);
    const again = await run('unsafe.csv', content);
    expect(again.leads).toEqual(first.leads);
    expect(first.leads).toHaveLength(3);
    // Two ids that differ only in unsafe characters or case stay two leads.
    expect(new Set(first.leads.map((l) => l.leadId)).size).toBe(3);
    for (const lead of first.leads) expect(DatasetLeadSchema.safeParse(lead).success).toBe(true);
    const eventIds = first.leads.flatMap((l) => l.activities.map((a) => a.eventId));
    expect(new Set(eventIds).size).toBe(eventIds.length);
    expect(first.leads[0]!.leadId).toMatch(/^lead-1-web\./);
  });

  it('refuses a lead id that comes twice, naming both lines', async () => {
    await expect(
      run(
        'dup.csv',
        [HEADER, 'p-1,1,India,M,1,,1,0,', 'p-2,1,India,M,1,,1,0,', 'p-1,0,India,M,1,,1,0,'].join('\n'),
      ),
    ).rejects.toThrow(/line 4: lead id "p-1" is also on line 2/);
  });

  it('names leads by row without an id column; recodes values, keeps numbers as numbers, gives activities properties', async () => {
    const bank = MappingSchema.parse({
      outcome: { column: 'y', converted: ['yes'], lost: ['no'] },
      attributes: {
        country: { column: 'country', recode: { 'United States': 'US' } },
        balance: { column: 'balance', type: 'number' },
      },
      activities: [
        { column: 'seconds', type: 'page_view', property: 'seconds', properties: { path: '/pricing' } },
        {
          column: 'last',
          values: {
            'Opened mail': 'email_open',
            'Booked call': { type: 'meeting_booked', properties: { kind: 'call' } },
          },
          properties: { source: 'crm' },
        },
      ],
    });
    const { leads } = await run(
      'bank.csv',
      [
        'country,balance,seconds,last,y',
        'United States,-120,95.5,Booked call,yes',
        'Chile,"1,200",,Opened mail,no',
      ].join('\n'),
      bank,
    );
    expect(leads.map((l) => l.leadId)).toEqual(['row-1', 'row-2']);
    expect(leads[0]).toMatchObject({ attributes: { country: 'US', balance: -120 }, outcome: 'converted' });
    expect(leads[0]!.activities).toEqual([
      expect.objectContaining({ type: 'page_view', properties: { path: '/pricing', seconds: 95.5 } }),
      expect.objectContaining({ type: 'meeting_booked', properties: { source: 'crm', kind: 'call' } }),
    ]);
    expect(leads[1]!.attributes).toEqual({ country: 'Chile', balance: 1200 });
  });

  it('reads Windows-1252 and UTF-16 exports', async () => {
    const row = 'p-1,1,Côte d’Ivoire,Directeur Général,10,,1,0,';
    const latin = await run('latin.csv', Buffer.from([...Buffer.from(`${HEADER}\n`), ...encode1252(row)]));
    expect(latin.report.encoding).toBe('windows-1252');
    expect(latin.leads[0]!.attributes).toMatchObject({
      country: 'Côte d’Ivoire',
      title: 'Directeur Général',
    });
    const utf16 = await run(
      'utf16.csv',
      Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(`${HEADER}\n${row}`, 'utf16le')]),
    );
    expect(utf16.report.encoding).toBe('utf-16le');
    expect(utf16.leads[0]!.attributes).toMatchObject({ country: 'Côte d’Ivoire' });
  });

  it('stops at once, naming the columns, when the mapping does not fit the file', async () => {
    await expect(run('other.csv', 'Id,Status\n1,Won')).rejects.toThrow(MappingError);
    await expect(run('other.csv', 'Id,Status\n1,Won')).rejects.toThrow(
      /no column "Prospect ID", "Converted"/,
    );
    // A typo in afterSale would let a leaky column through: it is an error too.
    const typo = MappingSchema.parse({ ...mapping, afterSale: ['Lead Qualty'] });
    await expect(run('typo.csv', `${HEADER}\np-1,1,India,M,1,,1,0,`, typo)).rejects.toThrow(
      /no column "Lead Qualty"/,
    );
  });
});

/** Windows-1252 bytes of a string (the characters this test uses). */
function encode1252(text: string): number[] {
  const special: Record<string, number> = { '’': 0x92 };
  return [...text].map((c) => special[c] ?? c.charCodeAt(0));
}
