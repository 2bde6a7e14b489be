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
  convertedBelow: number;
  lostBelow: number;
}

export const splitHash = (seed: number, leadId: string): number => fnv1a(`${seed}:${leadId}`);

export function isHeldOut(split: Split, leadId: string, converted: boolean): boolean {
  return splitHash(split.seed, leadId) < (converted ? split.convertedBelow : split.lostBelow);
}

/** The cut-off under which `share` of these hashes fall. */
export function cutoff(hashes: Uint32Array, share: number): number {
  if (hashes.length === 0) return 0;
  const sorted = hashes.slice().sort();
  const k = Math.round(share * sorted.length);
  return k >= sorted.length ? 2 ** 32 : sorted[k]!;
}

/** How a model document records its split (`training` holds flat strings and numbers). */
export function splitRecord(split: Split): Record<string, number> {
  return {
    holdoutSeed: split.seed,
    holdoutShare: split.share,
    holdoutConvertedBelow: split.convertedBelow,
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
  return { seed, share, convertedBelow, lostBelow };
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
