import type { ScoringRule } from '../model/compile.ts';

export type Window = NonNullable<ScoringRule['window']>;

/**
 * A window rule's matches, visited in (t, h) order: says whether the window fires at each. Scoring and compaction
 * both ask it, so that what compaction keeps is judged by the very firings scoring counts.
 * - a counting window fires at a match when at least `count` matches lie in (t - within, t];
 * - a return window fires at a match when an earlier match lies in [t - within, t - returnAfter].
 */
export class WindowCursor {
  private readonly times: number[] = [];
  private head = 0;

  reset(): void {
    this.times.length = 0;
    this.head = 0;
  }

  /** Records a match at `t` (no earlier than the last one) and says whether the window fires at it. */
  fires(window: Window, t: number): boolean {
    const times = this.times;
    if ('count' in window) {
      times.push(t);
      while (times[this.head]! <= t - window.within) this.head++;
      return times.length - this.head >= window.count;
    }
    while (this.head < times.length && times[this.head]! < t - window.within) this.head++;
    const fires = this.head < times.length && times[this.head]! <= t - window.returnAfter;
    times.push(t);
    return fires;
  }
}
