import type { ScoringRule } from '../model/compile.ts';

/**
 * Counts firings per limit bucket (and per `by` value) for firings visited in time order. Since time only moves
 * forward, each rule's current bucket is a counter that resets when the next bucket begins.
 */
export class LimitCounter {
  private readonly bucket: Float64Array;
  private readonly taken: Int32Array;
  private readonly takenBy: (Map<number, number> | undefined)[];

  constructor(rules: number) {
    this.bucket = new Float64Array(rules);
    this.taken = new Int32Array(rules);
    this.takenBy = new Array(rules);
    this.reset();
  }

  reset(): void {
    this.bucket.fill(Number.NEGATIVE_INFINITY);
    this.taken.fill(0);
    for (const byKey of this.takenBy) byKey?.clear();
  }

  /** Counts a firing of a limited rule at `t` and returns how many came before it in its bucket. */
  take(rule: ScoringRule, t: number, key: number): number {
    const limit = rule.limit!;
    const r = rule.index;
    const b = Math.floor(t / limit.per);
    if (b !== this.bucket[r]) {
      this.bucket[r] = b;
      this.taken[r] = 0;
      this.takenBy[r]?.clear();
    }
    if (limit.by === undefined) {
      const used = this.taken[r]!;
      this.taken[r] = used + 1;
      return used;
    }
    const byKey = this.takenBy[r] ?? new Map<number, number>();
    this.takenBy[r] = byKey;
    const used = byKey.get(key) ?? 0;
    byKey.set(key, used + 1);
    return used;
  }
}
