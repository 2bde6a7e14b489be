/**
 * The Leadscore dashboard: plain TypeScript on the DOM and hand-drawn SVG, on the same /v1 API as everything else.
 * No framework and no chart library: four views, a few tables and three small charts do not need one, and the
 * page stays a few kilobytes with nothing fetched from anywhere but this API. The API key is kept in session
 * storage and sent as a header, never put in a URL.
 */

import type { BreakdownLine, LeadScore as EngineScore } from '../shared/engine/score.ts';
import type { Notification } from '../shared/notify/notifications.ts';

/** A lead's score as GET /v1/leads/{id} shows it: the engine's, as of now. */
type LeadScore = Omit<EngineScore, 'groups' | 'at'>;

const KEY = 'leadscore.apiKey';
const view = document.getElementById('view')!;

// ---------- API ----------

class Unauthorised extends Error {}

async function api<T>(path: string, init: RequestInit = {}): Promise<T> {
  const key = sessionStorage.getItem(KEY);
  if (!key) throw new Unauthorised();
  const response = await fetch(path, {
    ...init,
    headers: { authorization: `Bearer ${key}`, ...(init.body ? { 'content-type': 'application/json' } : {}) },
  });
  if (response.status === 401 || response.status === 403) throw new Unauthorised();
  const body = await response.json();
  if (!response.ok) throw new Error(body.detail ?? `${response.status}`);
  return body as T;
}

interface LeadRow {
  leadId: string;
  name?: string;
  email?: string;
  company?: string;
  title?: string;
  reason?: string;
  score: number;
  grade: string;
  band: string;
  flags: string[];
  lastActivityAt?: string;
}
interface Change {
  model: string;
  at: string;
  /** The lead's latest activity at the change: where an activity's change belongs on a time axis. */
  activityAt?: string;
  score: number;
  band: string;
  oldBand: string | null;
  cause: { kind: string; eventIds?: string[] };
}
interface Lead {
  leadId: string;
  attributes: Record<string, unknown>;
  scores: LeadScore[];
  outcomes: { outcome: string; occurredAt: string }[];
  recentActivity: {
    eventId: string;
    type: string;
    occurredAt: string;
    properties?: Record<string, unknown>;
    bot?: boolean;
  }[];
}
interface Model {
  model: string;
  version: number;
  name: string;
  kind?: string;
  bands: { hysteresis?: number; levels: { id: string; min?: number }[] };
  rules: {
    id: string;
    group: string;
    points: number;
    when?: { type: string | string[] };
    all?: string[];
    inactiveFor?: number;
  }[];
  fit: {
    rules: { id: string; attribute: string; points: number }[];
    grades: { grade: string; min?: number }[];
  };
}

let modelsCache: Model[] | undefined;
const models = async () => (modelsCache ??= (await api<{ models: Model[] }>('/v1/models')).models);

// ---------- helpers ----------

function h(
  tag: string,
  attrs: Record<string, string | number | undefined> = {},
  ...children: (Node | string)[]
): HTMLElement {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined) el.setAttribute(k, String(v));
  el.append(...children);
  return el;
}
const esc = (s: string | undefined) =>
  String(s ?? '').replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
const when = (iso?: string) => (iso ? new Date(iso).toLocaleString() : '–');
const ago = (iso?: string) => {
  if (!iso) return '–';
  const s = (Date.now() - Date.parse(iso)) / 1000;
  return s < 90
    ? `${Math.round(s)} s ago`
    : s < 5400
      ? `${Math.round(s / 60)} min ago`
      : s < 129600
        ? `${Math.round(s / 3600)} h ago`
        : `${Math.round(s / 86400)} d ago`;
};
const leads = (n: number) => `${n.toLocaleString('en')} ${n === 1 ? 'lead' : 'leads'}`;
const bandTag = (band: string) => `<span class="band band-${esc(band)}">${esc(band)}</span>`;

// ---------- charts (SVG) ----------

/** An activity's change sits at the time the lead acted; decay and rescoring at the time they ran. */
const tOf = (c: Change) => Date.parse(c.cause.kind === 'activity' && c.activityAt ? c.activityAt : c.at);

/** Score over time since `since` until now, the bands' thresholds as dashed lines, each band crossing as a dot. */
function historyChart(changes: Change[], model: Model | undefined, since: number): string {
  const W = 640;
  const H = 240;
  const L = 40;
  const R = 70;
  const T = 10;
  const B = 24;
  if (changes.length === 0) return '<p class="muted">No score changes in this period.</p>';
  const points = [...changes].sort((a, b) => tOf(a) - tOf(b));
  const t0 = since;
  const t1 = Math.max(Date.now(), tOf(points.at(-1)!));
  const thresholds = (model?.bands.levels ?? []).filter((l) => l.min !== undefined) as {
    id: string;
    min: number;
  }[];
  const top = Math.max(10, ...points.map((p) => p.score), ...thresholds.map((l) => l.min)) * 1.1;
  const bottom = Math.min(0, ...points.map((p) => p.score));
  const x = (t: number) => L + ((t - t0) / (t1 - t0)) * (W - L - R);
  const y = (v: number) => H - B - ((v - bottom) / (top - bottom)) * (H - T - B);
  const lines = thresholds
    .map(
      (l) =>
        `<line x1="${L}" x2="${W - R}" y1="${y(l.min)}" y2="${y(l.min)}" stroke="#b8bfcc" stroke-dasharray="4 4"/><text x="${W - R + 4}" y="${y(l.min) + 4}">${esc(l.id)} ${l.min}</text>`,
    )
    .join('');
  // A score holds until it changes: steps, and the last one carried on to now.
  const path = [
    ...points.flatMap((p, i) => {
      const px = x(tOf(p)).toFixed(1);
      const prev = points[i - 1];
      return [...(prev ? [`${px},${y(prev.score).toFixed(1)}`] : []), `${px},${y(p.score).toFixed(1)}`];
    }),
    `${x(t1).toFixed(1)},${y(points.at(-1)!.score).toFixed(1)}`,
  ].join(' ');
  // A first score counts as a crossing when it starts above the lowest band.
  const lowest = model?.bands.levels[0]?.id;
  const crossings = points
    .filter((p) => (p.oldBand ?? lowest) !== p.band)
    .map(
      (p) =>
        `<circle class="crossing" cx="${x(tOf(p)).toFixed(1)}" cy="${y(p.score).toFixed(1)}" r="5" fill="#e8730c"><title>${esc(p.oldBand ?? '')} → ${esc(p.band)} at ${when(new Date(tOf(p)).toISOString())}</title></circle>`,
    )
    .join('');
  return `<svg viewBox="0 0 ${W} ${H}" width="100%" role="img" aria-label="score history">
    <line x1="${L}" x2="${W - R}" y1="${y(0)}" y2="${y(0)}" stroke="#e6e8ee"/>
    <text x="${L - 6}" y="${y(0) + 4}" text-anchor="end">0</text><text x="${L - 6}" y="${y(top / 1.1) + 4}" text-anchor="end">${Math.round(top / 1.1)}</text>
    ${lines}<polyline class="score-line" fill="none" stroke="#2f6fed" stroke-width="2" points="${path}"/>${crossings}
    <text x="${L}" y="${H - 6}">${esc(new Date(t0).toLocaleDateString())}</text><text x="${W - R}" y="${H - 6}" text-anchor="end">now</text>
  </svg>`;
}

function bars(
  label: string,
  values: { label: string; value: number; note?: string }[],
  format: (v: number) => string,
): string {
  const W = 420;
  const H = 180;
  const max = Math.max(0.0001, ...values.map((v) => v.value)) * 1.15;
  const slot = (W - 20) / Math.max(1, values.length);
  return `<svg viewBox="0 0 ${W} ${H}" width="100%" role="img" aria-label="${esc(label)}">${values
    .map((v, i) => {
      const bh = (v.value / max) * (H - 40);
      const x = 10 + i * slot;
      return `<rect x="${x + 3}" y="${H - 20 - bh}" width="${slot - 6}" height="${bh}" fill="#2f6fed"><title>${esc(v.note ?? '')}</title></rect>
        <text x="${x + slot / 2}" y="${H - 6}" text-anchor="middle">${esc(v.label)}</text>
        <text x="${x + slot / 2}" y="${H - 24 - bh}" text-anchor="middle">${format(v.value)}</text>`;
    })
    .join('')}</svg>`;
}

// ---------- words ----------

const FIELD_LABELS: Record<string, string> = {
  name: 'Name',
  firstName: 'First name',
  lastName: 'Last name',
  email: 'E-mail',
  emailDomain: 'E-mail domain',
  company: 'Company',
  title: 'Title',
  industry: 'Industry',
  employees: 'Employees',
  annualRevenue: 'Annual revenue',
  country: 'Country',
};
const fieldLabel = (k: string) =>
  FIELD_LABELS[k] ?? k.replace(/([a-z])([A-Z])/g, '$1 $2').replace(/[_-]/g, ' ');
const flagChip = (f: string) => `<span class="chip chip-${esc(f)}">${esc(f.replace(/-/g, ' '))}</span>`;
const who = (l: { leadId: string; name?: string; email?: string }) => l.name ?? l.email ?? l.leadId;

/** A contact in the words sales would use. */
function activityWords(a: { type: string; properties?: Record<string, unknown> }): string {
  const p = a.properties ?? {};
  const s = (k: string) => (p[k] === undefined ? '' : String(p[k]));
  switch (a.type) {
    case 'page_view':
      return `Viewed ${s('path') || s('url') || 'a page'}`;
    case 'form_submit':
      return s('form') === 'demo' ? 'Requested a demo' : `Submitted the ${s('form') || 'a'} form`;
    case 'email_open':
      return `Opened e-mail ${s('subject') || s('campaign')}`.trim();
    case 'email_click':
      return `Clicked a link in e-mail ${s('subject') || s('campaign')}`.trim();
    case 'download':
      return `Downloaded ${s('asset') || 'a file'}`;
    case 'webinar_registered':
      return `Registered for a webinar ${s('webinar')}`.trim();
    case 'webinar_attended':
      return `Attended a webinar ${s('webinar')}`.trim();
    default:
      return a.type.replace(/_/g, ' ').replace(/^./, (c) => c.toUpperCase());
  }
}

const LINE_KINDS: Record<string, string> = {
  base: 'Starting points',
  rest: 'Smaller rules together',
  decay: 'Faded with time',
  'group-cap': 'Group capped',
  'group-floor': 'Group floor',
  'total-cap': 'Total capped',
  floor: 'Floor',
  probability: 'Model probability',
};
const RULE_KINDS: Record<string, string> = {
  behaviour: 'Activity',
  inactivity: 'Inactivity',
  fit: 'Profile fit',
};
const lineKind = (l: BreakdownLine) =>
  l.kind === 'rule' ? (RULE_KINDS[l.ruleKind ?? ''] ?? 'Rule') : (LINE_KINDS[l.kind] ?? l.kind);

// ---------- views ----------

const countsCache = new Map<string, Record<string, { count: number; more?: boolean }>>();

interface LeadPage {
  model: string;
  leads: LeadRow[];
  nextCursor?: string;
  /** A search that found more leads than it ranks: typing more narrows it. */
  truncated?: boolean;
}
/** A page of the ranked list; without a model, the API's first (the one the list opens on). */
const leadPage = (p: { model?: string; band?: string; q?: string; cursor?: string; limit: number }) =>
  api<LeadPage>(
    `/v1/leads?${new URLSearchParams(
      Object.entries(p).flatMap(([k, v]) => (v === undefined || v === '' ? [] : [[k, String(v)]])),
    )}`,
  );
const PAGE = 50;

const row = (l: LeadRow) => `<tr class="lead" data-lead="${esc(l.leadId)}">
  <td data-label="Lead"><a href="#/lead/${encodeURIComponent(l.leadId)}">${esc(who(l))}</a>${l.name && l.email ? `<div class="muted small">${esc(l.email)}</div>` : ''}</td>
  <td data-label="Company" class="company">${esc(l.company ?? '–')}</td>
  <td data-label="Title">${esc(l.title ?? '–')}</td>
  <td data-label="Score" class="num score">${l.score.toFixed(1)}</td>
  <td data-label="Grade">${esc(l.grade)}</td>
  <td data-label="Band">${bandTag(l.band)}</td>
  <td data-label="Flags">${l.flags.map(flagChip).join(' ')}</td>
  <td data-label="Why now">${esc(l.reason ?? '–')}</td>
  <td data-label="Last activity" title="${esc(when(l.lastActivityAt))}">${ago(l.lastActivityAt)}</td></tr>`;

async function leadsView(params: URLSearchParams): Promise<void> {
  const band = params.get('band') ?? '';
  const opened = {
    q: params.get('q') ?? '',
    cursor: params.get('cursor') ?? '',
    trail: (params.get('trail') ?? '').split(',').filter(Boolean),
  };
  // The first page is asked for alongside the models, not after them: the list needs the model only by name.
  const [all, first] = await Promise.all([
    models(),
    leadPage({
      model: params.get('model') ?? undefined,
      band,
      q: opened.q,
      cursor: opened.cursor,
      limit: PAGE,
    }),
  ]);
  const model = first.model;
  const levels =
    all
      .find((m) => m.model === model)
      ?.bands.levels.map((l) => l.id)
      .reverse() ?? [];
  view.innerHTML = `<h1>Leads</h1>
    <form class="toolbar" role="search" id="search">
      <label>Model <select id="model">${all.map((m) => `<option ${m.model === model ? 'selected' : ''}>${esc(m.model)}</option>`).join('')}</select></label>
      <label class="grow">Search <input id="q" type="search" autocomplete="off" value="${esc(opened.q)}" placeholder="name, e-mail, company or lead id"></label>
    </form>
    <nav class="bands" aria-label="Bands"></nav>
    <div class="card"><div id="status" role="status" class="muted">Loading leads…</div>
    <table id="leads" class="list"><thead><tr><th>Lead</th><th>Company</th><th>Title</th><th class="num">Score</th><th>Grade</th><th>Band</th><th>Flags</th><th>Why now</th><th>Last activity</th></tr></thead><tbody></tbody></table>
    <nav class="pager" aria-label="Pages"></nav></div>`;
  const table = view.querySelector('#leads')!;
  const tbody = view.querySelector('tbody')!;
  const status = view.querySelector('#status')!;
  const pager = view.querySelector('nav.pager')!;
  const input = view.querySelector('#q') as HTMLInputElement;
  const link = (p: Record<string, string | undefined>) =>
    `#/leads?${new URLSearchParams(Object.entries({ model, ...p }).filter((e): e is [string, string] => !!e[1]))}`;

  // The band tabs, with counts once known: asked for after the list is drawn, so counting never delays it.
  const tabs = (q: string) => {
    const counts = countsCache.get(model);
    view.querySelector('nav.bands')!.innerHTML = [['', 'All'], ...levels.map((b) => [b, b])]
      .map(([id, label]) => {
        const c = id ? counts?.[id!] : undefined;
        return `<a href="${link({ band: id, q })}" ${id === band ? 'aria-current="page" class="active"' : ''}>${esc(label)}${c ? ` <span class="count">${c.count.toLocaleString('en')}${c.more ? '+' : ''}</span>` : ''}</a>`;
      })
      .join('');
  };
  const count = async (q: string) => {
    const { counts } = await api<{ counts?: Record<string, { count: number; more?: boolean }> }>(
      `/v1/leads?${new URLSearchParams({ model, limit: '1', counts: 'true' })}`,
    );
    if (counts) countsCache.set(model, counts);
    if (tbody.isConnected) tabs(q);
  };

  // A fresh open counts again; paging keeps the counts it has.
  if (!opened.cursor) countsCache.delete(model);
  let loaded = 0;
  /** Draws a page; the list counts as shown once it is, and the band counts follow. */
  const load = async (q: string, cursor: string, trail: string[], answer?: Promise<LeadPage>) => {
    const mine = ++loaded;
    table.setAttribute('aria-busy', 'true');
    if (!answer) status.textContent = q ? `Searching for “${q}”…` : 'Loading leads…';
    const page = await (answer ?? leadPage({ model, band, q, cursor, limit: PAGE }));
    if (mine !== loaded || !tbody.isConnected) return; // a later keystroke won
    tabs(q);
    tbody.innerHTML = page.leads.map(row).join('');
    const shown = page.leads.length;
    const next = page.nextCursor;
    status.textContent =
      shown > 0
        ? `${leads(shown)} on this page${q ? ` matching “${q}”` : ''}${page.truncated ? '. Too many leads match to rank them all: these are some of them, not necessarily the best-scored. Type more to narrow the search.' : ''}`
        : q
          ? `No lead’s name, company, e-mail or id starts with “${q}”. Try the start of a name, an e-mail or an id.`
          : 'No leads here yet. Send activities (POST /v1/events), or open the demo site that npm start prints, and they appear within seconds.';
    performance.mark('leadscore:first-view');
    const ready = (countsCache.has(model) ? Promise.resolve() : count(q).catch(() => undefined)).then(() => {
      if (mine === loaded) document.body.dataset.ready = 'leads';
    });
    const prev = trail.at(-1);
    pager.innerHTML = `${
      cursor
        ? `<a id="prev" href="${link({ band, q, cursor: prev, trail: trail.slice(0, -1).join(',') })}">← Previous</a>`
        : ''
    }${next ? `<a id="next" href="${link({ band, q, cursor: next, trail: [...trail, cursor].join(',') })}">Next →</a>` : ''}`;
    table.removeAttribute('aria-busy');
    await ready;
  };

  view.querySelector('#model')!.addEventListener('change', (e) => {
    location.hash = `#/leads?model=${encodeURIComponent((e.target as HTMLSelectElement).value)}`;
  });
  view.querySelector('#search')!.addEventListener('submit', (e) => e.preventDefault());
  let debounce: number | undefined;
  input.addEventListener('input', () => {
    window.clearTimeout(debounce);
    debounce = window.setTimeout(() => {
      const q = input.value.trim();
      // The address follows the search without a new history entry or a re-render that would lose the focus.
      history.replaceState(null, '', link({ band, q }));
      delete document.body.dataset.ready;
      pager.innerHTML = '';
      void load(q, '', []).catch(showError);
    }, 250);
  });
  await load(opened.q, opened.cursor, opened.trail, Promise.resolve(first));
}

function showError(error: unknown): void {
  if (error instanceof Unauthorised) signIn();
  else
    view.innerHTML = `<div class="card"><h2>Something went wrong</h2><p>${esc((error as Error).message)}</p></div>`;
}

async function leadView(leadId: string, params: URLSearchParams): Promise<void> {
  const days = params.get('days') === '90' ? 90 : 30;
  const [lead, all, { changes }] = await Promise.all([
    api<Lead>(`/v1/leads/${encodeURIComponent(leadId)}`),
    models(),
    api<{ changes: Change[] }>(`/v1/leads/${encodeURIComponent(leadId)}/history?limit=500`),
  ]);
  const a = lead.attributes as Record<string, unknown>;
  const name = (a.name as string) ?? (a.email as string) ?? lead.leadId;
  const since = Date.now() - days * 86_400_000;
  view.innerHTML = `<h1>${esc(name)}</h1>
    <p class="muted">${[a.title, a.company ?? a.emailDomain, a.email]
      .filter(Boolean)
      .map((v) => esc(String(v)))
      .join(' · ')} <span class="small">id ${esc(lead.leadId)}</span></p>
    ${
      lead.scores
        .map((s) => {
          const model = all.find((m) => m.model === s.model);
          return `<div class="card" data-model="${esc(s.model)}"><h2>${esc(model?.name ?? s.model)} <span class="muted">(${esc(s.model)} v${s.version})</span></h2>
        <p><span class="kpi lead-score">${s.score.toFixed(1)}</span> ${bandTag(s.band)} grade <b>${esc(s.grade)}</b> (${esc(s.combined)}) ${s.flags.map(flagChip).join(' ')}</p>
        <h3>Why this score</h3>
        <table class="breakdown"><thead><tr><th>What</th><th>Kind</th><th class="group">Group</th><th class="num">Points</th></tr></thead><tbody>
        ${s.breakdown
          .map(
            (l) =>
              `<tr class="line line-${esc(l.kind)}" data-rule="${esc(l.rule ?? '')}"><td>${esc(l.label)}</td><td>${esc(lineKind(l))}</td><td class="group">${esc(l.group ?? '')}</td><td class="num points">${l.points > 0 ? '+' : ''}${l.points.toFixed(2)}</td></tr>`,
          )
          .join('')}
        </tbody><tfoot><tr><th colspan="2">Score</th><td class="group"></td><td class="num total">${s.score.toFixed(2)}</td></tr></tfoot></table>
        <div class="chart-head"><h3>Score over the last ${days} days</h3><nav aria-label="History range"><a href="#/lead/${encodeURIComponent(leadId)}?days=30" ${days === 30 ? 'aria-current="page"' : ''}>30 days</a> <a href="#/lead/${encodeURIComponent(leadId)}?days=90" ${days === 90 ? 'aria-current="page"' : ''}>90 days</a></nav></div>
        ${historyChart(
          changes.filter((c) => c.model === s.model && tOf(c) >= since),
          model,
          since,
        )}</div>`;
        })
        .join('') ||
      '<div class="card"><p class="muted">No score yet: this lead has no activity a model counts.</p></div>'
    }
    <div class="grid">
      <div class="card"><h2>Profile</h2>${
        Object.keys(a).length
          ? `<dl class="profile">${Object.entries(a)
              .map(([k, v]) => `<dt>${esc(fieldLabel(k))}</dt><dd>${esc(String(v))}</dd>`)
              .join('')}</dl>`
          : '<p class="muted">Nothing known yet: PUT /v1/leads/{id}/attributes or an identify call fills it in.</p>'
      }
        <h2 class="gap">Outcome</h2><p id="outcome">${lead.outcomes.map((o) => `<b>${esc(o.outcome)}</b> ${esc(when(o.occurredAt))}`).join(', ') || '<span class="muted">Open: no outcome recorded.</span>'}</p>
        <form id="record-outcome" class="toolbar"><label>Record an outcome <select id="outcome-kind"><option value="converted">converted</option><option value="won">won</option><option value="lost">lost</option></select></label><button class="primary">Record</button><span id="outcome-status" role="status" class="muted"></span></form></div>
      <div class="card"><h2>Timeline</h2>${
        lead.recentActivity.length
          ? `<ol class="timeline">${lead.recentActivity
              .map(
                (x) =>
                  `<li${x.bot ? ' class="bot"' : ''}><time datetime="${esc(x.occurredAt)}" title="${esc(when(x.occurredAt))}">${ago(x.occurredAt)}</time> ${esc(activityWords(x))}${x.bot ? ' <span class="chip">bot, not scored</span>' : ''}</li>`,
              )
              .join('')}</ol>`
          : '<p class="muted">No contact yet.</p>'
      }</div>
    </div>`;
  view.querySelector('#record-outcome')!.addEventListener('submit', async (e) => {
    e.preventDefault();
    const out = view.querySelector('#outcome-status')!;
    const outcome = (view.querySelector('#outcome-kind') as HTMLSelectElement).value;
    try {
      await api(`/v1/leads/${encodeURIComponent(leadId)}/outcomes`, {
        method: 'POST',
        body: JSON.stringify({ outcome }),
      });
      view.querySelector('#outcome')!.innerHTML =
        `<b>${esc(outcome)}</b> ${esc(when(new Date().toISOString()))}`;
      out.textContent = 'Recorded.';
    } catch (error) {
      out.textContent = `Not recorded: ${(error as Error).message}`;
    }
  });
  document.body.dataset.ready = 'lead';
}

let feedTimer: number | undefined;
async function feedView(): Promise<void> {
  view.innerHTML = `<h1>Live feed</h1><p class="muted">Band crossings and flags as they happen, newest first; checked every two seconds.</p>
    <form class="toolbar" id="feed-filters">
      <label>Direction <select id="f-direction"><option value="">any</option><option value="up">up</option><option value="down">down</option><option value="flag">flags</option></select></label>
      <label>Band <select id="f-band"><option value="">any</option>${[...new Set((await models()).flatMap((m) => m.bands.levels.map((l) => l.id)))].map((b) => `<option>${esc(b)}</option>`).join('')}</select></label>
    </form>
    <p id="feed-state" role="status" class="feed-state"></p>
    <div class="card feed"><ul id="feed"></ul><p id="feed-empty" class="muted">Nothing yet. When a lead crosses a threshold it shows here; the demo site (npm start prints it) makes one in a minute.</p></div>`;
  const list = view.querySelector('#feed')!;
  const state = view.querySelector('#feed-state') as HTMLElement;
  const empty = view.querySelector('#feed-empty') as HTMLElement;
  const direction = view.querySelector('#f-direction') as HTMLSelectElement;
  const band = view.querySelector('#f-band') as HTMLSelectElement;
  const CAP = 200;
  const filter = () => {
    for (const li of list.querySelectorAll<HTMLElement>('li')) {
      const d = li.dataset.direction!;
      li.hidden =
        (direction.value === 'flag'
          ? !['raised', 'cleared'].includes(d)
          : !!direction.value && d !== direction.value) ||
        (!!band.value && li.dataset.band !== band.value);
    }
    empty.hidden = [...list.querySelectorAll('li')].some((li) => !(li as HTMLElement).hidden);
  };
  direction.addEventListener('change', filter);
  band.addEventListener('change', filter);
  const show = (n: Notification) => {
    const what =
      n.type === 'band_crossing'
        ? `${bandTag(n.oldBand ?? '–')} → ${bandTag(n.newBand)} <span class="${n.direction}" aria-label="${n.direction}">${n.direction === 'up' ? '▲' : '▼'}</span>`
        : `flag ${flagChip(n.flag ?? '')} ${n.direction}`;
    const li = h('li', {
      'data-lead': n.leadId,
      'data-id': n.id,
      'data-direction': n.direction,
      'data-band': n.newBand,
    });
    li.innerHTML = `<time class="muted" datetime="${esc(n.at)}">${esc(new Date(n.at).toLocaleTimeString())}</time> <a href="#/lead/${encodeURIComponent(n.leadId)}">${esc(n.leadId)}</a> ${what}
        score ${n.oldScore?.toFixed(1) ?? '–'} → <b>${n.newScore.toFixed(1)}</b> <span class="muted">(${n.reasons
          .filter((r) => r.kind === 'rule')
          .slice(0, 3)
          .map((r) => `${esc(r.rule ?? r.label)} ${r.points > 0 ? '+' : ''}${r.points}`)
          .join(', ')})</span>`;
    list.prepend(li);
  };
  // Start at now with the last 50 items of the last day; then every two seconds, what came after.
  const seen = new Set<string>();
  let point = `since=${encodeURIComponent(new Date(Date.now() - 86_400_000).toISOString())}`;
  const fetchAfter = async () => {
    const got: Notification[] = [];
    for (let i = 0; i < 10; i++) {
      const page = await api<{ notifications: Notification[]; cursor: string }>(
        `/v1/notifications?${point}&limit=500`,
      );
      point = `after=${encodeURIComponent(page.cursor)}`;
      got.push(...page.notifications);
      if (page.notifications.length < 500) break;
    }
    return got;
  };
  const add = (items: Notification[]) => {
    for (const n of items) {
      if (seen.has(n.id)) continue;
      seen.add(n.id);
      show(n);
    }
    while (list.children.length > CAP) list.lastElementChild!.remove();
    filter();
  };
  add((await fetchAfter()).slice(-50));
  document.body.dataset.ready = 'feed';
  let failures = 0;
  feedTimer = window.setInterval(async () => {
    if (!list.isConnected) {
      window.clearInterval(feedTimer);
      return;
    }
    try {
      add(await fetchAfter());
      if (failures) state.textContent = '';
      failures = 0;
      state.classList.remove('offline');
    } catch (error) {
      if (error instanceof Unauthorised) {
        window.clearInterval(feedTimer);
        showError(error);
        return;
      }
      failures++;
      state.classList.add('offline');
      state.textContent = `Connection lost, retrying… (${failures} ${failures === 1 ? 'try' : 'tries'} failed; the feed picks up where it stopped)`;
    }
  }, 2000);
}

// ---------- models in words ----------

// biome-ignore lint/suspicious/noExplicitAny: model documents as the API serves them, validated on the server.
type Doc = Record<string, any>;
const dur = (d: unknown) =>
  d === undefined
    ? ''
    : String(d)
        .replace(/^(\d+)d$/, '$1 days')
        .replace(/^1 days$/, '1 day')
        .replace(/^(\d+)h$/, '$1 h');

/** A predicate (shared/model/schema.ts) in words: "starts with /pricing", "is one of a, b". */
function matchWords(p: unknown): string {
  if (p === null || typeof p !== 'object') return `is ${JSON.stringify(p)}`;
  const o = p as Doc;
  const parts: string[] = [];
  if (o.oneOf) parts.push(`is one of ${o.oneOf.join(', ')}`);
  if (o.prefix) parts.push(`starts with ${o.prefix}`);
  if (o.glob) parts.push(`matches ${o.glob}`);
  if (o.regex) parts.push(`matches /${o.regex}/`);
  if (o.gt !== undefined) parts.push(`is over ${o.gt}`);
  if (o.gte !== undefined) parts.push(`is at least ${o.gte}`);
  if (o.lt !== undefined) parts.push(`is under ${o.lt}`);
  if (o.lte !== undefined) parts.push(`is at most ${o.lte}`);
  if (o.exists !== undefined) parts.push(o.exists ? 'is set' : 'is not set');
  if (o.equals !== undefined) parts.push(`is ${JSON.stringify(o.equals)}`);
  return `${parts.join(' and ') || JSON.stringify(o)}${o.ignoreCase ? ' (any case)' : ''}`;
}

function ruleWhen(r: Doc): string {
  if (r.when) {
    const types = [r.when.type].flat().map((t: string) => activityWords({ type: t }).toLowerCase());
    const props = Object.entries(r.when.properties ?? {}).map(([k, v]) => `${k} ${matchWords(v)}`);
    return `${types.join(' or ')}${props.length ? ` where ${props.join(' and ')}` : ''}`;
  }
  if (r.all) return `all of ${r.all.join(', ')} within ${dur(r.within)}`;
  if (r.inactiveFor) return `no activity for ${dur(r.inactiveFor)}${r.repeat ? ', again each time' : ''}`;
  return '';
}

function ruleLimits(r: Doc): string {
  const out: string[] = [];
  if (r.limit)
    out.push(
      `${r.limit.times !== undefined ? `at most ${r.limit.times}×` : `at most ${r.limit.points} points`} per ${dur(r.limit.per)}${r.limit.by ? ` per ${r.limit.by}` : ''}`,
    );
  if (r.window)
    out.push(
      r.window.count !== undefined
        ? `${r.window.count} times within ${dur(r.window.within)}`
        : `returns after ${dur(r.window.returnAfter)} within ${dur(r.window.within)}`,
    );
  if (r.decay === 'none') out.push('does not fade');
  if (r.flag) out.push(`raises ${r.flag}${r.flagFor ? ` for ${dur(r.flagFor)}` : ''}`);
  if (r.disqualify) out.push('disqualifies');
  return out.join('; ') || '–';
}

function decayWords(d: Doc | undefined): string {
  if (!d || d.kind === 'none') return 'Points do not fade.';
  if (d.kind === 'halfLife') return `Points halve every ${dur(d.halfLife)}.`;
  return `Points lose ${d.percent}% every ${dur(d.every)}.`;
}

const bounds = (b: Doc | undefined) =>
  [b?.cap !== undefined && `capped at ${b.cap}`, b?.floor !== undefined && `floor ${b.floor}`]
    .filter(Boolean)
    .join(', ') || '–';

async function modelsView(): Promise<void> {
  const all = (await models()) as unknown as Doc[];
  const evaluations = await Promise.all(
    all.map((m) =>
      api<{
        publishedAt: string;
        evaluation: {
          auc?: number;
          deciles: { decile: number; conversionRate: number; lift: number }[];
          bands: { group: string; leads: number; conversionRate: number }[];
          withOutcome: number;
          verdicts?: { level: string; message: string }[];
        };
      }>(`/v1/models/${m.model}/evaluation`).catch(() => undefined),
    ),
  );
  view.innerHTML = `<h1>Models</h1>${all
    .map((m, i) => {
      const e = evaluations[i];
      const auc = e?.evaluation.auc;
      return `<div class="card" data-model="${esc(m.model)}"><h2>${esc(m.name)} <span class="muted">(${esc(m.model)} v${m.version}, ${esc(m.kind ?? 'rules')})</span></h2>
      ${m.description ? `<p>${esc(m.description)}</p>` : ''}
      <p>Bands: ${(m.bands.levels as Doc[]).map((l) => `${bandTag(l.id)}${l.min !== undefined ? ` ≥ ${l.min}` : ''}`).join(' ')} <span class="muted">(a lead leaves a band only ${m.bands.hysteresis ?? 0} points below its threshold)</span></p>
      <p>${esc(decayWords(m.decay))} Activity counts for ${esc(dur(m.horizon ?? '') || 'ever')}. Score ${esc(bounds(m.score))}${m.score?.base ? `, starting at ${m.score.base}` : ''}.</p>
      <h3>Groups</h3><table><thead><tr><th>Group</th><th>What</th><th>Bounds</th></tr></thead><tbody>
      ${(m.groups as Doc[]).map((g) => `<tr><td>${esc(g.id)}</td><td>${esc(g.description ?? '')}</td><td>${esc(bounds(g))}</td></tr>`).join('')}
      </tbody></table>
      <h3>Rules</h3><table class="rules list"><thead><tr><th>Rule</th><th>When</th><th class="num">Points</th><th>Group</th><th>Limits, windows, fading</th></tr></thead><tbody>
      ${(m.rules as Doc[]).map((r) => `<tr data-rule="${esc(r.id)}"><td><b>${esc(r.id)}</b>${r.description ? `<div class="muted small">${esc(r.description)}</div>` : ''}</td><td data-label="When" class="when">${esc(ruleWhen(r))}</td><td data-label="Points" class="num">${r.points}</td><td data-label="Group">${esc(r.group)}</td><td data-label="Limits">${esc(ruleLimits(r))}</td></tr>`).join('')}
      </tbody></table>
      <h3>Fit</h3><table><thead><tr><th>Rule</th><th>When</th><th class="num">Points</th></tr></thead><tbody>${(
        (m.fit?.rules ?? []) as Doc[]
      )
        .map(
          (r) =>
            `<tr><td>${esc(r.id)}</td><td>${esc(`${r.attribute} ${matchWords(r.match)}${r.and ? ` and ${r.and.attribute} ${matchWords(r.and.match)}` : ''}`)}${r.disqualify ? ' (disqualifies)' : ''}</td><td class="num">${r.points}</td></tr>`,
        )
        .join('')}</tbody></table>
      <p class="muted">Grades: ${((m.fit?.grades ?? []) as Doc[]).map((g) => `${esc(g.grade)}${g.min !== undefined ? ` ≥ ${g.min}` : ''}`).join(', ')}${m.fit?.addToScore ? '; fit points add to the score' : ''}.</p>
      <h3>Last evaluation</h3>${
        e
          ? `<p>AUC <b class="auc">${auc?.toFixed(3) ?? 'n/a'}</b> on ${e.evaluation.withOutcome} leads with an outcome: ${
              auc === undefined
                ? 'not enough outcomes of both kinds to say.'
                : `a lead that converted scored above one that did not ${Math.round(auc * 100)}% of the time (50% is a coin toss, 100% perfect).`
            } <span class="muted">Published ${esc(when(e.publishedAt))}.</span></p>
             ${(e.evaluation.verdicts ?? []).map((v) => `<p class="verdict verdict-${esc(v.level)}"><b>${v.level === 'fail' ? 'Problem' : 'Caution'}:</b> ${esc(v.message)}</p>`).join('') || '<p class="muted">No warnings: the figures look sound.</p>'}
             <div class="grid"><div><p class="muted">Conversion by decile (1 = highest scores)</p>${bars(
               'conversion by decile',
               e.evaluation.deciles.map((d) => ({
                 label: String(d.decile),
                 value: d.conversionRate,
                 note: `lift ${d.lift.toFixed(2)}x`,
               })),
               (v) => `${Math.round(v * 100)}%`,
             )}</div><div>
             <p class="muted">Conversion by band</p>${bars(
               'conversion by band',
               e.evaluation.bands.map((b) => ({
                 label: b.group,
                 value: b.conversionRate,
                 note: `${b.leads} leads`,
               })),
               (v) => `${Math.round(v * 100)}%`,
             )}</div></div>`
          : '<p class="muted">Not evaluated yet: <code>leadscore evaluate --model … --data … --publish</code> compares its scores with recorded outcomes.</p>'
      }</div>`;
    })
    .join('')}
    <form class="card" id="try"><h2>Try a change (dry run)</h2><p class="muted">Change a threshold or a rule's points and see how many leads would change band before anything is written. It runs as a job over every lead's ledger; this page follows its progress.</p>
    <div class="toolbar"><label>Model <select id="try-model">${all.map((m) => `<option>${esc(m.model)}</option>`).join('')}</select></label>
    <label>Change <select id="try-what"></select></label>
    <label>New value <input id="try-value" type="number" step="0.01" required></label></div>
    <p><button class="primary" id="dryrun">Dry run</button> <span id="try-was" class="muted"></span></p><div id="dryrun-job" hidden><progress id="dryrun-progress" aria-label="Dry run progress"></progress> <span id="dryrun-status" class="muted"></span></div><pre id="result" role="status"></pre></form>`;
  const pick = view.querySelector('#try-model') as HTMLSelectElement;
  const what = view.querySelector('#try-what') as HTMLSelectElement;
  const value = view.querySelector('#try-value') as HTMLInputElement;
  const was = view.querySelector('#try-was')!;
  // Each choice is a path into the model document and its current value.
  const choices = (m: Doc) => [
    ...(m.bands.levels as Doc[]).flatMap((l, i) =>
      l.min === undefined
        ? []
        : [{ label: `${l.id} threshold`, path: ['bands', 'levels', String(i), 'min'], now: l.min }],
    ),
    ...(m.rules as Doc[]).map((r, i) => ({
      label: `${r.id} points`,
      path: ['rules', String(i), 'points'],
      now: r.points,
    })),
  ];
  const fill = () => {
    const m = all.find((x) => x.model === pick.value)!;
    what.innerHTML = choices(m)
      .map((c, i) => `<option value="${i}">${esc(c.label)}</option>`)
      .join('');
    show();
  };
  const show = () => {
    const c = choices(all.find((x) => x.model === pick.value)!)[Number(what.value)];
    value.value = String(c?.now ?? '');
    was.textContent = c ? `now ${c.now}` : '';
  };
  pick.addEventListener('change', fill);
  what.addEventListener('change', show);
  fill();
  view.querySelector('#try')!.addEventListener('submit', async (e) => {
    e.preventDefault();
    const out = view.querySelector('#result')!;
    const button = view.querySelector('#dryrun') as HTMLButtonElement;
    out.textContent = '';
    button.disabled = true;
    try {
      const source = all.find((x) => x.model === pick.value)!;
      const change = choices(source)[Number(what.value)]!;
      const model = structuredClone(source);
      let at: Doc = model;
      for (const key of change.path.slice(0, -1)) at = at[key];
      at[change.path.at(-1)!] = Number(value.value);
      model.version = source.version + 1;
      const started = await api<Job>('/v1/models/dry-run', {
        method: 'POST',
        body: JSON.stringify({ model }),
      });
      const r = await followJob(started.location!);
      out.textContent = `${change.label} ${change.now} → ${value.value}: of ${r.leads} leads replayed, ${r.bandChanges} would change band (${r.up} up, ${r.down} down)\n${Object.entries(
        r.transitions,
      )
        .map(([k, v]) => `  ${k}: ${v}`)
        .join('\n')}`;
    } catch (error) {
      out.textContent = `Not run: ${(error as Error).message}`;
    } finally {
      button.disabled = false;
    }
  });
  document.body.dataset.ready = 'models';
}

interface Job {
  jobId: string;
  status: 'queued' | 'running' | 'succeeded' | 'failed';
  progress: { done: number; total?: number };
  location?: string;
  result?: DryRunReport;
  error?: string;
}

interface DryRunReport {
  leads: number;
  bandChanges: number;
  up: number;
  down: number;
  transitions: Record<string, number>;
}

/** Polls a dry-run job, showing its progress, until it has a result (or fails). Leaving the view stops it. */
async function followJob(location: string): Promise<DryRunReport> {
  const box = view.querySelector('#dryrun-job') as HTMLElement;
  const bar = view.querySelector('#dryrun-progress') as HTMLProgressElement;
  const status = view.querySelector('#dryrun-status')!;
  box.hidden = false;
  for (;;) {
    if (!box.isConnected) throw new Error('left the page');
    const job = await api<Job>(location);
    const { done, total } = job.progress;
    if (total === undefined) {
      bar.removeAttribute('value'); // indeterminate while the leads are counted
      status.textContent = job.status === 'queued' ? 'Queued…' : 'Counting leads…';
    } else {
      bar.max = Math.max(total, 1);
      bar.value = done;
      status.textContent = `${done.toLocaleString('en')} of ${total.toLocaleString('en')} leads replayed`;
    }
    if (job.status === 'succeeded') return job.result!;
    if (job.status === 'failed') throw new Error(job.error ?? 'the job failed');
    await new Promise((r) => setTimeout(r, 500));
  }
}

function signIn(): void {
  view.innerHTML = `<form class="signin card"><h1>Sign in</h1><p class="muted">An API key for this Leadscore (npm start prints one; <code>leadscore apikey create</code> makes more). It stays in this browser tab.</p>
    <input id="key" type="password" autocomplete="off" placeholder="lsk_…" required><button class="primary">Sign in</button><p id="error" class="down"></p></form>`;
  view.querySelector('form')!.addEventListener('submit', async (e) => {
    e.preventDefault();
    sessionStorage.setItem(KEY, (view.querySelector('#key') as HTMLInputElement).value.trim());
    try {
      await models();
      void route();
    } catch {
      sessionStorage.removeItem(KEY);
      view.querySelector('#error')!.textContent = 'That key was not accepted.';
    }
  });
  document.body.dataset.ready = 'signin';
}

async function route(): Promise<void> {
  window.clearInterval(feedTimer);
  delete document.body.dataset.ready;
  const [path = '/leads', query = ''] = location.hash.slice(1).split('?');
  for (const a of document.querySelectorAll('header nav a'))
    a.classList.toggle('active', path.startsWith((a as HTMLAnchorElement).hash.slice(1)));
  document.getElementById('signout')!.hidden = !sessionStorage.getItem(KEY);
  try {
    window.scrollTo(0, 0);
    if (path.startsWith('/lead/'))
      await leadView(decodeURIComponent(path.slice(6)), new URLSearchParams(query));
    else if (path === '/feed') await feedView();
    else if (path === '/models') await modelsView();
    else await leadsView(new URLSearchParams(query));
  } catch (error) {
    showError(error);
  }
}

document.getElementById('signout')!.addEventListener('click', () => {
  sessionStorage.removeItem(KEY);
  modelsCache = undefined;
  void route();
});
window.addEventListener('hashchange', () => void route());
void route();
