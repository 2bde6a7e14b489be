import { createWriteStream, readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { type ImportReport, importCsv, MappingError, MappingSchema } from '../shared/evaluation/import.ts';
import { formatPath } from '../shared/model/parse.ts';
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

Rows it cannot read are reported with their line and reason; the rest go on.`,
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
    let mappingText: string;
    try {
      mappingText = readFileSync(values.mapping, 'utf8');
    } catch {
      throw new InputError(`cannot read ${values.mapping}`);
    }
    const mapping = MappingSchema.safeParse(parseYaml(mappingText));
    if (!mapping.success)
      throw new InputError(
        `${values.mapping}: ${mapping.error.issues.map((i) => `${formatPath(i.path) || '(document)'}: ${i.message}`).join('; ')}`,
      );
    const out = values.out ? createWriteStream(values.out) : undefined;
    const target = values.load ? targetOf({ dataDir: values['data-dir'] }) : undefined;
    const report: ImportReport = { rows: 0, leads: 0, problems: [], encoding: '' };
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
      if (error instanceof MappingError) throw new InputError(`${values.data}: ${error.message}`);
      throw error;
    } finally {
      target?.client.destroy();
      if (out) await new Promise<void>((done) => out.end(() => done()));
    }
    for (const p of report.problems.slice(0, 20)) console.error(`${values.data}:${p.line}: ${p.reason}`);
    if (report.problems.length > 20)
      console.error(`... and ${report.problems.length - 20} more rows skipped`);
    console.log(
      `${report.leads} leads from ${report.rows} rows (${report.encoding}); ${report.problems.length} rows skipped${values.out ? `; written to ${values.out}` : ''}${target ? `; loaded into ${target.where}` : ''}`,
    );
    return 0;
  },
};
