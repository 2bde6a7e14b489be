import { createWriteStream, readFileSync, renameSync, rmSync } from 'node:fs';
import { parse as parseYaml, YAMLError } from 'yaml';
import { formatPath } from '../shared/domain/path.ts';
import { MAX_SKIPPED_SHARE } from '../shared/evaluation/dataset.ts';
import { emptyReport, importCsv, MappingError, MappingSchema } from '../shared/evaluation/import.ts';
import { parse } from './args.ts';
import { leadWriter } from './dataset.ts';
import { type Command, InputError, UsageError } from './main.ts';
import { targetOf } from './target.ts';

export const runImport: Command = {
  summary: 'Import a CRM export (CSV) as leads, activities and outcomes, by a mapping file',
  usage: `Usage: leadscore import --data <file.csv> --mapping <mapping.yaml> [--out <file.ndjson>] [--load [--data-dir <dir>]]

  --data     the CSV export (any column names; UTF-8, UTF-16 with BOM or Windows-1252)
  --mapping  which column is what: lead id, outcome, attributes, activity columns (docs/evaluation.md)
  --out      write the leads as NDJSON, for evaluate and train
  --load     also load them into the running local runtime (profiles, activities, outcomes), where they
             are scored like any other lead

Rows it cannot read are reported with their line and reason and skipped; a field it cannot read is dropped
and the lead kept. Exits 1 when more than ${MAX_SKIPPED_SHARE * 100} % of the rows are skipped, or a lead id is repeated.`,
  async run(args) {
    const { values } = parse(args, {
      data: { type: 'string' },
      mapping: { type: 'string' },
      out: { type: 'string' },
      load: { type: 'boolean' },
      'data-dir': { type: 'string' },
    });
    if (!values.data || !values.mapping) throw new UsageError('--data and --mapping are required');
    if (!values.out && !values.load)
      throw new UsageError('say where the leads go: --out <file>, --load, or both');
    const mapping = MappingSchema.safeParse(readYaml(values.mapping));
    if (!mapping.success)
      throw new InputError(
        `${values.mapping}: ${mapping.error.issues.map((i) => `${formatPath(i.path) || '(document)'}: ${i.message}`).join('; ')}`,
      );
    // Written beside the target and renamed at the end, so a failed import leaves no half file behind.
    const partial = values.out && `${values.out}.partial`;
    const out = partial ? createWriteStream(partial) : undefined;
    const target = values.load ? targetOf({ dataDir: values['data-dir'] }) : undefined;
    const report = emptyReport();
    const now = Date.now();
    const write = target && leadWriter(target, { source: 'import', outcomeId: 'import' }, now);
    const started = Date.now();
    try {
      for await (const lead of importCsv(values.data, mapping.data, report, now)) {
        if (out && !out.write(`${JSON.stringify(lead)}\n`))
          await new Promise<void>((r) => out.once('drain', () => r()));
        await write?.(lead);
        if (report.leads % 10_000 === 0)
          process.stderr.write(
            `  ${report.leads.toLocaleString('en-US')} leads (${Math.round(report.rows / ((Date.now() - started) / 1000 || 1)).toLocaleString('en-US')} rows/s)\n`,
          );
      }
    } catch (error) {
      if (partial) rmSync(partial, { force: true });
      if (error instanceof MappingError) throw new InputError(`${values.data}: ${error.message}`);
      throw error;
    } finally {
      target?.client.destroy();
      if (out) await new Promise<void>((done) => out.end(() => done()));
    }
    if (partial && values.out) renameSync(partial, values.out);
    for (const p of report.problems.slice(0, 20)) console.error(`${values.data}:${p.line}: ${p.reason}`);
    const more = report.skipped + report.droppedFields - Math.min(20, report.problems.length);
    if (more > 0) console.error(`... and ${more} more problems`);
    console.log(
      `${report.leads} leads from ${report.rows} rows (${report.encoding}); ${report.skipped} rows skipped, ${report.droppedFields} fields dropped${values.out ? `; written to ${values.out}` : ''}${target ? `; loaded into ${target.where}` : ''}`,
    );
    if (report.skipped > MAX_SKIPPED_SHARE * report.rows) {
      console.error(
        `leadscore import: ${report.skipped} of ${report.rows} rows skipped, more than ${MAX_SKIPPED_SHARE * 100} %: check the mapping against the problems above`,
      );
      return 1;
    }
    return 0;
  },
};

/** A YAML file, or one line saying where it is wrong (not a stack trace). */
export function readYaml(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new InputError(`cannot read ${file}`);
  }
  try {
    return parseYaml(text);
  } catch (error) {
    if (!(error instanceof YAMLError)) throw error;
    const at = error.linePos?.[0];
    const message = error.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
    throw new InputError(`${file}${at ? `:${at.line}:${at.col}` : ''}: ${message}`);
  }
}
