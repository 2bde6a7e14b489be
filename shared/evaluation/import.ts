import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { Transform } from 'node:stream';
import { parse as parseCsv } from 'csv-parse';
import * as z from 'zod';
import { ActivityType } from '../domain/activity.ts';
import { AttributesSchema } from '../domain/profile.ts';
import { fnv1a } from '../engine/hash.ts';
import type { DatasetLead } from './dataset.ts';

const Column = z.string().min(1);
const PropertyValues = z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]));

/**
 * How a CRM export's columns become leads: which column is the lead id and the outcome, which are profile
 * attributes, and how activity columns (counts such as visits, or a categorical "last activity") become
 * activities. docs/evaluation.md documents it with an example.
 */
export const MappingSchema = z.strictObject({
  /** Without one, each lead is named by its row: row-1 for the first data row. */
  leadId: Column.optional(),
  outcome: z.strictObject({
    column: Column,
    converted: z.array(z.string()).min(1),
    lost: z.array(z.string()).min(1),
  }),
  attributes: z
    .record(
      z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an attribute name (letters, digits, _)'),
      z.union([
        Column,
        z.strictObject({
          column: Column,
          type: z.enum(['text', 'number']).default('text'),
          /** Values written another way in the export: "United States" to "US". Unlisted values pass as they are. */
          recode: z.record(z.string(), z.string()).optional(),
        }),
      ]),
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
          properties: PropertyValues.optional(),
        }),
        // A number kept as a number: one activity carrying it as the property named by `property`.
        z.strictObject({
          column: Column,
          type: ActivityType,
          property: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a property name'),
          properties: PropertyValues.optional(),
        }),
        // A category (last activity, lead source): one activity of the type its value names, with properties.
        z.strictObject({
          column: Column,
          values: z.record(
            z.string(),
            z.union([
              ActivityType,
              z.strictObject({ type: ActivityType, properties: PropertyValues.optional() }),
            ]),
          ),
          properties: PropertyValues.optional(),
        }),
      ]),
    )
    .default([]),
  /** When the activities happened: a column of dates, or one time for all (default: the import's time). */
  occurredAt: z.union([z.strictObject({ column: Column }), z.iso.datetime({ offset: true })]).optional(),
  /** Values that mean "no answer" in this export (forms' defaults, exports' fillers). */
  placeholders: z.array(z.string()).default(['', 'Select', 'N/A', 'NA', 'n/a', 'null', 'NULL', 'None', '-']),
  /**
   * Columns filled in by sales after the lead was taken over (tags, lead quality, notes): they would leak the
   * outcome into the features. Listed here, they are never read, even if an attribute names them. Each must be
   * a column of the export, so a typo cannot let a leaky column through.
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
  /** Rows that gave no lead. */
  skipped: number;
  /** Fields dropped from leads that were kept (a number that is not, a date that is not). */
  droppedFields: number;
  /** The first problems, with their line (at most MAX_PROBLEMS; the counts above are complete). */
  problems: RowProblem[];
  encoding: string;
}

export const emptyReport = (): ImportReport => ({
  rows: 0,
  leads: 0,
  skipped: 0,
  droppedFields: 0,
  problems: [],
  encoding: '',
});

const MAX_FIELD_BYTES = 64 * 1024;
const MAX_PROBLEMS = 1000;
const SAFE_ID = /^[A-Za-z0-9][A-Za-z0-9._:@+-]{0,127}$/;

/**
 * Reads a CSV export row by row (a million rows stream through in constant memory, but for the set of lead ids
 * that finds duplicates) and yields a lead per readable row. A row that cannot give a lead (ragged, oversized, no
 * id) is skipped; a field that cannot be read (a number that is not) is dropped and the lead kept. Both are
 * reported with their line. Ids are made safe for the API deterministically, so the same file always gives the
 * same ids. The encoding is sniffed: UTF-8 (with or without BOM), UTF-16 with a BOM, else Windows-1252, which
 * every byte sequence decodes as.
 */
export async function* importCsv(
  file: string,
  mapping: Mapping,
  report: ImportReport,
  now: number,
): AsyncGenerator<DatasetLead> {
  report.encoding = await sniffEncoding(file).catch((error: NodeJS.ErrnoException) => {
    throw new MappingError(error.code === 'ENOENT' ? 'no such file' : error.message);
  });
  const decoder = new TextDecoder(report.encoding);
  const decode = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      done(null, decoder.decode(chunk, { stream: true }));
    },
    flush(done) {
      done(null, decoder.decode());
    },
  });
  const problem = (line: number, reason: string) => {
    if (report.problems.length < MAX_PROBLEMS) report.problems.push({ line, reason });
  };
  const parser = parseCsv({
    bom: true,
    relax_quotes: true,
    relax_column_count: true,
    max_record_size: MAX_FIELD_BYTES * 4,
    skip_records_with_error: true,
    info: true,
    on_skip: (error) => {
      report.rows++;
      report.skipped++;
      problem((error as { lines?: number })?.lines ?? 0, `unreadable: ${error?.message ?? 'malformed row'}`);
      return undefined;
    },
  });
  const input = createReadStream(file);
  input.on('error', (error) => parser.destroy(error));
  input.pipe(decode).pipe(parser);

  const afterSale = new Set(mapping.afterSale);
  const placeholders = new Set(mapping.placeholders.map((p) => p.trim().toLowerCase()));
  const slugs = columnSlugs(mapping);
  const firstLine = new Map<string, number>();
  let header: string[] | undefined;
  let index = new Map<string, number>();
  const fixedAt = typeof mapping.occurredAt === 'string' ? mapping.occurredAt : new Date(now).toISOString();

  const records = parser as AsyncIterable<{ record: string[]; info: { lines: number } }>;
  try {
    for await (const { record, info } of records) {
      const line = info.lines;
      if (!header) {
        header = record.map((h) => h.trim());
        index = new Map(header.map((h, i) => [h, i]));
        checkColumns(mapping, index, header);
        continue;
      }
      report.rows++;
      const lead = toLead(record, line);
      if (lead === undefined) {
        report.skipped++;
        continue;
      }
      const seenOn = firstLine.get(lead.leadId);
      if (seenOn !== undefined)
        throw new MappingError(
          `line ${line}: lead id "${lead.leadId}" is also on line ${seenOn}; each lead must be one row (map another id column, or leave leadId out to name leads by row)`,
        );
      firstLine.set(lead.leadId, line);
      report.leads++;
      yield lead;
    }
  } catch (error) {
    if (error instanceof MappingError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new MappingError(
      code === 'ENOENT'
        ? 'no such file'
        : `line ${report.rows + 1}: ${(error as Error).message.split('\n')[0]}`,
    );
  }

  function toLead(record: string[], line: number): DatasetLead | undefined {
    if (record.length !== header!.length) {
      problem(line, `${record.length} fields where the header has ${header!.length}`);
      return undefined;
    }
    const oversized = record.find((v) => v.length > MAX_FIELD_BYTES);
    if (oversized !== undefined) {
      problem(line, `a field of ${oversized.length} characters (at most ${MAX_FIELD_BYTES})`);
      return undefined;
    }
    const cell = (column: string): string | undefined => {
      if (afterSale.has(column)) return undefined;
      const value = record[index.get(column)!]?.trim();
      return value === undefined || placeholders.has(value.toLowerCase()) ? undefined : value;
    };
    const drop = (column: string, reason: string) => {
      report.droppedFields++;
      problem(line, `"${column}" ${reason}: field dropped`);
    };

    const rawId = mapping.leadId === undefined ? `row-${report.rows}` : cell(mapping.leadId);
    if (rawId === undefined) {
      problem(line, `no lead id in "${mapping.leadId}"`);
      return undefined;
    }
    const leadId = safeId(rawId);

    const outcomeValue = cell(mapping.outcome.column);
    let outcome: DatasetLead['outcome'] = null;
    if (outcomeValue !== undefined) {
      if (mapping.outcome.converted.includes(outcomeValue)) outcome = 'converted';
      else if (mapping.outcome.lost.includes(outcomeValue)) outcome = 'lost';
      else
        drop(
          mapping.outcome.column,
          `is "${outcomeValue}", neither converted (${mapping.outcome.converted.join(', ')}) nor lost (${mapping.outcome.lost.join(', ')})`,
        );
    }

    const attributes: Record<string, string | number> = {};
    for (const [name, spec] of Object.entries(mapping.attributes)) {
      const { column, type, recode } =
        typeof spec === 'string' ? { column: spec, type: 'text', recode: undefined } : spec;
      const raw = cell(column);
      if (raw === undefined) continue;
      const text = recode?.[raw] ?? raw;
      const value = type === 'number' ? toNumber(text) : text;
      if (value === undefined) {
        drop(column, `is "${text}", not a number`);
        continue;
      }
      // Known attributes have rules of their own (an e-mail address, a whole number of employees).
      const checked = AttributesSchema.safeParse({ [name]: value });
      if (checked.success) attributes[name] = value;
      else drop(column, `is "${text}": ${checked.error.issues.map((i) => i.message).join('; ')}`);
    }

    let occurredAt = fixedAt;
    if (typeof mapping.occurredAt === 'object') {
      const value = cell(mapping.occurredAt.column);
      const t = value === undefined ? Number.NaN : Date.parse(value);
      if (Number.isNaN(t)) {
        // Activities need a time; without one, the row's activities would be invented: skip the lead.
        problem(
          line,
          `"${mapping.occurredAt.column}" is ${value === undefined ? 'blank' : `"${value}"`}, not a date`,
        );
        return undefined;
      }
      occurredAt = new Date(t).toISOString();
    }

    const activities: DatasetLead['activities'] = [];
    const add = (slug: string, position: string, type: string, properties?: Record<string, unknown>) =>
      activities.push({
        eventId: eventId(leadId, slug, position),
        leadId,
        type,
        occurredAt,
        ...(properties && Object.keys(properties).length > 0 && { properties: properties as never }),
      });
    mapping.activities.forEach((spec, s) => {
      const value = cell(spec.column);
      if (value === undefined) return;
      const slug = slugs[s]!;
      if ('values' in spec) {
        const target = spec.values[value];
        if (target === undefined) return;
        const { type, properties } = typeof target === 'string' ? { type: target, properties: {} } : target;
        add(slug, safeSlug(value), type, { ...spec.properties, ...properties });
        return;
      }
      const n = toNumber(value);
      if ('property' in spec) {
        if (n === undefined) drop(spec.column, `is "${value}", not a number`);
        else add(slug, '0', spec.type, { ...spec.properties, [spec.property]: n });
        return;
      }
      if (n === undefined || n < 0) {
        drop(spec.column, `is "${value}", not a count`);
        return;
      }
      const count = Math.min(spec.max, Math.floor(n / spec.per));
      for (let i = 0; i < count; i++) add(slug, String(i), spec.type, spec.properties);
    });
    return { leadId, attributes: attributes as DatasetLead['attributes'] & object, activities, outcome };
  }
}

/** Every column the mapping names must be in the header, the after-sale ones too (a typo there would leak). */
function checkColumns(mapping: Mapping, index: Map<string, number>, header: string[]): void {
  const wanted = [
    ...(mapping.leadId === undefined ? [] : [mapping.leadId]),
    mapping.outcome.column,
    ...Object.values(mapping.attributes).map((a) => (typeof a === 'string' ? a : a.column)),
    ...mapping.activities.map((a) => a.column),
    ...(typeof mapping.occurredAt === 'object' ? [mapping.occurredAt.column] : []),
    ...mapping.afterSale,
  ];
  const missing = [...new Set(wanted.filter((c) => !index.has(c)))];
  if (missing.length > 0)
    throw new MappingError(
      `the CSV has no column ${missing.map((c) => `"${c}"`).join(', ')} (it has: ${header.join(', ')})`,
    );
}

/**
 * An id the API accepts, from any text: kept as it is when already safe; otherwise unsafe characters become "-"
 * and a hash of the original is appended, so two different texts never become one id.
 */
export function safeId(text: string): string {
  if (SAFE_ID.test(text)) return text;
  const slug = safeSlug(text).slice(0, 110);
  return `${slug || 'id'}.${hash64(text)}`;
}

/** Letters, digits and "-" only, lower case: "Total Time Spent" to "total-time-spent". */
function safeSlug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40);
}

/** The lead, the column and the position: stable across imports, so loading a file twice adds nothing. */
function eventId(leadId: string, slug: string, position: string): string {
  const id = `${leadId}:${slug}:${position || 'x'}`;
  return id.length <= 128 ? id : `${leadId.slice(0, 100)}:${hash64(id)}`;
}

/** One slug per activity column; two columns that slug alike are told apart by their position in the mapping. */
function columnSlugs(mapping: Mapping): string[] {
  const slugs = mapping.activities.map((a) => safeSlug(a.column) || 'column');
  return slugs.map((s, i) => (slugs.indexOf(s) === i && slugs.lastIndexOf(s) === i ? s : `${s}-${i + 1}`));
}

/** 64 bits of hash in base 36: two FNV-1a runs with different starts. */
function hash64(text: string): string {
  return fnv1a(text).toString(36) + fnv1a(`~${text}`).toString(36);
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
