import { type DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { type CompiledModel, compileModel } from '../model/compile.ts';
import { validateModel } from '../model/parse.ts';
import { emptyReport, type RescoreReport, tallyDryRun } from '../scoring/rescore.ts';
import type { Ledger, LedgerItem } from '../store/ledger.ts';
import type { ScoreStore } from '../store/scores.ts';
import type { TableNames } from '../store/tables.ts';

/** What POST /v1/models/dry-run hands the worker: the validated model document, as JSON text (any depth fits). */
export const DryRunRequest = z.object({ model: z.string() });

/** The model a dry run's request proposes, compiled; validated again, as it was when the job was started. */
export function proposedModel(request: unknown): CompiledModel {
  const validated = validateModel(JSON.parse(DryRunRequest.parse(request).model));
  if (!validated.ok) throw new Error('the model is no longer valid');
  return compileModel(validated.model);
}

/** Parallel scan segments of the ledger: each is read page by page, all at once. */
export const SEGMENTS = 8;

/**
 * Where one segment's scan stands. A scan returns a key's items together, so a lead is in one segment only, but
 * its items may run over the end of a page: such a lead is read whole by one query, and its items at the start
 * of the next page are skipped.
 */
export interface SegmentCursor {
  startKey?: Record<string, unknown>;
  skipPk?: string;
  done: boolean;
}

/** A dry run's progress as its job saves it: first the leads are counted (keys only), then replayed. */
export interface DryRunState {
  phase: 'count' | 'replay';
  segments: SegmentCursor[];
  counted: number;
  report: RescoreReport;
}

export function startDryRun(model: CompiledModel): DryRunState {
  return { phase: 'count', segments: fresh(), counted: 0, report: emptyReport(model, true) };
}

/** Leads replayed of leads counted; nothing is known to be done until counting is over. */
export function dryRunProgress(state: DryRunState): { done: number; total?: number } {
  return state.phase === 'count' ? { done: 0 } : { done: state.report.leads, total: state.counted };
}

const fresh = (): SegmentCursor[] => Array.from({ length: SEGMENTS }, () => ({ done: false }));

export interface DryRunParts {
  client: DynamoDBDocumentClient;
  tables: TableNames;
  ledger: Pick<Ledger, 'activitiesOf'>;
  scores: Pick<ScoreStore, 'contexts'>;
  model: CompiledModel;
  /** The time the dry run scores as of: the job's, the same in every invocation. */
  now: number;
  /** False once the invocation should stop taking pages. */
  more: () => boolean;
  /** Called after each page, to save progress now and then: take a copy of the state before any await. */
  saved: () => Promise<void>;
  /** Items per scan page; default: DynamoDB's 1 MB pages. */
  pageSize?: number;
}

/**
 * Replays the ledger through a proposed model, as far as time allows, updating `state` in place. Reads every
 * activity once, by parallel scan, grouped by lead (not one query per lead), and each page's stored scores and
 * profiles in batch reads. True when the whole ledger has been replayed.
 */
export async function continueDryRun(state: DryRunState, parts: DryRunParts): Promise<boolean> {
  if (state.phase === 'count') {
    await eachSegment(state, parts, 'pk', async (groups) => () => {
      state.counted += groups.length;
    });
    if (!state.segments.every((s) => s.done)) return false;
    state.phase = 'replay';
    state.segments = fresh();
    await parts.saved();
  }
  await eachSegment(state, parts, undefined, async (groups) => {
    const contexts = await parts.scores.contexts(
      groups.map((g) => g.leadId),
      [parts.model.id],
    );
    return () => {
      for (const group of groups) {
        state.report.leads++;
        tallyDryRun(state.report, parts.model, group.items, contexts.get(group.leadId)!, parts.now);
      }
    };
  });
  return state.segments.every((s) => s.done);
}

interface LeadGroup {
  leadId: string;
  items: LedgerItem[];
}

/**
 * Reads each segment page by page; `onPage` reads what it needs and returns what to count, which is applied with
 * the segment's cursor in one synchronous step: whenever `saved` is called, no segment is half-way through a page.
 */
async function eachSegment(
  state: DryRunState,
  parts: DryRunParts,
  projection: string | undefined,
  onPage: (groups: LeadGroup[]) => Promise<() => void>,
): Promise<void> {
  await Promise.all(
    state.segments.map(async (cursor, segment) => {
      while (!cursor.done && parts.more()) {
        const page = await parts.client.send(
          new ScanCommand({
            TableName: parts.tables.activities,
            Segment: segment,
            TotalSegments: state.segments.length,
            ...(projection && { ProjectionExpression: projection }),
            ...(parts.pageSize && { Limit: parts.pageSize }),
            ...(cursor.startKey && { ExclusiveStartKey: cursor.startKey }),
          }),
        );
        const all = (page.Items ?? []) as LedgerItem[];
        const items = all.filter((i) => i.pk !== cursor.skipPk);
        const groups: LeadGroup[] = [];
        for (const item of items) {
          if (!item.pk.startsWith('LEAD#')) continue; // anonymous visitors have no score to change
          const last = groups.at(-1);
          if (last && `LEAD#${last.leadId}` === item.pk) last.items.push(item);
          else groups.push({ leadId: item.pk.slice('LEAD#'.length), items: [item] });
        }
        // The page's last lead may go on in the next page: take it whole now, and skip the rest of it there.
        const tail = page.LastEvaluatedKey ? all.at(-1)?.pk : undefined;
        const last = groups.at(-1);
        if (tail && last && `LEAD#${last.leadId}` === tail && !projection)
          last.items = await parts.ledger.activitiesOf({ kind: 'lead', id: last.leadId });
        const apply = await onPage(groups);
        apply();
        cursor.startKey = page.LastEvaluatedKey;
        cursor.skipPk = tail;
        cursor.done = !page.LastEvaluatedKey;
        await parts.saved();
      }
    }),
  );
}
