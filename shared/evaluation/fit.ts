/**
 * L2-penalised logistic regression on sparse rows, by Newton's method (so the answer does not depend on a
 * learning rate). The penalty is on the weights in their own units, not standardised: it is a prior that each
 * weight is near zero, which a term seen on many leads overcomes and a term seen on a handful cannot. (A
 * standardised penalty does the opposite for rare 0/1 terms: their tiny spread turns a small standardised weight
 * into a huge one, which is how a value seen once got +577 points.)
 */

/** Rows in compressed sparse form, growable: a million leads with twenty terms each in about 250 MB. */
export class SparseRows {
  private start: Int32Array = new Int32Array(1025);
  private column: Int32Array = new Int32Array(4096);
  private value: Float64Array = new Float64Array(4096);
  private label: Uint8Array = new Uint8Array(1024);
  rows = 0;
  private size = 0;

  add(columns: readonly number[], values: readonly number[], y: 0 | 1): void {
    if (this.rows + 1 >= this.label.length) {
      this.label = grow(this.label, this.label.length * 2);
      this.start = grow(this.start, this.label.length + 1);
    }
    while (this.size + columns.length > this.column.length) {
      this.column = grow(this.column, this.column.length * 2);
      this.value = grow(this.value, this.value.length * 2);
    }
    for (let k = 0; k < columns.length; k++) {
      this.column[this.size] = columns[k]!;
      this.value[this.size++] = values[k]!;
    }
    this.label[this.rows++] = y;
    this.start[this.rows] = this.size;
  }

  y(i: number): number {
    return this.label[i]!;
  }

  /** Calls `visit(column, value)` for each non-zero term of row i. */
  each(i: number, visit: (column: number, value: number) => void): void {
    for (let k = this.start[i]!; k < this.start[i + 1]!; k++) visit(this.column[k]!, this.value[k]!);
  }

  dot(i: number, weights: Float64Array): number {
    let s = 0;
    for (let k = this.start[i]!; k < this.start[i + 1]!; k++) s += this.value[k]! * weights[this.column[k]!]!;
    return s;
  }
}

function grow<T extends Int32Array | Float64Array | Uint8Array>(a: T, length: number): T {
  const bigger = new (a.constructor as new (n: number) => T)(length);
  bigger.set(a);
  return bigger;
}

/**
 * Fits weights for columns 0..d-1 and an intercept (not penalised) on the rows whose `use(i)` is true; columns
 * with `keep[j]` false are held at zero (without copying the rows). Returns [intercept, ...weights].
 */
export function fitLogistic(
  rows: SparseRows,
  d: number,
  l2: number,
  use: (i: number) => boolean,
  progress?: (iteration: number) => void,
  keep?: readonly boolean[],
): Float64Array {
  const beta = new Float64Array(d + 1);
  const weights = beta.subarray(1);
  const gradient = new Float64Array(d + 1);
  const hessian = Array.from({ length: d + 1 }, () => new Float64Array(d + 1));
  const active: number[] = [];
  const values: number[] = [];
  for (let iteration = 0; iteration < 50; iteration++) {
    progress?.(iteration);
    gradient.fill(0);
    for (const h of hessian) h.fill(0);
    for (let i = 0; i < rows.rows; i++) {
      if (!use(i)) continue;
      const p = 1 / (1 + Math.exp(-(beta[0]! + rows.dot(i, weights))));
      const w = p * (1 - p);
      const r = rows.y(i) - p;
      active.length = 0;
      values.length = 0;
      active.push(0);
      values.push(1);
      rows.each(i, (c, v) => {
        if (keep && !keep[c]) return;
        active.push(c + 1);
        values.push(v);
      });
      for (let a = 0; a < active.length; a++) {
        const j = active[a]!;
        gradient[j]! += r * values[a]!;
        const hj = hessian[j]!;
        for (let b = 0; b < active.length; b++) hj[active[b]!]! += w * values[a]! * values[b]!;
      }
    }
    for (let j = 1; j <= d; j++) {
      gradient[j]! -= l2 * beta[j]!;
      hessian[j]![j]! += l2;
      if (keep && !keep[j - 1]) gradient[j] = 0;
    }
    hessian[0]![0]! += 1e-9;
    const step = solve(hessian, gradient);
    let change = 0;
    for (let j = 0; j <= d; j++) {
      beta[j]! += step[j]!;
      change = Math.max(change, Math.abs(step[j]!));
    }
    if (change < 1e-7) break;
  }
  return beta;
}

/** Solves A x = b for a symmetric positive definite A (Cholesky). */
function solve(a: Float64Array[], b: Float64Array): Float64Array {
  const n = b.length;
  const l = Array.from({ length: n }, () => new Float64Array(n));
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = a[i]![j]!;
      for (let k = 0; k < j; k++) sum -= l[i]![k]! * l[j]![k]!;
      l[i]![j] = i === j ? Math.sqrt(Math.max(sum, 1e-12)) : sum / l[j]![j]!;
    }
  }
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let sum = b[i]!;
    for (let k = 0; k < i; k++) sum -= l[i]![k]! * y[k]!;
    y[i] = sum / l[i]![i]!;
  }
  const x = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let sum = y[i]!;
    for (let k = i + 1; k < n; k++) sum -= l[k]![i]! * x[k]!;
    x[i] = sum / l[i]![i]!;
  }
  return x;
}
