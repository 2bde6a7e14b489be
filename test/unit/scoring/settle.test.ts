import { describe, expect, it } from 'vitest';
import { mayBeMergedAway, settleLead } from '../../../shared/scoring/settle.ts';
import type { Resolution } from '../../../shared/store/ledger.ts';

const HOUR = 3_600_000;

/** The ledger's identity answers for one lead, counting the strong reads scoring makes. */
function ledgerWhere(answer: () => Resolution) {
  const calls = { resolve: 0, moved: [] as string[], erased: 0 };
  return {
    calls,
    ledger: {
      async resolve(subjects: { kind: 'lead' | 'anonymous'; id: string }[], consistent?: boolean) {
        expect(consistent).toBe(true);
        calls.resolve++;
        return new Map(subjects.map((s) => [`LEAD#${s.id}`, answer()]));
      },
      async move(_from: unknown, to: string) {
        calls.moved.push(to);
        return 1;
      },
      async erase() {
        calls.erased++;
        return 1;
      },
    },
  };
}

describe('settling a lead a tracking hit named', () => {
  it('a lead may have been merged away when it has markers, or neither a profile nor a score', () => {
    const none = new Map();
    expect(mayBeMergedAway({ merged: true, scores: none, attributes: { title: 'VP' } })).toBe(true);
    expect(mayBeMergedAway({ merged: false, scores: none, attributes: undefined })).toBe(true);
    expect(mayBeMergedAway({ merged: false, scores: none, attributes: { title: 'VP' } })).toBe(false);
    expect(
      mayBeMergedAway({ merged: false, scores: new Map([['default', {} as never]]), attributes: undefined }),
    ).toBe(false);
  });

  it('remembers a lead found to be itself for less than a day, unless its markers say it was merged since', async () => {
    let answer: Resolution = { kind: 'lead', id: 'crawled' };
    const { calls, ledger } = ledgerWhere(() => answer);
    const context = { leadId: 'crawled', merged: false };
    const t0 = Date.UTC(2026, 10, 30);

    expect(await settleLead(ledger, context, t0)).toBe('self');
    expect(await settleLead(ledger, context, t0 + 19 * HOUR)).toBe('self');
    expect(calls.resolve).toBe(1);

    // Merged meanwhile: its markers make scoring read again, and the hit moves on.
    answer = { kind: 'lead', id: 'survivor' };
    expect(await settleLead(ledger, { ...context, merged: true }, t0 + 19 * HOUR)).toBe('away');
    expect(calls.moved).toEqual(['survivor']);
    expect(calls.resolve).toBe(2);
  });

  it('reads again once the remembered answer is older than the markers could be', async () => {
    const { calls, ledger } = ledgerWhere(() => ({ kind: 'lead', id: 'quiet' }));
    const t0 = Date.UTC(2026, 10, 30);
    await settleLead(ledger, { leadId: 'quiet', merged: false }, t0);
    await settleLead(ledger, { leadId: 'quiet', merged: false }, t0 + 21 * HOUR);
    expect(calls.resolve).toBe(2);
  });

  it('erases what an erased lead received', async () => {
    const { calls, ledger } = ledgerWhere(() => 'erased');
    expect(await settleLead(ledger, { leadId: 'gone', merged: false }, 0)).toBe('away');
    expect(calls.erased).toBe(1);
  });
});
