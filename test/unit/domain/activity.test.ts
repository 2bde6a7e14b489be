import { describe, expect, it } from 'vitest';
import { checkActivity } from '../../../shared/domain/activity.ts';

const now = Date.parse('2026-11-30T12:00:00Z');
const issuesOf = (raw: unknown) => {
  const checked = checkActivity(raw, now);
  return checked.ok ? [] : checked.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};

describe('checking an incoming activity', () => {
  it('names every problem at once: a missing time and a missing lead together', () => {
    expect(issuesOf({ eventId: 'e1', type: 'page_view' })).toEqual([
      expect.stringMatching(/^occurredAt: /),
      'leadId: an activity needs a leadId or an anonymousId',
    ]);
  });

  it('asks for a lead only when neither id is given', () => {
    const at = '2026-11-30T11:00:00Z';
    expect(issuesOf({ eventId: 'e1', type: 'page_view', occurredAt: at, leadId: 'ana' })).toEqual([]);
    expect(issuesOf({ eventId: 'e1', type: 'page_view', occurredAt: at, anonymousId: 'v-1' })).toEqual([]);
    expect(issuesOf({ eventId: 'e1', type: 'page_view', occurredAt: at })).toEqual([
      'leadId: an activity needs a leadId or an anonymousId',
    ]);
    expect(issuesOf(null)).toHaveLength(1);
  });
});
