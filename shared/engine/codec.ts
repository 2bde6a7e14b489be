import type { CompiledModel } from '../model/compile.ts';
import { type Entry, type LeadState, UNKNOWN_EVENT } from './state.ts';

/** encodeState writes format 3; decodeState reads it, and formats 2 and 1, in which states stored before it were written. */
const FORMAT = 3;
const FORMAT_2 = 2;
const FORMAT_1 = 1;

export class StateFormatError extends Error {
  override name = 'StateFormatError';
}

/**
 * Format 3 (all integers unsigned LEB128 unless noted):
 *   format byte, model fingerprint (4 bytes LE), lastActivityAt (0 = none, else zig-zag + 1),
 *   rule-list count, per rule list: rule count, per rule: index * 2 + (has key),
 *   entry count * 2 + (time deltas are zig-zag),
 *   per entry: time delta, rule-list number * 2 + (has hash), [event hash (4 bytes LE)], a key (4 bytes LE) per keyed
 *   rule of its list.
 * A busy lead's entries are mostly page views that match the same few rules: each rule list is written once and
 * an entry names it in a byte. Time deltas run from lastActivityAt back to the first entry, then from each entry
 * to the next; entries are sorted by time and lastActivityAt is the latest, so none is negative and they go
 * unsigned. A state that breaks that (the engine makes none) gets zig-zag deltas, so that every state
 * round-trips; lastActivityAt is zig-zag because an activity may be dated before 1970.
 * An entry keeps its event's hash only when another entry shares its instant: alone at its millisecond, its time
 * tells it apart from the state's other events, and whether an arrival at that instant is the same event is for
 * the ledger to say (needsLedger). So a page view that matches three rules takes 4 bytes a minute after the
 * previous one and 5 an hour after (8 and 9 in format 2, 11 and 12 in format 1).
 * Format 2 is format 3 with every hash written and a plain rule-list number.
 */
export function encodeState(model: CompiledModel, state: LeadState): Uint8Array {
  const { entries, lastActivityAt } = state;
  const deltas = new Array<number>(entries.length);
  let signed = false;
  // Rule lists are numbered in order of first use, so a state has one encoding (stored states are compared as bytes).
  const numbers = new Map<string, number>();
  const lists: Entry[] = [];
  const listOf = new Array<number>(entries.length);
  // Varints take at most 8 bytes here (they stay below 2^56); the Writer checks the bound.
  let size = 29;
  let previous = lastActivityAt ?? 0;
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i]!;
    deltas[i] = i === 0 ? previous - entry.t : entry.t - previous;
    previous = entry.t;
    if (deltas[i]! < 0) signed = true;
    const key = listKey(entry);
    let number = numbers.get(key);
    if (number === undefined) {
      number = lists.length;
      numbers.set(key, number);
      lists.push(entry);
      size += 8 + entry.rules.length * 8;
    }
    listOf[i] = number;
    size += 20 + entry.rules.length * 4;
  }

  const out = new Writer(size);
  out.byte(FORMAT);
  out.u32(model.fingerprint);
  out.varint(lastActivityAt === undefined ? 0 : zigzag(lastActivityAt) + 1);
  out.varint(lists.length);
  for (const entry of lists) {
    out.varint(entry.rules.length);
    for (let j = 0; j < entry.rules.length; j++)
      out.varint(entry.rules[j]! * 2 + (keyOf(entry, j) === 0 ? 0 : 1));
  }
  out.varint(entries.length * 2 + (signed ? 1 : 0));
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i]!;
    out.varint(signed ? zigzag(deltas[i]!) : deltas[i]!);
    const shared = entries[i - 1]?.t === entry.t || entries[i + 1]?.t === entry.t;
    out.varint(listOf[i]! * 2 + (shared ? 1 : 0));
    if (shared) {
      if (entry.h === UNKNOWN_EVENT) throw new Error('an entry that shares its instant must know its event');
      out.u32(entry.h);
    }
    for (let j = 0; j < entry.rules.length; j++) {
      const key = keyOf(entry, j);
      if (key !== 0) out.u32(key);
    }
  }
  return out.done();
}

/** The fingerprint of the model a stored state was built by (every format keeps it in bytes 1 to 4). */
export function stateFingerprint(bytes: Uint8Array): number {
  if (bytes.length < 5) throw new StateFormatError('truncated state');
  return (bytes[1]! | (bytes[2]! << 8) | (bytes[3]! << 16)) + bytes[4]! * 2 ** 24;
}

/** Throws StateFormatError when the bytes are not a state of this exact model (then rebuild from the ledger). */
export function decodeState(model: CompiledModel, bytes: Uint8Array): LeadState {
  const input = new Reader(bytes);
  const format = input.byte();
  if (format !== FORMAT && format !== FORMAT_2 && format !== FORMAT_1)
    throw new StateFormatError('unknown state format');
  if (input.u32() !== model.fingerprint)
    throw new StateFormatError(`state was built by another version of model "${model.id}"`);
  const state =
    format === FORMAT_1
      ? decodeFormat1Entries(model, input)
      : decodeEntries(model, input, format === FORMAT_2);
  if (!input.atEnd()) throw new StateFormatError('trailing bytes');
  return state;
}

function decodeEntries(model: CompiledModel, input: Reader, everyHash: boolean): LeadState {
  const last = input.varint();
  const lastActivityAt = last === 0 ? undefined : unzigzag(last - 1);
  const lists: { rules: number[]; keyed: boolean[] | undefined }[] = new Array(input.count(1));
  for (let l = 0; l < lists.length; l++) {
    const rules = new Array<number>(input.count(1));
    let keyed: boolean[] | undefined;
    for (let j = 0; j < rules.length; j++) {
      const v = input.varint();
      rules[j] = ruleIndex(model, Math.floor(v / 2));
      if (v % 2 === 1) {
        keyed ??= new Array<boolean>(rules.length).fill(false);
        keyed[j] = true;
      }
    }
    lists[l] = { rules, keyed };
  }
  const countAndSigned = input.varint();
  const signed = countAndSigned % 2 === 1;
  // The smallest entry is a one-byte delta and a one-byte list number (and in format 2 the hash).
  const entries: Entry[] = new Array(input.counted(Math.floor(countAndSigned / 2), everyHash ? 6 : 2));
  let previous = lastActivityAt ?? 0;
  for (let i = 0; i < entries.length; i++) {
    const delta = signed ? unzigzag(input.varint()) : input.varint();
    const t = i === 0 ? previous - delta : previous + delta;
    previous = t;
    let number: number;
    let h: number;
    if (everyHash) {
      h = input.u32();
      number = input.varint();
    } else {
      const v = input.varint();
      number = Math.floor(v / 2);
      h = v % 2 === 1 ? input.u32() : UNKNOWN_EVENT;
    }
    const list = lists[number];
    if (list === undefined) throw new StateFormatError(`rule list ${number} is not in the state`);
    let keys: number[] | undefined;
    if (list.keyed) {
      keys = new Array<number>(list.rules.length).fill(0);
      for (let j = 0; j < keys.length; j++) if (list.keyed[j]) keys[j] = input.u32();
    }
    if (i > 0 && entries[i - 1]!.t === t && (h === UNKNOWN_EVENT || entries[i - 1]!.h === UNKNOWN_EVENT))
      throw new StateFormatError('entries that share an instant must name their events');
    // Entries that share a rule list share its array: nothing changes an entry's rules once made.
    entries[i] = { t, h, rules: list.rules, keys };
  }
  return { entries, lastActivityAt };
}

/**
 * Format 1: lastActivityAt + 1 (0 = none), entry count, per entry: time delta from the previous entry (the first
 * from lastActivityAt, zig-zag), event hash (4 bytes LE), rule count, per rule: index * 2 + (has key), [key (4 bytes LE)].
 */
function decodeFormat1Entries(model: CompiledModel, input: Reader): LeadState {
  const last = input.varint();
  const lastActivityAt = last === 0 ? undefined : last - 1;
  // The smallest entry is a one-byte delta, the hash and a rule count of 0.
  const entries: Entry[] = new Array(input.count(6));
  let previous = lastActivityAt ?? 0;
  for (let i = 0; i < entries.length; i++) {
    const t = previous + unzigzag(input.varint());
    previous = t;
    const h = input.u32();
    const rules = new Array<number>(input.count(1));
    let keys: number[] | undefined;
    for (let j = 0; j < rules.length; j++) {
      const v = input.varint();
      rules[j] = ruleIndex(model, Math.floor(v / 2));
      if (v % 2 === 1) {
        keys ??= new Array<number>(rules.length).fill(0);
        keys[j] = input.u32();
      }
    }
    entries[i] = { t, h, rules, keys };
  }
  return { entries, lastActivityAt };
}

/** A rule list as a map key: the rules and which of them carry a key, as formats 2 and 3 write them. */
function listKey(entry: Entry): string {
  let key = '';
  for (let j = 0; j < entry.rules.length; j++)
    key += `${entry.rules[j]! * 2 + (keyOf(entry, j) === 0 ? 0 : 1)},`;
  return key;
}

function keyOf(entry: Entry, j: number): number {
  return entry.keys?.[j] ?? 0;
}

function ruleIndex(model: CompiledModel, index: number): number {
  if (model.rules[index] === undefined) throw new StateFormatError(`rule ${index} is not in the model`);
  return index;
}

function zigzag(v: number): number {
  return v < 0 ? -2 * v - 1 : 2 * v;
}

function unzigzag(v: number): number {
  return v % 2 === 0 ? v / 2 : -(v + 1) / 2;
}

/** One growing buffer for all encodes: encoding is synchronous, and `done` copies out exactly what was written. */
let shared = new Uint8Array(4096);

class Writer {
  private readonly buf: Uint8Array;
  private readonly size: number;
  private at = 0;
  /** `size` must bound the output: a typed array drops writes past its end, so `done` refuses an overrun. */
  constructor(size: number) {
    if (shared.length < size) shared = new Uint8Array(Math.max(size, shared.length * 2));
    this.buf = shared;
    this.size = size;
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
  done(): Uint8Array {
    if (this.at > this.size)
      throw new Error(`state encoding overran its bound: ${this.at} > ${this.size} bytes`);
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
    return this.counted(this.varint(), bytesEach);
  }
  counted(n: number, bytesEach: number): number {
    if (n * bytesEach > this.buf.length - this.at) throw new StateFormatError('truncated state');
    return n;
  }
  atEnd(): boolean {
    return this.at === this.buf.length;
  }
}
