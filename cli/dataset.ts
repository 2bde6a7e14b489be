import { type DatasetLead, DatasetLeadSchema, MAX_SKIPPED_SHARE } from '../shared/evaluation/dataset.ts';
import { LeadDirectory } from '../shared/store/leads.ts';
import { Ledger, type Source } from '../shared/store/ledger.ts';
import { InputError } from './main.ts';
import { type LineProblem, readNdjson, reportProblems } from './ndjson.ts';
import type { Target } from './target.ts';

/**
 * A dataset file (NDJSON, one lead a line) as a source that streams it afresh on each pass, so no command holds
 * the whole file. The first pass reports bad lines on stderr and fails, with exit 1, when more than
 * MAX_SKIPPED_SHARE of the lines are bad or a lead id comes twice: figures from what is left would describe
 * another population.
 */
export function datasetFile(file: string): () => AsyncIterable<DatasetLead> {
  let checked = false;
  return async function* () {
    const problems: LineProblem[] = [];
    const ids = checked ? undefined : new Map<string, number>();
    let lines = 0;
    for await (const lead of readNdjson(file, DatasetLeadSchema, problems, (n) => {
      lines = n;
    })) {
      if (ids) {
        const first = ids.get(lead.leadId);
        if (first !== undefined)
          throw new InputError(`${file}:${lines}: lead id "${lead.leadId}" is also on line ${first}`);
        ids.set(lead.leadId, lines);
      }
      yield lead;
    }
    if (checked) return;
    checked = true;
    reportProblems(file, problems);
    if (problems.length > MAX_SKIPPED_SHARE * lines)
      throw new InputError(
        `${file}: ${problems.length} of ${lines} lines skipped, more than ${MAX_SKIPPED_SHARE * 100} %: the figures would describe the few leads left, not the export`,
      );
  };
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
