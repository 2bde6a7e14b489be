import { type DatasetLead, DatasetLeadSchema } from '../shared/evaluation/dataset.ts';
import { LeadDirectory } from '../shared/store/leads.ts';
import { Ledger, type Source } from '../shared/store/ledger.ts';
import { type LineProblem, readNdjson, reportProblems } from './ndjson.ts';
import type { Target } from './target.ts';

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

/**
 * Writes leads into a target's tables as ingestion would: the profile, each activity into the ledger (where the
 * stream handlers score it), and the outcome, if any, as of `now`.
 */
export function leadWriter(target: Target, ids: { source: Source; outcomeId: string }, now: number) {
  const ledger = new Ledger(target.client, target.tables, 400);
  const directory = new LeadDirectory(target.client, target.tables);
  return async (lead: DatasetLead): Promise<void> => {
    if (lead.attributes && Object.keys(lead.attributes).length > 0)
      await directory.setAttributes(lead.leadId, lead.attributes, now);
    for (const activity of lead.activities)
      await ledger.record({ kind: 'lead', id: lead.leadId }, activity, ids.source, now);
    if (lead.outcome)
      await directory.addOutcome(lead.leadId, {
        outcomeId: ids.outcomeId,
        outcome: lead.outcome,
        occurredAt: new Date(now).toISOString(),
      });
  };
}
