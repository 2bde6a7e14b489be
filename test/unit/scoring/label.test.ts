import { describe, expect, it } from 'vitest';
import { labelOf, matchesAll, searchTermsOf, searchWords } from '../../../shared/domain/label.ts';
import { loadModels } from '../../../shared/models.ts';
import { scoreActivities } from '../../../shared/scoring/update.ts';

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
  it('copies who the lead is from the profile', () => {
    // Prepare / Act
    const label = labelOf({
      firstName: 'Ana',
      lastName: 'Lima',
      email: 'Ana@Globex.example',
      emailDomain: 'globex.example',
    });
    // Assess
    expect(label).toEqual({ name: 'Ana Lima', email: 'Ana@Globex.example', company: 'globex.example' });
    expect(labelOf(undefined)).toEqual({});
  });

  it('carries no search text: the search index holds the terms', () => {
    const write = scoreActivities(
      model!,
      'ana',
      { name: 'Ana', email: 'ana@globex.example' },
      undefined,
      [activity(1, 'form_submit', { form: 'demo' })],
      at + 60_000,
    )!;
    expect(write.item).not.toHaveProperty('search');
    expect(write.item.email).toBe('ana@globex.example');
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

describe('search terms', () => {
  const ana = { name: 'Ana Lima', email: 'Ana@Globex.example', company: 'Globex Corp', title: 'CTO' };

  it('are the words of name and company, the e-mail, its domain and the id, lower-cased, once each', () => {
    expect(searchTermsOf('Lead-7', ana)).toEqual(
      ['ana', 'ana@globex.example', 'corp', 'globex', 'globex.example', 'lima', 'lead-7'].sort(),
    );
    // Title is shown, not searched; a lead with no profile is found by its id alone.
    expect(searchTermsOf('x', { title: 'CTO' })).toEqual(['x']);
  });

  it('hold no character a key keeps for itself, and no word longer than 64', () => {
    const terms = searchTermsOf('l1', { name: `Zoë #1 (QA) ${'w'.repeat(100)}`, company: 'A,B;C' });
    expect(terms.every((t) => !/[#\s,;()]/.test(t) && t.length <= 64)).toBe(true);
    expect(terms).toEqual(expect.arrayContaining(['zoë', '1', 'qa', 'a', 'b', 'c', 'w'.repeat(64)]));
  });

  it('a search is its distinct words, longest first; a lead matches when what it shows contains each', () => {
    const words = searchWords('  Lima  Ana lima ');
    expect(words).toEqual(['lima', 'ana']);
    expect(searchTermsOf('Lead-7', ana).some((t) => t.startsWith(words[0]!))).toBe(true);
    expect(matchesAll(words, 'Lead-7', ana)).toBe(true);
    expect(matchesAll(searchWords('lima bob'), 'Lead-7', ana)).toBe(false);
    expect(matchesAll(searchWords('lead-7 globex'), 'Lead-7', ana)).toBe(true);
    expect(searchWords(' # ')).toEqual([]);
  });

  it('cut a long word by character, never inside one', () => {
    const term = searchTermsOf('l', { name: '😀'.repeat(70) }).find((t) => t !== 'l');
    expect(Array.from(term!)).toHaveLength(64);
    expect(term!.isWellFormed()).toBe(true);
  });
});
