import { round2 } from '../engine/index.ts';
import type { CompiledModel } from '../model/compile.ts';

export interface ContactScore {
  leadId: string;
  score: number;
  band: string;
  grade: string;
}

/**
 * An account's score from its contacts: the most engaged contact counts in full, the second a quarter, the third
 * a tenth (a buying group is worth more than one keen person, but ten lurkers are not a deal). Capped like a lead.
 */
export function rollUpAccount(model: CompiledModel, contacts: ContactScore[]) {
  const ranked = [...contacts].sort((a, b) => b.score - a.score);
  const weights = [1, 0.25, 0.1];
  const raw = round2(ranked.slice(0, 3).reduce((sum, c, i) => sum + Math.max(0, c.score) * weights[i]!, 0));
  const cap = model.source.score.cap;
  const score = cap === undefined ? raw : Math.min(cap, raw);
  const bands: Record<string, number> = Object.fromEntries(model.source.bands.levels.map((l) => [l.id, 0]));
  for (const c of contacts) bands[c.band] = (bands[c.band] ?? 0) + 1;
  return { model: model.id, score, contactsScored: contacts.length, bands, topContacts: ranked.slice(0, 5) };
}
