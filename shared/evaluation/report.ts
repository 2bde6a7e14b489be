import type { Evaluation } from './evaluate.ts';

/**
 * The evaluation as one self-contained HTML page: inline SVG charts and tables, no script, no request to
 * anywhere. With two evaluations (--compare), both models on the same charts.
 */
export function renderReport(evaluations: Evaluation[]): string {
  const [first] = evaluations;
  if (!first) throw new Error('nothing to report');
  const title = evaluations.map((e) => `${e.model} v${e.version}`).join(' vs ');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Leadscore evaluation: ${esc(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
  body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0; color: #1d2433; background: #f6f7f9; }
  header { background: #1d2433; color: #fff; padding: 20px 32px; }
  header h1 { margin: 0 0 4px; font-size: 20px; }
  header p { margin: 0; opacity: .8; }
  main { padding: 24px 32px; display: grid; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr)); gap: 20px; }
  section { background: #fff; border-radius: 8px; padding: 16px 20px; box-shadow: 0 1px 2px rgba(0,0,0,.08); }
  section.wide { grid-column: 1 / -1; }
  h2 { font-size: 15px; margin: 0 0 4px; }
  .note { color: #5b6478; margin: 0 0 12px; font-size: 13px; }
  table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
  th, td { text-align: right; padding: 4px 8px; border-bottom: 1px solid #eceef2; }
  th:first-child, td:first-child { text-align: left; }
  .kpis { display: flex; gap: 28px; flex-wrap: wrap; }
  .kpi b { display: block; font-size: 26px; }
  .swatch { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 6px; }
  svg text { font: 11px system-ui, sans-serif; fill: #5b6478; }
  .verdicts { grid-column: 1 / -1; margin: 0; padding: 0; list-style: none; }
  .verdicts li { padding: 10px 14px; border-radius: 6px; margin-bottom: 8px; }
  .verdicts .fail { background: #fde8e8; border-left: 4px solid #c0262d; }
  .verdicts .warn { background: #fff4de; border-left: 4px solid #d08a00; }
  .verdicts .ok { background: #e6f4ea; border-left: 4px solid #2e7d32; }
</style></head><body>
<header><h1>Does the score predict? ${esc(title)}</h1>
<p>${first.withOutcome.toLocaleString('en-US')} ${first.sample === 'held-out' ? 'held-out ' : ''}leads with an outcome (${pct(first.conversionRate)} converted), scored as of ${esc(first.at)}</p></header>
<main>
${verdictList(evaluations)}
${summary(evaluations)}
${section('ROC curve', 'How many converted leads (up) you find for how many lost ones (right) as you call leads from the top score down. The diagonal is a coin toss; the area under the curve is the AUC.', rocChart(evaluations))}
${section('Lift by decile', 'Leads in ten equal groups by score, highest first: the conversion rate of each. A score that predicts puts its converters in the first deciles.', decileChart(evaluations))}
${evaluations.map((e) => section(`Conversion by band: ${e.model}`, 'Each band should convert more often than the one below it.', bandChart(e))).join('\n')}
${evaluations
  .filter((e) => e.calibration)
  .map((e) =>
    section(
      `Calibration: ${e.model}`,
      `Predicted probability against what happened, in ten bins; on the diagonal is calibrated. Brier score ${e.calibration!.brier.toFixed(4)} (lower is better).`,
      calibrationChart(e),
    ),
  )
  .join('\n')}
${evaluations.map((e) => section(`Thresholds: ${e.model}`, "Calling every lead at or above a band's threshold: how many of them convert (precision) and how many of all converters that reaches (recall).", thresholdTable(e))).join('\n')}
${evaluations.map((e) => section(`Points: ${e.model}`, pointsNote(e), pointsTable(e), true)).join('\n')}
${evaluations.map((e) => section(`What the rules see: ${e.model}`, 'For each rule, how often it fired and what it gave converted leads against lost ones. Rules that give both the same points do not tell them apart.', ruleTable(e), true)).join('\n')}
</main></body></html>
`;
}

const COLORS = ['#2f6fed', '#e8730c'];

function summary(evaluations: Evaluation[]): string {
  const rows = evaluations
    .map(
      (
        e,
        i,
      ) => `<div class="kpi"><span class="swatch" style="background:${COLORS[i]}"></span>${esc(e.model)} v${e.version} (${e.kind})
      <b>${e.auc === undefined ? 'n/a' : e.auc.toFixed(3)}</b>AUC · top decile lift ${(e.deciles[0]?.lift ?? 0).toFixed(2)}x</div>`,
    )
    .join('');
  return section(
    'Summary',
    'AUC: the chance a converted lead outscores a lost one (0.5 is chance, 1 is perfect).',
    `<div class="kpis">${rows}</div>`,
    true,
  );
}

/** The verdicts first, worst first, in words: what a marketer should do before reading any chart. */
function verdictList(evaluations: Evaluation[]): string {
  const items = evaluations.flatMap((e) =>
    e.verdicts.map(
      (v) =>
        `<li class="${v.level}"><b>${v.level === 'fail' ? 'Do not deploy' : 'Careful'}${evaluations.length > 1 ? ` (${esc(e.model)})` : ''}:</b> ${esc(v.message)}</li>`,
    ),
  );
  const fine = evaluations
    .filter((e) => e.verdicts.length === 0)
    .map(
      (e) =>
        `<li class="ok"><b>${esc(e.model)}:</b> no warning: it ranks ${e.sample === 'held-out' ? 'held-out ' : ''}leads better than chance, its bands split them, and nothing points to leakage.</li>`,
    );
  return `<ul class="verdicts">${[...items, ...fine].join('')}</ul>`;
}

function pointsNote(e: Evaluation): string {
  const base = e.points.find((p) => p.rule === 'base');
  return base
    ? `score = base + the points of every rule that applies to the lead, as in the table; every 20 points double the odds of converting when the model was trained by leadscore train. The score rests most on: ${e.sources
        .slice(0, 4)
        .map((s) => `${s.source} (${Math.round(s.share * 100)} %)`)
        .join(', ')}.`
    : 'What each rule gives a lead, largest first (before limits, decay and caps).';
}

function pointsTable(e: Evaluation): string {
  const rows = e.points
    .slice(0, 200)
    .map(
      (p) =>
        `<tr><td>${esc(p.description ?? p.rule)}</td><td>${esc(p.source)}</td><td>${p.points > 0 ? '+' : ''}${p.points}</td></tr>`,
    )
    .join('');
  const more =
    e.points.length > 200 ? `<p class="note">and ${e.points.length - 200} more in the model file</p>` : '';
  return `<table><tr><th>rule</th><th>reads</th><th>points</th></tr>${rows}</table>${more}`;
}

function section(title: string, note: string, body: string, wide = false): string {
  return `<section${wide ? ' class="wide"' : ''}><h2>${esc(title)}</h2><p class="note">${esc(note)}</p>${body}</section>`;
}

const W = 420;
const H = 260;
const PAD = { l: 44, r: 12, t: 10, b: 34 };
const x = (v: number) => PAD.l + v * (W - PAD.l - PAD.r);
const y = (v: number) => H - PAD.b - v * (H - PAD.t - PAD.b);

function axes(xLabel: string, yLabel: string, yMax = 1): string {
  const ticks = [0, 0.25, 0.5, 0.75, 1]
    .map(
      (t) =>
        `<line x1="${x(0)}" x2="${x(1)}" y1="${y(t)}" y2="${y(t)}" stroke="#eceef2"/><text x="${PAD.l - 6}" y="${y(t) + 4}" text-anchor="end">${fmtTick(t * yMax)}</text>`,
    )
    .join('');
  return `${ticks}<text x="${(x(0) + x(1)) / 2}" y="${H - 4}" text-anchor="middle">${esc(xLabel)}</text>
  <text transform="translate(11 ${(y(0) + y(1)) / 2}) rotate(-90)" text-anchor="middle">${esc(yLabel)}</text>`;
}

function rocChart(evaluations: Evaluation[]): string {
  const curves = evaluations
    .map(
      (e, i) =>
        `<polyline fill="none" stroke="${COLORS[i]}" stroke-width="2" points="${e.roc.map((p) => `${x(p.fpr).toFixed(1)},${y(p.tpr).toFixed(1)}`).join(' ')}"/>`,
    )
    .join('');
  return svg(
    `${axes('share of lost leads called', 'share of converters found')}
    <line x1="${x(0)}" y1="${y(0)}" x2="${x(1)}" y2="${y(1)}" stroke="#b8bfcc" stroke-dasharray="4 4"/>${curves}`,
  );
}

function decileChart(evaluations: Evaluation[]): string {
  const max = Math.max(0.01, ...evaluations.flatMap((e) => e.deciles.map((d) => d.conversionRate)));
  const slot = (x(1) - x(0)) / 10;
  const barWidth = (slot - 4) / evaluations.length;
  const bars = evaluations
    .flatMap((e, i) =>
      e.deciles.map((d) => {
        const left = x(0) + (d.decile - 1) * slot + 2 + i * barWidth;
        return `<rect x="${left.toFixed(1)}" y="${y(d.conversionRate / max).toFixed(1)}" width="${barWidth.toFixed(1)}" height="${(y(0) - y(d.conversionRate / max)).toFixed(1)}" fill="${COLORS[i]}"><title>decile ${d.decile}: ${pct(d.conversionRate)} of ${d.leads} (lift ${d.lift.toFixed(2)}x)</title></rect>`;
      }),
    )
    .join('');
  const overall = evaluations[0]!.conversionRate / max;
  const labels = Array.from(
    { length: 10 },
    (_, d) =>
      `<text x="${(x(0) + (d + 0.5) * slot).toFixed(1)}" y="${y(0) + 14}" text-anchor="middle">${d + 1}</text>`,
  ).join('');
  return svg(
    `${axes('', 'conversion rate', max)}${bars}${labels}
    <line x1="${x(0)}" x2="${x(1)}" y1="${y(overall)}" y2="${y(overall)}" stroke="#1d2433" stroke-dasharray="3 3"/>
    <text x="${x(1)}" y="${y(overall) - 4}" text-anchor="end">overall ${pct(evaluations[0]!.conversionRate)}</text>
    <text x="${(x(0) + x(1)) / 2}" y="${H - 4}" text-anchor="middle">decile (1 = highest scores)</text>`,
  );
}

function bandChart(e: Evaluation): string {
  const max = Math.max(0.01, ...e.bands.map((b) => b.conversionRate)) * 1.12;
  const slot = (x(1) - x(0)) / Math.max(1, e.bands.length);
  const bars = e.bands
    .map((b, i) => {
      const h = b.conversionRate / max;
      return `<rect x="${(x(0) + i * slot + 8).toFixed(1)}" y="${y(h).toFixed(1)}" width="${(slot - 16).toFixed(1)}" height="${(y(0) - y(h)).toFixed(1)}" fill="${COLORS[0]}"/>
      <text x="${(x(0) + (i + 0.5) * slot).toFixed(1)}" y="${y(0) + 14}" text-anchor="middle">${esc(b.group)} (${b.leads})</text>
      <text x="${(x(0) + (i + 0.5) * slot).toFixed(1)}" y="${(y(h) - 4).toFixed(1)}" text-anchor="middle">${pct(b.conversionRate)}</text>`;
    })
    .join('');
  return svg(`${axes('', 'conversion rate', max)}${bars}`);
}

function calibrationChart(e: Evaluation): string {
  const points = e
    .calibration!.bins.map(
      (b) =>
        `<circle cx="${x(b.meanPredicted).toFixed(1)}" cy="${y(b.observedRate).toFixed(1)}" r="${Math.min(9, 3 + Math.log10(b.leads + 1) * 2).toFixed(1)}" fill="${COLORS[0]}" fill-opacity=".75"><title>${b.leads} leads: predicted ${pct(b.meanPredicted)}, observed ${pct(b.observedRate)}</title></circle>`,
    )
    .join('');
  return svg(
    `${axes('predicted probability', 'observed conversion rate')}<line x1="${x(0)}" y1="${y(0)}" x2="${x(1)}" y2="${y(1)}" stroke="#b8bfcc" stroke-dasharray="4 4"/>${points}`,
  );
}

function thresholdTable(e: Evaluation): string {
  const rows = e.thresholds
    .map(
      (t) =>
        `<tr><td>${esc(t.band)} (≥ ${t.threshold})</td><td>${t.selected.toLocaleString('en-US')}</td><td>${t.precision === undefined ? '–' : pct(t.precision)}</td><td>${t.recall === undefined ? '–' : pct(t.recall)}</td></tr>`,
    )
    .join('');
  return `<table><tr><th>threshold</th><th>leads at or above</th><th>precision</th><th>recall</th></tr>${rows}</table>`;
}

function ruleTable(e: Evaluation): string {
  const rows = e.rules
    .map(
      (r) =>
        `<tr><td>${esc(r.rule)}</td><td>${r.kind}</td><td>${pct(r.firedInConverted)}</td><td>${pct(r.firedInLost)}</td><td>${r.meanPointsConverted.toFixed(2)}</td><td>${r.meanPointsLost.toFixed(2)}</td></tr>`,
    )
    .join('');
  return `<table><tr><th>rule</th><th>kind</th><th>fired, converted</th><th>fired, lost</th><th>mean points, converted</th><th>mean points, lost</th></tr>${rows}</table>`;
}

function svg(body: string): string {
  return `<svg viewBox="0 0 ${W} ${H}" width="100%" role="img">${body}</svg>`;
}

function pct(v: number): string {
  return `${(v * 100).toFixed(1)}%`;
}

function fmtTick(v: number): string {
  return v >= 1 || v === 0 ? String(Math.round(v * 100) / 100) : v.toFixed(2);
}

function esc(text: string): string {
  return text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}
