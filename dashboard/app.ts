/**
 * The Leadscore dashboard: plain TypeScript on the DOM and hand-drawn SVG, on the same /v1 API as everything else.
 * No framework and no chart library: four views, a few tables and three small charts do not need one, and the
 * page stays a few kilobytes with nothing fetched from anywhere but this API. The API key is kept in session
 * storage and sent as a header, never put in a URL.
 */

import type { LeadScore as EngineScore } from '../shared/engine/score.ts';
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
  score: number;
  grade: string;
  band: string;
  flags: string[];
  lastActivityAt?: string;
}
interface Change {
  model: string;
  at: string;
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
const bandTag = (band: string) => `<span class="band band-${esc(band)}">${esc(band)}</span>`;

// ---------- charts (SVG) ----------

function sparkline(values: number[]): string {
  if (values.length === 0) return '';
  if (values.length === 1) values = [values[0]!, values[0]!];
  const max = Math.max(...values, 1);
  const min = Math.min(...values, 0);
  const pts = values.map(
    (v, i) =>
      `${((i / (values.length - 1)) * 80).toFixed(1)},${(18 - ((v - min) / (max - min || 1)) * 16).toFixed(1)}`,
  );
  return `<svg width="80" height="20" viewBox="0 0 80 20" aria-label="score trend"><polyline fill="none" stroke="#2f6fed" stroke-width="1.5" points="${pts.join(' ')}"/></svg>`;
}

/** Score over time, the bands' thresholds as dashed lines, each band crossing as a dot. */
function historyChart(changes: Change[], model: Model | undefined): string {
  const W = 640;
  const H = 240;
  const L = 40;
  const R = 70;
  const T = 10;
  const B = 24;
  if (changes.length === 0) return '<p class="muted">No score changes yet.</p>';
  const points = [...changes].sort((a, b) => (a.at < b.at ? -1 : 1));
  const t0 = Date.parse(points[0]!.at);
  const t1 = Math.max(Date.parse(points.at(-1)!.at), t0 + 60_000);
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
  const path = points.map((p) => `${x(Date.parse(p.at)).toFixed(1)},${y(p.score).toFixed(1)}`).join(' ');
  // A first score counts as a crossing when it starts above the lowest band.
  const lowest = model?.bands.levels[0]?.id;
  const crossings = points
    .filter((p) => (p.oldBand ?? lowest) !== p.band)
    .map(
      (p) =>
        `<circle class="crossing" cx="${x(Date.parse(p.at)).toFixed(1)}" cy="${y(p.score).toFixed(1)}" r="5" fill="#e8730c"><title>${esc(p.oldBand ?? '')} → ${esc(p.band)} at ${when(p.at)}</title></circle>`,
    )
    .join('');
  return `<svg viewBox="0 0 ${W} ${H}" width="100%" role="img" aria-label="score history">
    <line x1="${L}" x2="${W - R}" y1="${y(0)}" y2="${y(0)}" stroke="#e6e8ee"/>
    <text x="${L - 6}" y="${y(0) + 4}" text-anchor="end">0</text><text x="${L - 6}" y="${y(top / 1.1) + 4}" text-anchor="end">${Math.round(top / 1.1)}</text>
    ${lines}<polyline class="score-line" fill="none" stroke="#2f6fed" stroke-width="2" points="${path}"/>${crossings}
    <text x="${L}" y="${H - 6}">${esc(when(points[0]!.at))}</text><text x="${W - R}" y="${H - 6}" text-anchor="end">${esc(when(points.at(-1)!.at))}</text>
  </svg>`;
}

function bars(
  values: { label: string; value: number; note?: string }[],
  format: (v: number) => string,
): string {
  const W = 420;
  const H = 180;
  const max = Math.max(0.0001, ...values.map((v) => v.value)) * 1.15;
  const slot = (W - 20) / Math.max(1, values.length);
  return `<svg viewBox="0 0 ${W} ${H}" width="100%" role="img">${values
    .map((v, i) => {
      const bh = (v.value / max) * (H - 40);
      const x = 10 + i * slot;
      return `<rect x="${x + 3}" y="${H - 20 - bh}" width="${slot - 6}" height="${bh}" fill="#2f6fed"><title>${esc(v.note ?? '')}</title></rect>
        <text x="${x + slot / 2}" y="${H - 6}" text-anchor="middle">${esc(v.label)}</text>
        <text x="${x + slot / 2}" y="${H - 24 - bh}" text-anchor="middle">${format(v.value)}</text>`;
    })
    .join('')}</svg>`;
}

// ---------- views ----------

async function leadsView(params: URLSearchParams): Promise<void> {
  const band = params.get('band') ?? '';
  const cursor = params.get('cursor') ?? '';
  // The models and the first page at once: without a model the API ranks by the first model in force.
  const query = new URLSearchParams({
    ...(params.get('model') && { model: params.get('model')! }),
    limit: '50',
    ...(band && { band }),
    ...(cursor && { cursor }),
  });
  const [all, page] = await Promise.all([
    models(),
    api<{ model: string; leads: LeadRow[]; nextCursor?: string }>(`/v1/leads?${query}`),
  ]);
  const model = page.model;
  const levels =
    all
      .find((m) => m.model === model)
      ?.bands.levels.map((l) => l.id)
      .reverse() ?? [];
  view.innerHTML = `<h1>Leads</h1>
    <div class="toolbar">
      <label>Model <select id="model">${all.map((m) => `<option ${m.model === model ? 'selected' : ''}>${esc(m.model)}</option>`).join('')}</select></label>
      <label>Band <select id="band"><option value="">all</option>${levels.map((b) => `<option ${b === band ? 'selected' : ''}>${esc(b)}</option>`).join('')}</select></label>
      <label>Filter <input id="filter" placeholder="lead id contains"></label>
      <label>Sort <select id="sort"><option value="score">score</option><option value="activity">last activity</option></select></label>
    </div>
    <div class="card"><table id="leads"><thead><tr><th>Lead</th><th class="num">Score</th><th>Grade</th><th>Band</th><th>Last activity</th><th>Trend</th></tr></thead><tbody></tbody></table>
    <div class="toolbar gap">${cursor ? '<button class="primary" id="first">First page</button>' : ''}${page.nextCursor ? '<button class="primary" id="next">Next page</button>' : ''}<span class="muted">${page.leads.length} leads on this page</span></div></div>`;
  const tbody = view.querySelector('tbody')!;
  const render = () => {
    const text = (view.querySelector('#filter') as HTMLInputElement).value.trim().toLowerCase();
    const sort = (view.querySelector('#sort') as HTMLSelectElement).value;
    const rows = page.leads
      .filter((l) => !text || l.leadId.toLowerCase().includes(text))
      .sort((a, b) =>
        sort === 'activity' ? (b.lastActivityAt ?? '').localeCompare(a.lastActivityAt ?? '') : 0,
      );
    tbody.innerHTML = rows
      .map(
        (l) =>
          `<tr class="lead" data-lead="${esc(l.leadId)}"><td>${esc(l.leadId)}</td><td class="num score">${l.score.toFixed(1)}</td><td>${esc(l.grade)}</td><td>${bandTag(l.band)}</td><td title="${esc(when(l.lastActivityAt))}">${ago(l.lastActivityAt)}</td><td class="trend"></td></tr>`,
      )
      .join('');
    for (const tr of tbody.querySelectorAll<HTMLTableRowElement>('tr.lead'))
      tr.addEventListener('click', () => {
        location.hash = `#/lead/${encodeURIComponent(tr.dataset.lead!)}`;
      });
  };
  render();
  document.body.dataset.ready = 'leads';
  performance.mark('leadscore:first-view');
  const go = (p: Record<string, string>) => {
    location.hash = `#/leads?${new URLSearchParams(p)}`;
  };
  view
    .querySelector('#model')!
    .addEventListener('change', (e) => go({ model: (e.target as HTMLSelectElement).value }));
  view.querySelector('#band')!.addEventListener('change', (e) =>
    go({
      model,
      ...((e.target as HTMLSelectElement).value && { band: (e.target as HTMLSelectElement).value }),
    }),
  );
  view.querySelector('#filter')!.addEventListener('input', render);
  view.querySelector('#sort')!.addEventListener('change', render);
  view
    .querySelector('#next')
    ?.addEventListener('click', () => go({ model, ...(band && { band }), cursor: page.nextCursor! }));
  view.querySelector('#first')?.addEventListener('click', () => go({ model, ...(band && { band }) }));
  // Sparklines after the table is on screen, a few requests at a time.
  const queue = [...page.leads];
  await Promise.all(
    Array.from({ length: 6 }, async () => {
      for (let l = queue.shift(); l; l = queue.shift()) {
        const { changes } = await api<{ changes: Change[] }>(
          `/v1/leads/${encodeURIComponent(l.leadId)}/history?model=${model}&limit=30`,
        );
        const cell = tbody.querySelector(`tr[data-lead="${CSS.escape(l.leadId)}"] td.trend`);
        if (cell) cell.innerHTML = sparkline(changes.map((c) => c.score).reverse());
      }
    }),
  );
}

async function leadView(leadId: string): Promise<void> {
  const [lead, all] = await Promise.all([api<Lead>(`/v1/leads/${encodeURIComponent(leadId)}`), models()]);
  const { changes } = await api<{ changes: Change[] }>(
    `/v1/leads/${encodeURIComponent(leadId)}/history?limit=500`,
  );
  view.innerHTML = `<h1>${esc(lead.leadId)}</h1>${lead.scores
    .map((s) => {
      const model = all.find((m) => m.model === s.model);
      return `<div class="card" data-model="${esc(s.model)}"><h2>${esc(s.model)} v${s.version}</h2>
        <p><span class="kpi lead-score">${s.score.toFixed(1)}</span> ${bandTag(s.band)} grade <b>${esc(s.grade)}</b> (${esc(s.combined)})
        ${s.flags.map((f) => `<span class="band">${esc(f)}</span>`).join(' ')}</p>
        ${historyChart(
          changes.filter((c) => c.model === s.model),
          model,
        )}
        <h2>Why this score</h2><table class="breakdown"><thead><tr><th>Rule</th><th>Kind</th><th>Group</th><th class="num">Count</th><th class="num">Points</th></tr></thead><tbody>
        ${s.contributions.map((c) => `<tr data-rule="${esc(c.rule)}"><td>${esc(c.rule)}</td><td>${esc(c.kind)}</td><td>${esc(c.group)}</td><td class="num">${c.count}</td><td class="num points">${c.points.toFixed(2)}</td></tr>`).join('')}
        </tbody></table><p class="muted">Behaviour ${s.behaviour.toFixed(1)}, fit ${s.fit.toFixed(1)}</p></div>`;
    })
    .join('')}
    <div class="grid">
      <div class="card"><h2>Profile</h2><table>${
        Object.entries(lead.attributes)
          .map(([k, v]) => `<tr><td>${esc(k)}</td><td>${esc(String(v))}</td></tr>`)
          .join('') || '<tr><td class="muted">none</td></tr>'
      }</table>
        <h2 class="gap">Outcome</h2><p>${lead.outcomes.map((o) => `${esc(o.outcome)} (${when(o.occurredAt)})`).join(', ') || '<span class="muted">open</span>'}</p></div>
      <div class="card"><h2>Recent activity</h2><table>${lead.recentActivity.map((a) => `<tr><td>${esc(when(a.occurredAt))}</td><td>${esc(a.type)}${a.bot ? ' <span class="muted">(bot)</span>' : ''}</td><td class="muted">${esc(JSON.stringify(a.properties ?? {}))}</td></tr>`).join('')}</table></div>
    </div>`;
  document.body.dataset.ready = 'lead';
}

let feedTimer: number | undefined;
async function feedView(): Promise<void> {
  view.innerHTML =
    '<h1>Live feed</h1><p class="muted">Notifications as they are published, newest first; updated every two seconds.</p><div class="card feed"><ul id="feed"></ul></div>';
  const list = view.querySelector('#feed')!;
  let point = `since=${encodeURIComponent(new Date(Date.now() - 3_600_000).toISOString())}`;
  const seen = new Set<string>();
  const poll = async () => {
    const { notifications, cursor } = await api<{ notifications: Notification[]; cursor: string }>(
      `/v1/notifications?${point}&limit=200`,
    );
    point = `after=${encodeURIComponent(cursor)}`;
    for (const n of notifications) {
      if (seen.has(n.id)) continue;
      seen.add(n.id);
      const what =
        n.type === 'band_crossing'
          ? `${bandTag(n.oldBand ?? '–')} → ${bandTag(n.newBand)} <span class="${n.direction}">${n.direction === 'up' ? '▲' : '▼'}</span>`
          : `${n.direction} flag <b>${esc(n.flag ?? '')}</b>`;
      list.prepend(h('li', { 'data-lead': n.leadId, 'data-id': n.id }));
      list.firstElementChild!.innerHTML = `<span class="muted">${esc(new Date(n.at).toLocaleTimeString())}</span> <a href="#/lead/${encodeURIComponent(n.leadId)}">${esc(n.leadId)}</a> ${what}
        score ${n.oldScore?.toFixed(1) ?? '–'} → <b>${n.newScore.toFixed(1)}</b> <span class="muted">(${esc(n.model)}; ${n.reasons
          .slice(0, 3)
          .map((r) => `${esc(r.rule ?? r.label)} ${r.points > 0 ? '+' : ''}${r.points}`)
          .join(', ')})</span>`;
    }
    document.body.dataset.ready = 'feed';
  };
  await poll();
  feedTimer = window.setInterval(() => void poll().catch(() => {}), 2000);
}

async function modelsView(): Promise<void> {
  const all = await models();
  const evaluations = await Promise.all(
    all.map((m) =>
      api<{
        publishedAt: string;
        evaluation: {
          auc?: number;
          deciles: { decile: number; conversionRate: number; lift: number }[];
          bands: { group: string; leads: number; conversionRate: number }[];
          withOutcome: number;
        };
      }>(`/v1/models/${m.model}/evaluation`).catch(() => undefined),
    ),
  );
  view.innerHTML = `<h1>Models</h1>${all
    .map((m, i) => {
      const e = evaluations[i];
      return `<div class="card" data-model="${esc(m.model)}"><h2>${esc(m.name)} <span class="muted">(${esc(m.model)} v${m.version}, ${esc(m.kind ?? 'rules')})</span></h2>
      <p>Bands: ${m.bands.levels.map((l) => `${bandTag(l.id)}${l.min !== undefined ? ` ≥ ${l.min}` : ''}`).join(' ')} <span class="muted">hysteresis ${m.bands.hysteresis ?? 0}</span></p>
      <div class="grid"><div><h2>Rules</h2><table><thead><tr><th>Rule</th><th>Group</th><th>When</th><th class="num">Points</th></tr></thead><tbody>
      ${m.rules.map((r) => `<tr><td>${esc(r.id)}</td><td>${esc(r.group)}</td><td class="muted">${esc(r.when ? [r.when.type].flat().join(', ') : r.all ? `all of ${r.all.join(', ')}` : 'inactive')}</td><td class="num">${r.points}</td></tr>`).join('')}
      </tbody></table><h2 class="gap">Fit</h2><table>${(m.fit?.rules ?? []).map((r) => `<tr><td>${esc(r.id)}</td><td class="muted">${esc(r.attribute)}</td><td class="num">${r.points}</td></tr>`).join('')}</table></div>
      <div><h2>Last evaluation</h2>${
        e
          ? `<p>AUC <b class="auc">${e.evaluation.auc?.toFixed(3) ?? 'n/a'}</b> on ${e.evaluation.withOutcome} leads <span class="muted">(published ${esc(when(e.publishedAt))})</span></p>
             <p class="muted">Conversion by decile (1 = highest scores)</p>${bars(
               e.evaluation.deciles.map((d) => ({
                 label: String(d.decile),
                 value: d.conversionRate,
                 note: `lift ${d.lift.toFixed(2)}x`,
               })),
               (v) => `${Math.round(v * 100)}%`,
             )}
             <p class="muted">Conversion by band</p>${bars(
               e.evaluation.bands.map((b) => ({
                 label: b.group,
                 value: b.conversionRate,
                 note: `${b.leads} leads`,
               })),
               (v) => `${Math.round(v * 100)}%`,
             )}`
          : '<p class="muted">Not evaluated yet: <code>leadscore evaluate --model … --data … --publish</code>.</p>'
      }</div></div></div>`;
    })
    .join('')}
    <div class="card"><h2>Try a change (dry run)</h2><p class="muted">Paste a model document (JSON); see how many leads would change band before anything is written. It runs as a job over every lead's ledger; this page follows its progress.</p>
    <textarea id="proposal" rows="8">${esc(JSON.stringify({ ...all[0], version: all[0]!.version + 1 }, null, 1).slice(0, 200_000))}</textarea>
    <p><button class="primary" id="dryrun">Dry run</button></p><div id="dryrun-job" hidden><progress id="dryrun-progress"></progress> <span id="dryrun-status" class="muted"></span></div><pre id="result"></pre></div>`;
  view.querySelector('#dryrun')!.addEventListener('click', async () => {
    const out = view.querySelector('#result')!;
    const button = view.querySelector('#dryrun') as HTMLButtonElement;
    out.textContent = '';
    button.disabled = true;
    try {
      const model = JSON.parse((view.querySelector('#proposal') as HTMLTextAreaElement).value);
      const started = await api<Job>('/v1/models/dry-run', {
        method: 'POST',
        body: JSON.stringify({ model }),
      });
      const r = await followJob(started.location!);
      out.textContent = `${r.leads} leads replayed: ${r.bandChanges} would change band (${r.up} up, ${r.down} down)\n${Object.entries(
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
    if (path.startsWith('/lead/')) await leadView(decodeURIComponent(path.slice(6)));
    else if (path === '/feed') await feedView();
    else if (path === '/models') await modelsView();
    else await leadsView(new URLSearchParams(query));
  } catch (error) {
    if (error instanceof Unauthorised) return signIn();
    view.innerHTML = `<div class="card"><h2>Something went wrong</h2><p>${esc((error as Error).message)}</p></div>`;
  }
}

document.getElementById('signout')!.addEventListener('click', () => {
  sessionStorage.removeItem(KEY);
  modelsCache = undefined;
  void route();
});
window.addEventListener('hashchange', () => void route());
void route();
