import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { Transform } from 'node:stream';
import { parse as parseCsv } from 'csv-parse';
import * as z from 'zod';
import { ActivityType, LeadId } from '../domain/activity.ts';
import { AttributesSchema } from '../domain/profile.ts';
import { formatPath } from '../model/parse.ts';
import type { DatasetLead } from './dataset.ts';

const Column = z.string().min(1);

/**
 * How a CRM export's columns become leads: which column is the lead id and the outcome, which are profile
 * attributes, and how activity columns (counts such as visits, or a categorical "last activity") become
 * activities. docs/evaluation.md documents it with an example.
 */
export const MappingSchema = z.strictObject({
  leadId: Column,
  outcome: z.strictObject({
    column: Column,
    converted: z.array(z.string()).min(1),
    lost: z.array(z.string()).min(1),
  }),
  attributes: z
    .record(
      z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an attribute name (letters, digits, _)'),
      z.union([Column, z.strictObject({ column: Column, type: z.enum(['text', 'number']).default('text') })]),
    )
    .default({}),
  activities: z
    .array(
      z.union([
        // A count (visits, downloads) or an amount (seconds on site, with per: 60): that many activities.
        z.strictObject({
          column: Column,
          type: ActivityType,
          per: z.number().positive().default(1),
          max: z.number().int().positive().max(1000).default(100),
          properties: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
        }),
        // A category (last activity, lead source): one activity of the type its value names.
        z.strictObject({ column: Column, values: z.record(z.string(), ActivityType) }),
      ]),
    )
    .default([]),
  /** When the activities happened: a column of dates, or one time for all (default: the import's time). */
  occurredAt: z.union([z.strictObject({ column: Column }), z.iso.datetime({ offset: true })]).optional(),
  /** Values that mean "no answer" in this export (forms' defaults, exports' fillers). */
  placeholders: z.array(z.string()).default(['', 'Select', 'N/A', 'NA', 'n/a', 'null', 'NULL', 'None', '-']),
  /**
   * Columns filled in by sales after the lead was taken over (tags, lead quality, notes): they would leak the
   * outcome into the features. Listed here, they are never read, even if an attribute names them.
   */
  afterSale: z.array(Column).default([]),
});
export type Mapping = z.infer<typeof MappingSchema>;

export interface RowProblem {
  line: number;
  reason: string;
}

export interface ImportReport {
  rows: number;
  leads: number;
  problems: RowProblem[];
  encoding: string;
}

const MAX_FIELD_BYTES = 64 * 1024;

/**
 * Reads a CSV export row by row (a million rows stream through in constant memory) and yields a lead per
 * readable row. A row it cannot read is reported with its line and reason and the rest go on: ragged rows,
 * oversized fields, missing ids, unknown outcomes, numbers that are not. The encoding is sniffed: UTF-8 (with or
 * without BOM), UTF-16 with a BOM, else Windows-1252, which every byte sequence decodes as.
 */
export async function* importCsv(
  file: string,
  mapping: Mapping,
  report: ImportReport,
  now: number,
): AsyncGenerator<DatasetLead> {
  report.encoding = await sniffEncoding(file);
  const decoder = new TextDecoder(report.encoding);
  const decode = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      done(null, decoder.decode(chunk, { stream: true }));
    },
    flush(done) {
      done(null, decoder.decode());
    },
  });
  const parser = parseCsv({
    bom: true,
    relax_quotes: true,
    relax_column_count: true,
    max_record_size: MAX_FIELD_BYTES * 4,
    skip_records_with_error: true,
    info: true,
    on_skip: (error) => {
      report.problems.push({
        line: (error as { lines?: number })?.lines ?? 0,
        reason: `unreadable: ${error?.message ?? 'malformed row'}`,
      });
      return undefined;
    },
  });
  createReadStream(file).pipe(decode).pipe(parser);

  const afterSale = new Set(mapping.afterSale);
  const placeholders = new Set(mapping.placeholders.map((p) => p.trim().toLowerCase()));
  let header: string[] | undefined;
  let index = new Map<string, number>();
  const fixedAt = typeof mapping.occurredAt === 'string' ? mapping.occurredAt : new Date(now).toISOString();
  const problem = (line: number, reason: string) => report.problems.push({ line, reason });

  for await (const { record, info } of parser as AsyncIterable<{
    record: string[];
    info: { lines: number };
  }>) {
    const line = info.lines;
    if (!header) {
      header = record.map((h) => h.trim());
      index = new Map(header.map((h, i) => [h, i]));
      const wanted = [
        mapping.leadId,
        mapping.outcome.column,
        ...Object.values(mapping.attributes).map((a) => (typeof a === 'string' ? a : a.column)),
        ...mapping.activities.map((a) => a.column),
        ...(typeof mapping.occurredAt === 'object' ? [mapping.occurredAt.column] : []),
      ];
      const missing = [...new Set(wanted.filter((c) => !index.has(c)))];
      if (missing.length > 0)
        throw new MappingError(
          `the CSV has no column ${missing.map((c) => `"${c}"`).join(', ')} (it has: ${header.join(', ')})`,
        );
      continue;
    }
    report.rows++;
    if (record.length !== header.length) {
      problem(line, `${record.length} fields where the header has ${header.length}`);
      continue;
    }
    const cell = (column: string): string | undefined => {
      if (afterSale.has(column)) return undefined;
      const value = record[index.get(column)!]?.trim();
      return value === undefined || placeholders.has(value.toLowerCase()) ? undefined : value;
    };
    const oversized = record.find((v) => v.length > MAX_FIELD_BYTES);
    if (oversized !== undefined) {
      problem(line, `a field of ${oversized.length} characters (at most ${MAX_FIELD_BYTES})`);
      continue;
    }

    const leadId = LeadId.safeParse(cell(mapping.leadId));
    if (!leadId.success) {
      problem(line, `no usable lead id in "${mapping.leadId}"`);
      continue;
    }
    const outcomeValue = cell(mapping.outcome.column);
    const outcome =
      outcomeValue === undefined
        ? null
        : mapping.outcome.converted.includes(outcomeValue)
          ? 'converted'
          : mapping.outcome.lost.includes(outcomeValue)
            ? 'lost'
            : undefined;
    if (outcome === undefined) {
      problem(
        line,
        `outcome "${outcomeValue}" is neither converted (${mapping.outcome.converted.join(', ')}) nor lost (${mapping.outcome.lost.join(', ')})`,
      );
      continue;
    }

    const attributes: Record<string, string | number> = {};
    let bad = false;
    for (const [name, spec] of Object.entries(mapping.attributes)) {
      const { column, type } = typeof spec === 'string' ? { column: spec, type: 'text' } : spec;
      const value = cell(column);
      if (value === undefined) continue;
      if (type === 'number') {
        const n = toNumber(value);
        if (n === undefined) {
          problem(line, `"${column}" is "${value}", not a number`);
          bad = true;
          break;
        }
        attributes[name] = n;
      } else attributes[name] = value;
    }
    if (bad) continue;
    const validAttributes = AttributesSchema.safeParse(attributes);
    if (!validAttributes.success) {
      problem(
        line,
        validAttributes.error.issues.map((i) => `${formatPath(i.path)}: ${i.message}`).join('; '),
      );
      continue;
    }

    let occurredAt = fixedAt;
    if (typeof mapping.occurredAt === 'object') {
      const value = cell(mapping.occurredAt.column);
      const t = value === undefined ? Number.NaN : Date.parse(value);
      if (Number.isNaN(t)) {
        problem(
          line,
          `"${mapping.occurredAt.column}" is ${value === undefined ? 'blank' : `"${value}"`}, not a date`,
        );
        continue;
      }
      occurredAt = new Date(t).toISOString();
    }
    const activities: DatasetLead['activities'] = [];
    for (const spec of mapping.activities) {
      const value = cell(spec.column);
      if (value === undefined) continue;
      if ('values' in spec) {
        const type = spec.values[value];
        if (type)
          activities.push({
            eventId: `${leadId.data}:${spec.column}:${value}`.slice(0, 128),
            leadId: leadId.data,
            type,
            occurredAt,
          });
        continue;
      }
      const n = toNumber(value);
      if (n === undefined || n < 0) {
        problem(line, `"${spec.column}" is "${value}", not a count`);
        bad = true;
        break;
      }
      const count = Math.min(spec.max, Math.floor(n / spec.per));
      for (let i = 0; i < count; i++)
        activities.push({
          eventId: `${leadId.data}:${spec.column}:${i}`.slice(0, 128),
          leadId: leadId.data,
          type: spec.type,
          occurredAt,
          ...(spec.properties && { properties: spec.properties }),
        });
    }
    if (bad) continue;
    report.leads++;
    yield { leadId: leadId.data, attributes: validAttributes.data, activities, outcome };
  }
}

export class MappingError extends Error {
  override name = 'MappingError';
}

/** "1,234.5", "1234", "12 " → numbers; anything else is not one. */
function toNumber(text: string): number | undefined {
  const cleaned = text.replace(/,(?=\d{3}\b)/g, '');
  if (!/^-?\d+(\.\d+)?$/.test(cleaned)) return undefined;
  return Number(cleaned);
}

async function sniffEncoding(file: string): Promise<string> {
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.alloc(64 * 1024);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    const head = buffer.subarray(0, bytesRead);
    if (head[0] === 0xff && head[1] === 0xfe) return 'utf-16le';
    if (head[0] === 0xfe && head[1] === 0xff) return 'utf-16be';
    try {
      // A multi-byte character cut at the end of the sample is not an error: decode as a stream.
      new TextDecoder('utf-8', { fatal: true }).decode(head, { stream: true });
      return 'utf-8';
    } catch {
      return 'windows-1252';
    }
  } finally {
    await handle.close();
  }
}
