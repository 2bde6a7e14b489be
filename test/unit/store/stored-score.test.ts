import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { itemSize } from '../../../bench/item-size.ts';
import { compileModel } from '../../../shared/model/compile.ts';
import { parseModel } from '../../../shared/model/parse.ts';
import { scoreActivities } from '../../../shared/scoring/update.ts';
import { scoreOf, storedScore } from '../../../shared/store/scores.ts';

const parsed = parseModel(readFileSync('models/default.yaml', 'utf8'));
if (!parsed.ok) throw new Error('models/default.yaml is invalid');
const model = compileModel(parsed.model);
const NOW = Date.parse('2026-11-30T00:00:00Z');

function scored(attributes?: Record<string, string | number>) {
  return scoreActivities(
    model,
    'ana-1',
    attributes,
    undefined,
    [
      {
        eventId: 'e1',
        type: 'page_view',
        occurredAt: '2026-11-29T10:00:00.000Z',
        properties: { path: '/pricing' },
      },
      { eventId: 'e2', type: 'webinar_attended', occurredAt: '2026-11-29T11:00:00.000Z' },
    ],
    NOW,
  )!.item;
}

describe('a score item as stored', () => {
  it('reads back as the item it was written from', () => {
    const withFit = scored({ title: 'VP Sales', employees: 300, country: 'DE', name: 'Ana Lima' });
    const bare = scored();
    for (const item of [withFit, bare]) expect(scoreOf(storedScore(item))).toEqual(item);
    expect(withFit.fitRules.length).toBeGreaterThan(0);
    expect(bare.fitRules).toEqual([]);
  });

  it('leaves out what its key and state already say, and empty lists; keeps times as epoch milliseconds', () => {
    const item = scored();
    const stored = storedScore(item);
    for (const gone of ['leadId', 'model', 'fingerprint', 'flags', 'fitRules'])
      expect(stored).not.toHaveProperty(gone);
    expect(stored).toMatchObject({
      pk: 'LEAD#ana-1',
      sk: 'SCORE#default',
      updatedAt: NOW,
      lastActivityAt: Date.parse('2026-11-29T11:00:00.000Z'),
    });
    // Some 90 bytes fewer on every write of it.
    expect(itemSize({ ...item }) - itemSize(stored)).toBeGreaterThanOrEqual(80);
  });

  it('still reads an item stored whole, as items were before', () => {
    const item = scored({ title: 'Director' });
    expect(scoreOf({ ...item })).toEqual(item);
  });
});
