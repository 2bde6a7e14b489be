import type { CompiledModel } from '../model/compile.ts';
import type { Entry, LeadState } from './state.ts';

const FORMAT = 1;

export class StateFormatError extends Error {
  override name = 'StateFormatError';
}

/**
 * Binary layout (all integers unsigned LEB128 unless noted):
 *   format byte, model fingerprint (4 bytes LE), lastActivityAt + 1 (0 = none), entry count,
 *   per entry: time delta from the previous entry (the first from lastActivityAt, zig-zag), event hash
 *   (4 bytes LE), rule count, per rule: index * 2 + (has key), [key (4 bytes LE)].
 * A typical entry takes 9 to 11 bytes.
 */
export function encodeState(model: CompiledModel, state: LeadState): Uint8Array {
  let size = 16;
  for (const entry of state.entries) size += 14 + entry.rules.length * 14;
  const out = new Writer(size);
  out.byte(FORMAT);
  out.u32(model.fingerprint);
  out.varint(state.lastActivityAt === undefined ? 0 : state.lastActivityAt + 1);
  out.varint(state.entries.length);
  let previous = state.lastActivityAt ?? 0;
  for (const entry of state.entries) {
    out.zigzag(entry.t - previous);
    previous = entry.t;
    out.u32(entry.h);
    out.varint(entry.rules.length);
    for (let j = 0; j < entry.rules.length; j++) {
      const key = entry.keys?.[j] ?? 0;
      out.varint(entry.rules[j]! * 2 + (key === 0 ? 0 : 1));
      if (key !== 0) out.u32(key);
    }
  }
  return out.done();
}

/** Throws StateFormatError when the bytes are not a state of this exact model (then rebuild from the ledger). */
export function decodeState(model: CompiledModel, bytes: Uint8Array): LeadState {
  const input = new Reader(bytes);
  if (input.byte() !== FORMAT) throw new StateFormatError('unknown state format');
  if (input.u32() !== model.fingerprint)
    throw new StateFormatError(`state was built by another version of model "${model.id}"`);
  const last = input.varint();
  const lastActivityAt = last === 0 ? undefined : last - 1;
  // The smallest entry is a one-byte delta, the hash and a rule count of 0.
  const count = input.count(6);
  const entries: Entry[] = new Array(count);
  let previous = lastActivityAt ?? 0;
  for (let i = 0; i < count; i++) {
    const t = previous + input.zigzag();
    previous = t;
    const h = input.u32();
    const n = input.count(1);
    const rules = new Array<number>(n);
    let keys: number[] | undefined;
    for (let j = 0; j < n; j++) {
      const v = input.varint();
      rules[j] = Math.floor(v / 2);
      if (v % 2 === 1) {
        keys ??= new Array<number>(n).fill(0);
        keys[j] = input.u32();
      }
      if (model.rules[rules[j]!] === undefined)
        throw new StateFormatError(`rule ${rules[j]} is not in the model`);
    }
    entries[i] = { t, h, rules, keys };
  }
  if (!input.atEnd()) throw new StateFormatError('trailing bytes');
  return { entries, lastActivityAt };
}

/** One growing buffer for all encodes: encoding is synchronous, and `done` copies out exactly what was written. */
let shared = new Uint8Array(4096);

class Writer {
  private readonly buf: Uint8Array;
  private at = 0;
  /** `size` must bound the output: encodeState sizes it from the entries (varints take at most 8 bytes here). */
  constructor(size: number) {
    if (shared.length < size) shared = new Uint8Array(Math.max(size, shared.length * 2));
    this.buf = shared;
  }
  byte(b: number): void {
    this.buf[this.at++] = b;
  }
  u32(v: number): void {
    for (let i = 0; i < 4; i++) this.buf[this.at++] = (v >>> (8 * i)) & 0xff;
  }
  /** Non-negative integers up to 2^53. */
  varint(v: number): void {
    while (v >= 0x80) {
      this.buf[this.at++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.buf[this.at++] = v;
  }
  zigzag(v: number): void {
    this.varint(v < 0 ? -2 * v - 1 : 2 * v);
  }
  done(): Uint8Array {
    return this.buf.slice(0, this.at);
  }
}

class Reader {
  private at = 0;
  private readonly buf: Uint8Array;
  constructor(buf: Uint8Array) {
    this.buf = buf;
  }
  byte(): number {
    if (this.at >= this.buf.length) throw new StateFormatError('truncated state');
    return this.buf[this.at++]!;
  }
  u32(): number {
    let v = 0;
    for (let i = 0; i < 4; i++) v += this.byte() * 2 ** (8 * i);
    return v;
  }
  varint(): number {
    let v = 0;
    let scale = 1;
    for (;;) {
      const b = this.byte();
      v += (b & 0x7f) * scale;
      if (b < 0x80) return v;
      scale *= 0x80;
      if (scale > 2 ** 56) throw new StateFormatError('varint too long');
    }
  }
  /** A count of things at least `bytesEach` long: one the bytes left cannot hold is corrupt, not a huge allocation. */
  count(bytesEach: number): number {
    const n = this.varint();
    if (n * bytesEach > this.buf.length - this.at) throw new StateFormatError('truncated state');
    return n;
  }
  zigzag(): number {
    const v = this.varint();
    return v % 2 === 0 ? v / 2 : -(v + 1) / 2;
  }
  atEnd(): boolean {
    return this.at === this.buf.length;
  }
}
