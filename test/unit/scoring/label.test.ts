import { describe, expect, it } from 'vitest';
import { loadModels } from '../../../shared/models.ts';
import { labelOf, scoreActivities } from '../../../shared/scoring/update.ts';

const [model] = loadModels('models/default.yaml');
const at = Date.parse('2026-11-02T09:00:00Z');
const activity = (n: number, type: string, properties: Record<string, string>) => ({
  eventId: `e-${n}`,
  leadId: 'ana',
  type,
  occurredAt: new Date(at + n * 60_000).toISOString(),
  properties,
});

describe('what a score carries for the ranked list', () => {
  it('copies who the lead is from the profile, and a lower-cased search text with the id', () => {
    // Prepare / Act
    const label = labelOf(
      { firstName: 'Ana', lastName: 'Lima', email: 'Ana@Globex.example', emailDomain: 'globex.example' },
      'Lead-7',
    );
    // Assess
    expect(label).toEqual({
      name: 'Ana Lima',
      email: 'Ana@Globex.example',
      company: 'globex.example',
      search: 'ana lima ana@globex.example globex.example lead-7',
    });
    expect(labelOf(undefined, 'x')).toEqual({ search: 'x' });
  });

  it('says why now: the rule that moved the score most in the last activity', () => {
    // Prepare
    const first = scoreActivities(
      model!,
      'ana',
      { name: 'Ana' },
      undefined,
      [activity(1, 'form_submit', { form: 'demo' })],
      at + 60_000,
    )!;
    // Act
    const second = scoreActivities(
      model!,
      'ana',
      { name: 'Ana' },
      first.item,
      [activity(2, 'page_view', { path: '/pricing' })],
      at + 120_000,
    )!;
    // Assess
    expect(first.item.reason).toBe('demo-request');
    expect(first.item.name).toBe('Ana');
    // The pricing page adds 10 and completes pricing-and-demo's 10; the first rule in the breakdown wins a tie.
    expect(['pricing-page', 'pricing-and-demo']).toContain(second.item.reason);
  });
});
