import { type DatasetLead, DatasetLeadSchema } from '../shared/evaluation/dataset.ts';
import { type LineProblem, readNdjson, reportProblems } from './ndjson.ts';

/** Reads a dataset (NDJSON, one lead a line) into memory, reporting bad lines, with progress on stderr. */
export async function readDataset(file: string): Promise<DatasetLead[]> {
  const problems: LineProblem[] = [];
  const leads: DatasetLead[] = [];
  const started = Date.now();
  for await (const lead of readNdjson(file, DatasetLeadSchema, problems)) {
    leads.push(lead);
    if (leads.length % 50_000 === 0)
      process.stderr.write(
        `  read ${leads.length.toLocaleString('en-US')} leads (${Math.round((Date.now() - started) / 1000)} s)\n`,
      );
  }
  reportProblems(file, problems);
  return leads;
}

/** Progress lines on stderr for long runs: every `every` leads, with the rate. */
export function progress(what: string, every = 50_000) {
  const started = Date.now();
  return (done: number) => {
    if (done % every !== 0) return;
    const seconds = (Date.now() - started) / 1000 || 1;
    process.stderr.write(
      `  ${what} ${done.toLocaleString('en-US')} leads (${Math.round(done / seconds).toLocaleString('en-US')}/s)\n`,
    );
  };
}
