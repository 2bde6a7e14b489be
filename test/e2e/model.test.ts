/**
 * The model-based test: seeded random sequences of every kind of write (events, pixel hits, bus events, identify of
 * both kinds with chains, attribute changes, outcomes retried with varied time spellings, erasures followed by late
 * writes, concurrent identify), run over HTTP against the local runtime, each answer checked against a small
 * reference model of who owns what; after each sequence, every read, the ranked list, a scan of the tables and a
 * full recompute of every stored score are compared with it. A failing sequence is cut down to the shortest one
 * that still fails, and printed.
 *
 * MODEL_SEQUENCES and MODEL_OPS size it (default 200 sequences of 30 operations); MODEL_SEED replays one run.
 */
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { recomputeLead } from '../../shared/engine/index.ts';
import { loadModels } from '../../shared/models.ts';
import { signLeadToken } from '../../shared/security/tokens.ts';
import { scoreOf } from '../../shared/store/scores.ts';
import { api, BROWSER_UA, db, itemsUnder, runtime, until } from '../helpers/runtime.ts';

const SEQUENCES = Number(process.env.MODEL_SEQUENCES ?? 200);
const OPS = Number(process.env.MODEL_OPS ?? 30);
const SEED = Number(process.env.MODEL_SEED ?? 20261130);
const LEADS = 4;
const VISITORS = 3;
const [model] = loadModels('models/default.yaml');

// ---- Operations: plain data, so a failing sequence prints as it ran and can be cut down. ----

type Who = { lead: number } | { visitor: number };
type Op =
  | { op: 'event'; who: Who; event: number; type: 'page_view' | 'download' | 'form_submit' }
  | { op: 'pixel'; visitor: number; event: number }
  | { op: 'emailOpen'; lead: number; event: number }
  | { op: 'bus'; who: Who; event: number }
  | { op: 'identify'; visitor: number; lead: number }
  | { op: 'merge'; lead: number; previous: number }
  | { op: 'attributes'; lead: number; name: 'title' | 'industry' | 'country'; value: string }
  | { op: 'outcome'; lead: number; id: string | null; result: 'won' | 'lost'; at: number; spelling: number }
  | { op: 'erase'; lead: number }
  | { op: 'raceIdentify'; visitor: number; leads: [number, number] };

const lead = fc.integer({ min: 0, max: LEADS - 1 });
const visitor = fc.integer({ min: 0, max: VISITORS - 1 });
const who: fc.Arbitrary<Who> = fc.oneof(fc.record({ lead }), fc.record({ visitor }));
const eventNo = fc.integer({ min: 0, max: 5 });
const opArbitrary: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      op: fc.constant('event'),
      who,
      event: eventNo,
      type: fc.constantFrom('page_view', 'download', 'form_submit'),
    }),
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('pixel'), visitor, event: eventNo }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('emailOpen'), lead, event: eventNo }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('bus'), who, event: eventNo }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('identify'), visitor, lead }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('merge'), lead, previous: lead }) },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('attributes'),
      lead,
      name: fc.constantFrom('title', 'industry', 'country'),
      value: fc.constantFrom('a', 'b'),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant('outcome'),
      lead,
      id: fc.constantFrom(null, 'o1', 'o2'),
      result: fc.constantFrom('won', 'lost'),
      at: fc.integer({ min: 0, max: 1 }),
      spelling: fc.integer({ min: 0, max: 2 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('erase'), lead }) },
  {
    weight: 1,
    arbitrary: fc.record({ op: fc.constant('raceIdentify'), visitor, leads: fc.tuple(lead, lead) }),
  },
) as fc.Arbitrary<Op>;

// ---- The reference model: who owns what. ----

const L = (i: number) => `LEAD#${i}`;
const V = (j: number) => `ANON#${j}`;
const key = (w: Who) => ('lead' in w ? L(w.lead) : V(w.visitor));

class Reference {
  erased = new Set<string>();
  /** Where an id points (always straight at a live lead: merges repoint). */
  alias = new Map<string, number>();
  ledger = new Map<string, Set<string>>();
  profiles = new Map<number, { attributes: Record<string, string>; seq: number }>();
  outcomes = new Map<number, Map<string, string>>();
  seq = 0;

  resolve(subject: string): string | 'erased' {
    if (this.erased.has(subject)) return 'erased';
    const to = this.alias.get(subject);
    return to === undefined ? subject : L(to);
  }
  leadOf(i: number): number | 'erased' {
    const r = this.resolve(L(i));
    return r === 'erased' ? r : Number(r.slice(5));
  }
  events(subject: string): Set<string> {
    const set = this.ledger.get(subject) ?? new Set<string>();
    this.ledger.set(subject, set);
    return set;
  }
  record(subject: string, eventId: string): 'recorded' | 'duplicate' | 'dropped' {
    const r = this.resolve(subject);
    if (r === 'erased') return 'dropped';
    const set = this.events(r);
    if (set.has(eventId)) return 'duplicate';
    set.add(eventId);
    return 'recorded';
  }
  moveLedger(from: string, to: string) {
    for (const e of this.ledger.get(from) ?? []) this.events(to).add(e);
    this.ledger.delete(from);
  }
  identify(j: number, i: number): number {
    const r = this.leadOf(i);
    if (r === 'erased' || this.erased.has(V(j))) return 410;
    const owner = this.alias.get(V(j));
    if (owner !== undefined && owner !== r) return 409;
    this.alias.set(V(j), r);
    this.moveLedger(V(j), L(r));
    return 200;
  }
  merge(i: number, k: number): number {
    const r1 = this.leadOf(i);
    const r2 = r1 === 'erased' ? r1 : this.leadOf(k);
    if (r1 === 'erased' || r2 === 'erased') return 410;
    if (r1 === r2) return i === k ? 409 : 200;
    const a = this.profiles.get(r1);
    const b = this.profiles.get(r2);
    const keepRequested = !a || !b ? !(b && !a) : a.seq <= b.seq;
    const [survivor, loser] = keepRequested ? [r1, r2] : [r2, r1];
    this.alias.set(L(loser), survivor);
    for (const [from, to] of this.alias) if (to === loser) this.alias.set(from, survivor);
    this.moveLedger(L(loser), L(survivor));
    const kept = this.outcomes.get(survivor) ?? new Map<string, string>();
    for (const [id, result] of this.outcomes.get(loser) ?? []) if (!kept.has(id)) kept.set(id, result);
    if (kept.size > 0) this.outcomes.set(survivor, kept);
    this.outcomes.delete(loser);
    const gone = this.profiles.get(loser);
    if (gone) {
      const into = this.profiles.get(survivor);
      const fill = Object.entries(gone.attributes).filter(([n]) => into?.attributes[n] === undefined);
      if (fill.length > 0)
        this.profiles.set(survivor, {
          attributes: { ...into?.attributes, ...Object.fromEntries(fill) },
          seq: into?.seq ?? ++this.seq,
        });
      this.profiles.delete(loser);
    }
    return 200;
  }
  attributes(i: number, name: string, value: string): number {
    const r = this.leadOf(i);
    if (r === 'erased') return 410;
    const profile = this.profiles.get(r) ?? { attributes: {}, seq: ++this.seq };
    profile.attributes[name] = value;
    this.profiles.set(r, profile);
    return 200;
  }
  outcome(i: number, id: string, result: string): number {
    const r = this.leadOf(i);
    if (r === 'erased') return 410;
    const outcomes = this.outcomes.get(r) ?? new Map<string, string>();
    this.outcomes.set(r, outcomes);
    const had = outcomes.get(id);
    if (had === undefined) {
      outcomes.set(id, result);
      return 201;
    }
    return had === result ? 200 : 409;
  }
  known(r: number): boolean {
    return (
      (this.ledger.get(L(r))?.size ?? 0) > 0 ||
      this.profiles.has(r) ||
      (this.outcomes.get(r)?.size ?? 0) > 0 ||
      [...this.alias.values()].includes(r)
    );
  }
  erase(i: number): number {
    const r = this.leadOf(i);
    if (r === 'erased') return 202;
    if (!this.known(r)) return 404;
    const everyone = [L(r), L(i), ...[...this.alias].filter(([, to]) => to === r).map(([from]) => from)];
    for (const s of everyone) {
      this.erased.add(s);
      this.alias.delete(s);
      this.ledger.delete(s);
      if (s.startsWith('LEAD#')) {
        this.profiles.delete(Number(s.slice(5)));
        this.outcomes.delete(Number(s.slice(5)));
      }
    }
    // Accepted: the person is gone at once but for the ledger, which a job sweeps.
    return 202;
  }
  /** What GET /v1/leads/{id} answers: its status, and the lead behind it. */
  read(i: number): { status: number; lead?: number } {
    const r = this.leadOf(i);
    if (r === 'erased') return { status: 410 };
    const empty =
      (this.ledger.get(L(r))?.size ?? 0) === 0 &&
      !this.profiles.has(r) &&
      (this.outcomes.get(r)?.size ?? 0) === 0;
    return empty ? { status: 404 } : { status: 200, lead: r };
  }
}

// ---- Running a sequence against the runtime. ----

let run = 0;
class Real {
  readonly prefix = `m${process.pid}x${(++run).toString(36)}x${Date.now().toString(36)}`;
  lead = (i: number) => `${this.prefix}-L${i}`;
  visitor = (j: number) => `${this.prefix}-V${j}`;
  id = (subject: string) =>
    subject.startsWith('LEAD#')
      ? this.lead(Number(subject.slice(5)))
      : this.visitor(Number(subject.slice(5)));
}

const INSTANTS = ['2026-11-20T10:00:00Z', '2026-11-21T10:00:00Z'];
function spell(at: number, spelling: number): string {
  const iso = INSTANTS[at]!;
  if (spelling === 0) return iso;
  if (spelling === 1) return iso.replace('Z', '.000Z');
  return new Date(Date.parse(iso) + 3_600_000).toISOString().replace(/\.000Z$/, '+01:00');
}

async function jobDone(location: string): Promise<void> {
  await until(async () => {
    const job = (await (await api(location)).json()) as { status: string };
    if (job.status === 'failed') throw new Error(`the erase job failed: ${JSON.stringify(job)}`);
    return job.status === 'succeeded' ? true : undefined;
  });
}

async function status(response: Response): Promise<number> {
  await response.arrayBuffer();
  return response.status;
}

/** Runs one operation: the runtime's answer must be the reference's. */
async function step(op: Op, ref: Reference, real: Real): Promise<void> {
  const now = new Date().toISOString();
  switch (op.op) {
    case 'event': {
      const subject = key(op.who);
      const id = real.id(subject);
      const event = {
        eventId: `e${op.event}`,
        ...(subject.startsWith('LEAD#') ? { leadId: id } : { anonymousId: id }),
        type: op.type,
        occurredAt: now,
        ...(op.type === 'form_submit' && { properties: { form: 'demo' } }),
      };
      const answer = (await (
        await api('/v1/events', { method: 'POST', json: { events: [event] } })
      ).json()) as {
        results: { status: string }[];
      };
      expect(answer.results[0]!.status, 'event status').toBe(ref.record(subject, `e${op.event}`));
      return;
    }
    case 'pixel': {
      const query = new URLSearchParams({ a: real.visitor(op.visitor), id: `p${op.event}`, u: '/pricing' });
      await status(await fetch(`${runtime.url}/p.gif?${query}`, { headers: { 'user-agent': BROWSER_UA } }));
      ref.record(V(op.visitor), `p${op.event}`);
      return;
    }
    case 'emailOpen': {
      const t = signLeadToken(runtime.signingSecret, {
        l: real.lead(op.lead),
        m: 'news',
        x: Math.floor(Date.now() / 1000) + 600,
      });
      const query = new URLSearchParams({ t, id: `m${op.event}` });
      await status(await fetch(`${runtime.url}/p.gif?${query}`, { headers: { 'user-agent': BROWSER_UA } }));
      ref.record(L(op.lead), `m${op.event}`);
      return;
    }
    case 'bus': {
      const subject = key(op.who);
      const id = real.id(subject);
      const detail = {
        eventId: `b${op.event}`,
        ...(subject.startsWith('LEAD#') ? { leadId: id } : { anonymousId: id }),
        type: 'webinar_attended',
        occurredAt: now,
      };
      const entries = [{ Source: 'crm', DetailType: 'leadscore.activity', Detail: JSON.stringify(detail) }];
      expect(await status(await api('/local/events', { method: 'POST', json: { Entries: entries } }))).toBe(
        200,
      );
      if (ref.record(subject, `b${op.event}`) === 'recorded') {
        // The bus hands the event to ingest-bus asynchronously, as EventBridge does: the sequence goes on once it
        // is recorded, as the next request of a client that waited for it would.
        const at = ref.resolve(subject);
        const pk = at.startsWith('LEAD#') ? `LEAD#${real.id(at)}` : `ANON#${real.id(at)}`;
        await until(async () =>
          (await itemsUnder('activities', pk)).some((i) => i.eventId === `b${op.event}`) ? true : undefined,
        );
      }
      return;
    }
    case 'identify': {
      const body = { leadId: real.lead(op.lead), anonymousId: real.visitor(op.visitor) };
      const got = await status(await api('/v1/identify', { method: 'POST', json: body }));
      expect(got, 'identify status').toBe(ref.identify(op.visitor, op.lead));
      return;
    }
    case 'merge': {
      const body = { leadId: real.lead(op.lead), previousId: real.lead(op.previous) };
      const got = await status(await api('/v1/identify', { method: 'POST', json: body }));
      expect(got, 'merge status').toBe(ref.merge(op.lead, op.previous));
      return;
    }
    case 'attributes': {
      const got = await status(
        await api(`/v1/leads/${real.lead(op.lead)}/attributes`, {
          method: 'PUT',
          json: { attributes: { [op.name]: op.value } },
        }),
      );
      expect(got, 'attributes status').toBe(ref.attributes(op.lead, op.name, op.value));
      return;
    }
    case 'outcome': {
      const body = {
        outcome: op.result,
        occurredAt: spell(op.at, op.spelling),
        ...(op.id && { outcomeId: op.id }),
      };
      const got = await status(
        await api(`/v1/leads/${real.lead(op.lead)}/outcomes`, { method: 'POST', json: body }),
      );
      // Without an id, the id comes from the content: the id asked for, the result, the instant.
      const id = op.id ?? `auto:${op.lead}:${op.result}:${Date.parse(INSTANTS[op.at]!)}`;
      expect(got, 'outcome status').toBe(ref.outcome(op.lead, id, op.result));
      return;
    }
    case 'erase': {
      const response = await api(`/v1/leads/${real.lead(op.lead)}`, { method: 'DELETE' });
      const got = await status(response);
      expect(got, 'erase status').toBe(ref.erase(op.lead));
      // The ledger is swept by a job: the sequence goes on once it has, as a client following Location would.
      if (got === 202) await jobDone(response.headers.get('location')!);
      return;
    }
    case 'raceIdentify': {
      const answers = await Promise.all(
        op.leads.map(async (i) =>
          status(
            await api('/v1/identify', {
              method: 'POST',
              json: { leadId: real.lead(i), anonymousId: real.visitor(op.visitor) },
            }),
          ),
        ),
      );
      // Whoever won, the reference follows; a loser of a race is a 409, and never both win for different leads.
      const targets = op.leads.map((i) => ref.leadOf(i));
      if (targets[0] !== targets[1]) expect(answers.filter((s) => s === 200).length).toBeLessThanOrEqual(1);
      for (const [n, i] of op.leads.entries()) {
        if (answers[n] !== 200) continue;
        expect(ref.identify(op.visitor, i), 'race winner').toBe(200);
      }
      for (const [n, i] of op.leads.entries()) {
        if (answers[n] === 200) continue;
        const alone = ref.leadOf(i) === 'erased' || ref.erased.has(V(op.visitor)) ? 410 : 409;
        expect(answers[n], 'race loser').toBe(alone);
      }
      return;
    }
  }
}

async function ranked(): Promise<Set<string>> {
  const ids = new Set<string>();
  let cursor: string | undefined;
  do {
    const page = (await (await api(`/v1/leads?limit=200${cursor ? `&cursor=${cursor}` : ''}`)).json()) as {
      leads: { leadId: string }[];
      nextCursor?: string;
    };
    for (const l of page.leads) ids.add(l.leadId);
    cursor = page.nextCursor;
  } while (cursor);
  return ids;
}

async function scanFor(prefix: string): Promise<Record<string, unknown>[]> {
  const found: Record<string, unknown>[] = [];
  for (const table of [runtime.tables.activities, runtime.tables.leads]) {
    let start: Record<string, unknown> | undefined;
    do {
      const page = await db.send(new ScanCommand({ TableName: table, ExclusiveStartKey: start }));
      found.push(...(page.Items ?? []).filter((i) => JSON.stringify(i).includes(prefix)));
      start = page.LastEvaluatedKey;
    } while (start);
  }
  return found;
}

/** After a sequence: the stored state is the reference's, once the streams have caught up. */
async function verify(ref: Reference, real: Real): Promise<void> {
  // Every ledger holds exactly the reference's events; an aliased, merged or erased id holds none. A tracking hit
  // for a lead merged away or erased lands under the id its token names until scoring moves or erases it: wait.
  const subjects = [...Array(LEADS).keys()].map(L).concat([...Array(VISITORS).keys()].map(V));
  const ledgers = async () => {
    for (const subject of subjects) {
      const pk = subject.startsWith('LEAD#') ? `LEAD#${real.id(subject)}` : `ANON#${real.id(subject)}`;
      const stored = (await itemsUnder('activities', pk)).map((i) => String(i.eventId)).sort();
      const expected = ref.resolve(subject) === subject ? [...(ref.ledger.get(subject) ?? [])].sort() : [];
      if (JSON.stringify(stored) !== JSON.stringify(expected))
        return `ledger of ${subject}: ${JSON.stringify(stored)}, expected ${JSON.stringify(expected)}`;
    }
    return undefined;
  };
  await until(async () => ((await ledgers()) === undefined ? true : undefined), 30_000).catch(async () => {
    throw new Error((await ledgers()) ?? 'ledgers did not settle');
  });
  for (let i = 0; i < LEADS; i++) {
    const expected = ref.read(i);
    const response = await api(`/v1/leads/${real.lead(i)}`);
    expect(response.status, `GET lead ${i}`).toBe(expected.status);
    const body = (await response.json()) as {
      leadId: string;
      mergedInto?: string;
      attributes: Record<string, unknown>;
      outcomes: { outcome: string }[];
    };
    if (expected.lead === undefined) continue;
    expect(body.leadId, `GET lead ${i}: who`).toBe(real.lead(expected.lead));
    expect(body.mergedInto, `GET lead ${i}: mergedInto`).toBe(
      expected.lead === i ? undefined : real.lead(expected.lead),
    );
    expect(body.attributes, `GET lead ${i}: attributes`).toEqual(
      ref.profiles.get(expected.lead)?.attributes ?? {},
    );
    expect(body.outcomes.map((o) => o.outcome).sort(), `GET lead ${i}: outcomes`).toEqual(
      [...(ref.outcomes.get(expected.lead)?.values() ?? [])].sort(),
    );
  }
  // Scores: a live lead with scoring activity has a score equal to a full recompute of its ledger, and is ranked;
  // a merged or erased one has none, and is not.
  const live = new Set<number>();
  for (let i = 0; i < LEADS; i++) if (ref.resolve(L(i)) === L(i)) live.add(i);
  await until(async () => {
    const list = await ranked();
    for (let i = 0; i < LEADS; i++) {
      const items = await itemsUnder('leads', `LEAD#${real.lead(i)}`);
      const score = items.find((x) => x.entity === 'score');
      if (!live.has(i)) {
        if (score || list.has(real.lead(i))) return undefined;
        if (items.some((x) => !['merged', 'erased'].includes(String(x.entity)))) return undefined;
        continue;
      }
      const activities = await itemsUnder('activities', `LEAD#${real.lead(i)}`);
      const scoring = activities.length > 0;
      if (!scoring) {
        if (score) return undefined;
        continue;
      }
      if (!score || !list.has(real.lead(i))) return undefined;
      const profile = items.find((x) => x.entity === 'profile');
      const full = recomputeLead(
        model!,
        activities as never,
        profile?.attributes as never,
        Date.parse(scoreOf(score).updatedAt),
      );
      if (Math.abs(full.score.score - Number(score.score)) > 1e-9) return undefined;
    }
    return true;
  }, 30_000).catch(() => {
    throw new Error('scores, ranked list or merged/erased leads did not settle to the reference');
  });
  // Nothing anywhere names an erased id but the score markers, which hold only their key.
  const erasedIds = [...ref.erased].map((s) => real.id(s));
  if (erasedIds.length > 0) {
    await until(async () => {
      const named = (await scanFor(real.prefix)).filter((item) =>
        erasedIds.some(
          (id) => JSON.stringify(item).includes(`${id}"`) || JSON.stringify(item).includes(`${id}#`),
        ),
      );
      return named.every((i) => i.entity === 'erased' && String(i.sk).startsWith('SCORE#'))
        ? true
        : undefined;
    }, 30_000).catch(() => {
      throw new Error(`items still name an erased id (${erasedIds.join(', ')})`);
    });
  }
}

async function runSequence(ops: Op[]): Promise<void> {
  const ref = new Reference();
  const real = new Real();
  for (const [n, op] of ops.entries()) {
    try {
      await step(op, ref, real);
    } catch (error) {
      throw new Error(`operation ${n} ${JSON.stringify(op)}: ${(error as Error).message}`);
    }
  }
  await verify(ref, real);
  // Other files share this runtime and read its ranked list: its leads go once they have been checked.
  for (let i = 0; i < LEADS; i++) await status(await api(`/v1/leads/${real.lead(i)}`, { method: 'DELETE' }));
}

/** The shortest sub-sequence that still fails (dropping chunks, then single operations, while it fails). */
async function shrink(ops: Op[]): Promise<Op[]> {
  let current = ops;
  const fails = async (candidate: Op[]) =>
    runSequence(candidate).then(
      () => false,
      () => true,
    );
  for (let chunk = Math.ceil(current.length / 2); chunk >= 1; chunk = Math.floor(chunk / 2)) {
    for (let start = 0; start < current.length; ) {
      const candidate = [...current.slice(0, start), ...current.slice(start + chunk)];
      if (candidate.length > 0 && (await fails(candidate))) current = candidate;
      else start += chunk;
    }
  }
  return current;
}

describe('identity, outcomes and erasure under any sequence of requests', () => {
  it(`${SEQUENCES} seeded sequences of ${OPS} operations agree with the reference model`, {
    timeout: 0,
  }, async () => {
    const sequences = fc.sample(fc.array(opArbitrary, { minLength: OPS, maxLength: OPS }), {
      seed: SEED,
      numRuns: SEQUENCES,
    });
    const started = Date.now();
    for (const [n, ops] of sequences.entries()) {
      const failure = await runSequence(ops).then(
        () => undefined,
        (error: Error) => error,
      );
      if (!failure) continue;
      const shortest = await shrink(ops);
      const again = await runSequence(shortest).then(
        () => failure,
        (error: Error) => error,
      );
      throw new Error(
        `sequence ${n} (MODEL_SEED=${SEED}) fails: ${failure.message}\nshortest failing sequence (${shortest.length} operations): ${again.message}\n${shortest.map((op) => JSON.stringify(op)).join('\n')}`,
      );
    }
    console.error(
      `model-based test: ${SEQUENCES} x ${OPS} operations in ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
  });
});
