import { fnv1a } from '../engine/hash.ts';

/**
 * The seeded, stratified hold-out: a lead is held out when the hash of (seed, lead id) falls below its outcome's
 * cut-off, and each cut-off is placed so that the same share of converted and of lost leads is held out. It
 * depends on nothing but the seed, the id and the outcome, so `evaluate` can tell from the model alone which
 * leads it was trained on, whatever order the file is in.
 */
export interface Split {
  seed: number;
  share: number;
  /** Held out: hashes in [from, below) of the lead's outcome (from is 0 but for the folds of a cross-validation). */
  convertedFrom?: number;
  convertedBelow: number;
  lostFrom?: number;
  lostBelow: number;
}

export const splitHash = (seed: number, leadId: string): number => fnv1a(`${seed}:${leadId}`);

export function isHeldOut(split: Split, leadId: string, converted: boolean): boolean {
  const h = splitHash(split.seed, leadId);
  return converted
    ? h >= (split.convertedFrom ?? 0) && h < split.convertedBelow
    : h >= (split.lostFrom ?? 0) && h < split.lostBelow;
}

/** The cut-off under which `share` of these (sorted) hashes fall. */
export function cutoff(sorted: Uint32Array, share: number): number {
  if (sorted.length === 0) return 0;
  const k = Math.round(share * sorted.length);
  return k >= sorted.length ? 2 ** 32 : sorted[k]!;
}

/**
 * The split that holds out part `fold` of `folds` (stratified: the same share of each outcome), or with one
 * fold the first `share` of each outcome's hashes.
 */
export function splitFor(
  seed: number,
  hashes: { converted: Uint32Array; lost: Uint32Array },
  share: number,
  fold = 0,
): Split {
  const converted = hashes.converted.slice().sort();
  const lost = hashes.lost.slice().sort();
  return {
    seed,
    share,
    ...(fold > 0 && { convertedFrom: cutoff(converted, fold * share), lostFrom: cutoff(lost, fold * share) }),
    convertedBelow: cutoff(converted, (fold + 1) * share),
    lostBelow: cutoff(lost, (fold + 1) * share),
  };
}

/** How a model document records its split (`training` holds flat strings and numbers). */
export function splitRecord(split: Split): Record<string, number> {
  return {
    holdoutSeed: split.seed,
    holdoutShare: split.share,
    ...(split.convertedFrom !== undefined && { holdoutConvertedFrom: split.convertedFrom }),
    holdoutConvertedBelow: split.convertedBelow,
    ...(split.lostFrom !== undefined && { holdoutLostFrom: split.lostFrom }),
    holdoutLostBelow: split.lostBelow,
  };
}

export function splitOf(training: Record<string, string | number> | undefined): Split | undefined {
  const n = (key: string) => (typeof training?.[key] === 'number' ? (training[key] as number) : undefined);
  const seed = n('holdoutSeed');
  const share = n('holdoutShare');
  const convertedBelow = n('holdoutConvertedBelow');
  const lostBelow = n('holdoutLostBelow');
  if (seed === undefined || share === undefined || convertedBelow === undefined || lostBelow === undefined)
    return undefined;
  const convertedFrom = n('holdoutConvertedFrom');
  const lostFrom = n('holdoutLostFrom');
  return {
    seed,
    share,
    convertedBelow,
    lostBelow,
    ...(convertedFrom !== undefined && { convertedFrom }),
    ...(lostFrom !== undefined && { lostFrom }),
  };
}

/** A growable array of 32-bit hashes: a million leads in 4 MB. */
export class HashList {
  private data = new Uint32Array(1024);
  length = 0;
  push(h: number): void {
    if (this.length === this.data.length) {
      const bigger = new Uint32Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.length++] = h;
  }
  values(): Uint32Array {
    return this.data.subarray(0, this.length);
  }
}
