import type { Attributes } from './profile.ts';

/** Who a lead is, in the words the ranked list shows, from its profile: copied beside each of its scores. */
export interface Label {
  name?: string;
  email?: string;
  company?: string;
  title?: string;
}

const text = (v: unknown) => (typeof v === 'string' && v.trim() ? v.trim().slice(0, 200) : undefined);

export function labelOf(attributes: Attributes | undefined): Label {
  const a = attributes ?? {};
  const name = text(a.name) ?? ([text(a.firstName), text(a.lastName)].filter(Boolean).join(' ') || undefined);
  const company = text(a.company) ?? text(a.emailDomain);
  return {
    ...(name && { name }),
    ...(text(a.email) && { email: text(a.email) }),
    ...(company && { company }),
    ...(text(a.title) && { title: text(a.title) }),
  };
}

/** A search term is at most this long: longer words are cut (a prefix of a cut term still finds it). */
const TERM_LENGTH = 64;

/** Lower-cased words: split at spaces and at the characters a key keeps for itself. */
const words = (s: string) =>
  s
    .toLowerCase()
    .split(/[\s#,;"()<>]+/u)
    .filter(Boolean)
    // Cut by code point, never inside a character (a surrogate pair).
    .map((w) => Array.from(w).slice(0, TERM_LENGTH).join(''));

/**
 * What finds a lead in the list's search, each a prefix match: every word of its name and company, its e-mail
 * address, the address's domain, and its id. "ana", "lima", "globex", "ana@glo", "globex.example" and "lead-7"
 * all find Ana Lima <ana@globex.example> (lead-7). Title is shown, not searched.
 */
export function searchTermsOf(leadId: string, label: Label): string[] {
  const email = label.email?.toLowerCase();
  const terms = [
    ...words(label.name ?? ''),
    ...words(label.company ?? ''),
    ...(email ? words(email) : []),
    ...(email?.includes('@') ? words(email.slice(email.lastIndexOf('@') + 1)) : []),
    ...words(leadId),
  ];
  return [...new Set(terms)].sort();
}

/**
 * A search as typed: its words, lower-cased, the longest first (it narrows the index read most). A lead matches
 * when, for each word, one of its terms starts with it.
 */
export function searchWords(q: string): string[] {
  return [...new Set(words(q))].sort((a, b) => b.length - a.length);
}

/**
 * Whether what the list shows of a lead (name, e-mail, company, id) contains every word: the check of the words the
 * index could not answer for in full (a term starting with a word is contained in what it came from).
 */
export function matchesAll(words: string[], leadId: string, label: Label): boolean {
  const haystack = [label.name, label.email, label.company, leadId].filter(Boolean).join(' ').toLowerCase();
  return words.every((w) => haystack.includes(w));
}
