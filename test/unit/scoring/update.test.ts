import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildState, decodeState, encodeState } from '../../../shared/engine/index.ts';
import { compileModel } from '../../../shared/model/compile.ts';
import { parseModel } from '../../../shared/model/parse.ts';
import { needsLedgerFor, needsRebuild, scoreActivities } from '../../../shared/scoring/update.ts';

function model(source: string) {
  const parsed = parseModel(source);
  if (!parsed.ok) throw new Error('invalid model');
  return compileModel(parsed.model);
}
const DEFAULT = readFileSync('models/default.yaml', 'utf8');
const v1 = model(DEFAULT);
const NOW = Date.parse('2026-11-30T00:00:00Z');
const webinar = { eventId: 'w1', type: 'webinar_attended', occurredAt: '2026-11-29T10:00:00.000Z' };
const view = {
  eventId: 'v1',
  type: 'page_view',
  occurredAt: '2026-11-29T11:00:00.000Z',
  properties: { path: '/' },
};

describe('scoreActivities, folding into a state rebuilt from the ledger', () => {
  it('rescores a score stored by another version of the model', () => {
    // Prepare: a score under v1; v2 of the same model puts warm at 10.
    const stored = scoreActivities(v1, 'lead-1', undefined, undefined, [webinar], NOW)!.item;
    const v2 = model(DEFAULT.replace('version: 1', 'version: 2').replace('min: 25', 'min: 10'));
    expect(needsRebuild(v2, stored)).toBe(true);

    // Act
    const write = scoreActivities(v2, 'lead-1', undefined, stored, [], NOW, {
      state: buildState(v2, [webinar]),
      for: 'model',
    });

    // Assess
    expect(write?.item).toMatchObject({ band: 'warm', fingerprint: v2.fingerprint, rev: stored.rev + 1 });
    expect(write?.item.cause.kind).toBe('rescore');
    expect(decodeState(v2, write!.item.state).entries).toHaveLength(1);
  });

  it('writes nothing for a redelivered event the stored state could not tell from the one it has', () => {
    // Prepare: the view stored alone at its instant, so with no event hash.
    const stored = scoreActivities(v1, 'lead-2', undefined, undefined, [webinar, view], NOW)!.item;
    expect(needsLedgerFor(v1, stored, [view])).toBe(true);
    expect(needsLedgerFor(v1, stored, [{ ...view, occurredAt: '2026-11-29T11:00:00.001Z' }])).toBe(false);

    // Act: the view again, folded into the state the ledger rebuilds.
    const again = scoreActivities(v1, 'lead-2', undefined, stored, [view], NOW, {
      state: buildState(v1, [webinar, view]),
      for: 'arrivals',
    });
    // A second view in the same millisecond, which the ledger also holds.
    const second = { ...view, eventId: 'v2' };
    const more = scoreActivities(v1, 'lead-2', undefined, stored, [second], NOW, {
      state: buildState(v1, [webinar, view, second]),
      for: 'arrivals',
    });

    // Assess
    expect(again).toBeUndefined();
    expect(more?.item.cause).toEqual({ kind: 'activity', eventIds: ['v2'] });
    expect(Buffer.from(more!.item.state)).not.toEqual(
      Buffer.from(encodeState(v1, buildState(v1, [webinar, view]))),
    );
    expect(
      decodeState(v1, more!.item.state).entries.filter((e) => e.t === Date.parse(view.occurredAt)),
    ).toHaveLength(2);
  });
});
