/// <reference lib="dom" />
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoLeadId } from '../../local/demo-identify.ts';
import { launchChromium } from '../helpers/browser.ts';
import { api, BROWSER_UA, runtime, uniqueId, until } from '../helpers/runtime.ts';

/** Screenshots of each view; SCREENSHOTS_DIR=docs/images refreshes the ones the README shows. */
const SHOTS = process.env.SCREENSHOTS_DIR ?? 'test/.screenshots';
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

let browser: Browser;
let page: Page;
const requested: string[] = [];

// Three leads in the hot band (50 and up), apart in score, and one primed just below it for the live feed.
const hot = [uniqueId('dash-a'), uniqueId('dash-b'), uniqueId('dash-c')];
const primed = uniqueId('dash-live');
// A company name no other test uses, so a search for it finds these leads only.
const company = `Quillfeather ${Date.now().toString(36)}`;
const people = ['Ada Quill', 'Bea Marsh', 'Cyd Stone'];
const event = (leadId: string, n: number, type: string, properties?: Record<string, string>) => ({
  eventId: `${leadId}-${n}`,
  leadId,
  type,
  occurredAt: new Date().toISOString(),
  ...(properties && { properties }),
});

interface ListAnswer {
  leads: { leadId: string; name?: string; company?: string; reason?: string }[];
  counts?: Record<string, { count: number }>;
}

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  const events = [
    // 30 + 10 (pricing) + 10 (pricing and demo) + 8 + 8 (downloads) = 66 and more for a, less for c.
    ...hot.flatMap((lead, i) => [
      event(lead, 1, 'form_submit', { form: 'demo' }),
      event(lead, 2, 'page_view', { path: '/pricing' }),
      ...Array.from({ length: 3 - i }, (_, k) => event(lead, 10 + k, 'download', { asset: `w-${k}` })),
    ]),
    // 12 + 8 + 8 + 5 + 6 = 39: warm, below hot.
    event(primed, 1, 'webinar_attended'),
    event(primed, 2, 'download', { asset: 'a' }),
    event(primed, 3, 'download', { asset: 'b' }),
    event(primed, 4, 'webinar_registered'),
    event(primed, 5, 'form_submit', { form: 'contact' }),
  ];
  await api('/v1/events', { method: 'POST', json: { events } });
  for (const lead of [...hot, primed])
    await until(
      async () =>
        ((await (await api(`/v1/leads/${lead}`)).json()) as { scores?: unknown[] }).scores?.length ||
        undefined,
      10_000,
    );
  // Who they are: the profile reaches the ranked list through the score it rewrites.
  for (const [i, lead] of hot.entries())
    await expectOk(
      api(`/v1/leads/${lead}/attributes`, {
        method: 'PUT',
        json: {
          attributes: {
            name: people[i],
            company,
            title: 'Head of Sales',
            email: `${people[i]!.split(' ')[0]!.toLowerCase()}@quillfeather.example`,
          },
        },
      }),
    );
  let last: unknown;
  await until(async () => {
    const { leads } = (await (await api('/v1/leads?limit=200')).json()) as ListAnswer;
    last = leads.filter((l) => hot.includes(l.leadId));
    return hot.every((id) => leads.some((l) => l.leadId === id && l.company === company)) || undefined;
  }, 30_000).catch((e) => {
    throw new Error(`${e.message}: ${JSON.stringify(last)}`);
  });
  // And the search index, which the profile reaches through its own stream consumer.
  await until(async () => {
    const { leads } = (await (await api(`/v1/leads?q=${encodeURIComponent(company)}`)).json()) as ListAnswer;
    return leads.length === hot.length || undefined;
  }, 30_000);

  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on('request', (r) => requested.push(r.url()));
  await page.goto(`${runtime.url}/dashboard`);
  await page.waitForSelector('body[data-ready="signin"]');
  await page.fill('#key', runtime.apiKey);
  await page.click('form.signin button');
});

afterAll(async () => {
  await browser?.close();
});

/** A full load of a view (a hash change alone would let the previous view's ready mark answer the wait). */
async function expectOk(response: Promise<Response>): Promise<void> {
  const answer = await response;
  if (!answer.ok) throw new Error(`${answer.status}: ${await answer.text()}`);
}

async function open(view: string, ready: string): Promise<void> {
  await page.goto('about:blank');
  await page.goto(`${runtime.url}/dashboard#${view}`);
  await page.waitForSelector(`body[data-ready="${ready}"]`);
}

const rowIds = () =>
  page.locator('#leads tbody tr').evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset.lead!));

describe('the dashboard', () => {
  it('ranks leads with who they are, counts per band, links, and never puts the key in a URL', async () => {
    await open('/leads?model=default', 'leads');
    const ids = await rowIds();
    expect(ids.filter((id) => hot.includes(id))).toEqual(hot);
    const scores = (await page.locator(`#leads tbody tr[data-lead^="dash-"] td.score`).allTextContents()).map(
      Number,
    );
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    const first = page.locator(`#leads tbody tr[data-lead="${hot[0]}"]`);
    expect(await first.locator('td').first().textContent()).toContain(people[0]);
    expect(await first.locator('td.company').textContent()).toBe(company);
    // Each row is a real link, reachable by keyboard.
    expect(await first.locator('a').getAttribute('href')).toBe(`#/lead/${hot[0]}`);
    // The band's count is the API's.
    const { counts } = (await (await api('/v1/leads?counts=true')).json()) as ListAnswer;
    expect(await page.locator('nav.bands a[href*="band=hot"] .count').textContent()).toBe(
      counts!.hot!.count.toLocaleString('en'),
    );
    await page.screenshot({ path: join(SHOTS, 'dashboard-leads.png'), fullPage: true });
    expect(requested.every((u) => u.startsWith(runtime.url))).toBe(true);
    expect(requested.some((u) => u.includes(runtime.apiKey))).toBe(false);
  });

  it('finds a lead by company, by name and by id prefix, searching on the server', async () => {
    await open('/leads?model=default', 'leads');
    const search = async (q: string) => {
      const answered = page.waitForResponse((r) => new URL(r.url()).searchParams.get('q') === q);
      await page.fill('#q', q);
      await answered;
      await page.waitForSelector('body[data-ready="leads"] #leads:not([aria-busy])');
      return rowIds();
    };
    expect(await search(company)).toEqual(hot);
    expect(await search(people[1]!.toLowerCase())).toEqual([hot[1]]);
    expect(await search(hot[2]!.slice(0, -2))).toContain(hot[2]);
    expect(await search('no-such-lead-anywhere')).toEqual([]);
    expect(await page.locator('#status').textContent()).toMatch(/No lead/);
  });

  it('opens a lead by its link: the breakdown adds up to the score, the chart, timeline and profile', async () => {
    await open('/leads?model=default', 'leads');
    await page.locator(`#leads tbody tr[data-lead="${hot[0]}"] a`).focus();
    await page.keyboard.press('Enter');
    await page.waitForSelector('body[data-ready="lead"]');
    const card = page.locator('.card[data-model="default"]');
    const lead = (await (await api(`/v1/leads/${hot[0]}`)).json()) as {
      scores: { model: string; score: number; breakdown: unknown[] }[];
    };
    const score = lead.scores.find((s) => s.model === 'default')!;
    const shown = Number(await card.locator('.lead-score').textContent());
    expect(shown).toBeCloseTo(score.score, 1);
    const lines = (await card.locator('table.breakdown tbody td.points').allTextContents()).map(Number);
    expect(lines).toHaveLength(score.breakdown.length);
    // Each line is rounded to 0.01 on screen: the sum is the score within that rounding.
    expect(Math.abs(lines.reduce((a, b) => a + b, 0) - shown)).toBeLessThanOrEqual(
      0.05 + lines.length * 0.005,
    );
    // The chart places an activity's change at the time the lead acted, which the history now carries.
    const { changes } = (await (await api(`/v1/leads/${hot[0]}/history?model=default`)).json()) as {
      changes: { activityAt?: string; cause: { kind: string } }[];
    };
    expect(changes.filter((c) => c.cause.kind === 'activity').every((c) => c.activityAt)).toBe(true);
    expect(await card.locator('svg polyline.score-line').count()).toBe(1);
    expect(await card.locator('svg circle.crossing').count()).toBeGreaterThanOrEqual(1);
    const timeline = await page.locator('ol.timeline').textContent();
    expect(timeline).toContain('Requested a demo');
    expect(timeline).toContain('Viewed /pricing');
    expect(await page.locator('dl.profile').textContent()).toContain(`Company${company}`);
    await page.screenshot({ path: join(SHOTS, 'dashboard-lead.png'), fullPage: true });
  });

  it('records an outcome through the API', async () => {
    await open(`/lead/${hot[2]}`, 'lead');
    await page.selectOption('#outcome-kind', 'won');
    await page.click('#record-outcome button');
    await page.waitForSelector('#outcome-status:has-text("Recorded")');
    const lead = (await (await api(`/v1/leads/${hot[2]}`)).json()) as { outcomes: { outcome: string }[] };
    expect(lead.outcomes.map((o) => o.outcome)).toContain('won');
  });

  it('shows a lead pushed over hot in the live feed, then says when the API stops answering and recovers', async () => {
    await open('/feed', 'feed');
    // A demo request (through the API: the pixel takes page views only): +30 and the high-intent combination,
    // over the hot threshold.
    const demo = { eventId: 'feed-demo', leadId: primed, type: 'form_submit', properties: { form: 'demo' } };
    await api('/v1/events', {
      method: 'POST',
      json: { events: [{ ...demo, occurredAt: new Date().toISOString() }] },
    });
    const entry = page.locator(`#feed li[data-lead="${primed}"]`, { hasText: 'hot' }).first();
    // While other test files publish thousands of notifications (the model-based test does), the feed's
    // polls take a while to catch up: the wait is generous, as CI is busy.
    await entry.waitFor({ timeout: 90_000 });
    await page.screenshot({ path: join(SHOTS, 'dashboard-feed.png'), fullPage: true });

    await page.route('**/v1/notifications**', (route) => route.fulfill({ status: 503, body: '{}' }));
    await page.waitForSelector('#feed-state.offline', { timeout: 60_000 });
    expect(await page.locator('#feed-state').textContent()).toMatch(/Connection lost, retrying/);
    expect(await entry.isVisible()).toBe(true);
    await page.screenshot({ path: join(SHOTS, 'dashboard-feed-offline.png') });
    await page.unroute('**/v1/notifications**');
    await page.waitForSelector('#feed-state:not(.offline)', { state: 'attached', timeout: 60_000 });
  });

  it('turns a demo-site visitor who fills in the form into a lead that goes hot in the live feed', async () => {
    await open('/feed', 'feed');
    const site = await browser.newPage({ userAgent: BROWSER_UA });
    try {
      await site.goto(`${runtime.url}/pricing`);
      const email = `${uniqueId('visitor')}@globex.example`;
      await site.fill('input[name="name"]', 'Dee Visitor');
      await site.fill('input[name="email"]', email);
      await site.fill('input[name="company"]', 'Globex');
      await site.click('#signup button');
      await site.waitForSelector('#signup-status:has-text("Thanks")', { timeout: 60_000 });
      const entry = page.locator(`#feed li[data-lead="${demoLeadId(email)}"]`, { hasText: 'hot' }).first();
      await entry.waitFor({ timeout: 60_000 });
    } finally {
      await site.close();
    }
  });

  it('shows every rule in words and dry-runs a threshold change made through a form', {
    timeout: 120_000,
  }, async () => {
    await open('/models', 'models');
    const card = page.locator('.card[data-model="default"]');
    expect(await card.textContent()).toMatch(/hot ≥ 50/);
    expect(await card.textContent()).toMatch(/Points halve every 30 days/);
    expect(await card.locator('tr[data-rule="pricing-page"] td.when').textContent()).toBe(
      'viewed a page where path starts with /pricing',
    );
    await page.selectOption('#try-model', 'default');
    await page.selectOption('#try-what', { label: 'hot threshold' });
    expect(await page.inputValue('#try-value')).toBe('50');
    // A demo request worth 1 point, not 30: the leads this file made hot fall back to warm (band hysteresis 5).
    await page.selectOption('#try-what', { label: 'demo-request points' });
    expect(await page.inputValue('#try-value')).toBe('30');
    await page.fill('#try-value', '1');
    await page.click('#dryrun');
    await page.waitForFunction(
      () => /leads replayed|Not run/.test(document.querySelector('#result')!.textContent ?? ''),
      null,
      { timeout: 60_000 },
    );
    expect(await page.locator('#result').textContent()).toMatch(
      /^demo-request points 30 → 1: of \d+ leads replayed, [1-9]\d* would change band/,
    );
    await page.screenshot({ path: join(SHOTS, 'dashboard-models.png'), fullPage: true });
  });

  it('serves its icon at /favicon.ico', async () => {
    const icon = await fetch(`${runtime.url}/favicon.ico`);
    expect(icon.status).toBe(200);
    expect(icon.headers.get('content-type')).toMatch(/image/);
  });

  const views: [string, string, () => string][] = [
    ['leads', 'leads', () => '/leads?model=default'],
    ['lead', 'lead', () => `/lead/${hot[0]}`],
    ['feed', 'feed', () => '/feed'],
    ['models', 'models', () => '/models'],
  ];
  describe.each(views)('the %s view', (name, ready, path) => {
    it.each([
      [1280, 'desktop'],
      [390, 'mobile'],
    ])(
      'at %i px: no serious or critical axe-core violation, nothing wider than the screen',
      async (width, label) => {
        await page.setViewportSize({ width, height: 900 });
        await open(path(), ready);
        const wide = await page.evaluate(() => document.documentElement.scrollWidth);
        expect(wide).toBeLessThanOrEqual(width);
        // Evaluated over the DevTools protocol, which the page's CSP (its own scripts only) does not govern.
        await page.evaluate(AXE);
        const violations = await page.evaluate(async () => {
          const axe = (
            window as unknown as {
              axe: {
                run: () => Promise<{
                  violations: { id: string; impact: string; nodes: { target: string[] }[] }[];
                }>;
              };
            }
          ).axe;
          const { violations } = await axe.run();
          return violations
            .filter((v) => v.impact === 'serious' || v.impact === 'critical')
            .map(
              (v) =>
                `${v.id}: ${v.nodes
                  .map((n) => n.target.join(' '))
                  .slice(0, 3)
                  .join(', ')}`,
            );
        });
        expect(violations).toEqual([]);
        if (label === 'mobile')
          await page.screenshot({ path: join(SHOTS, `dashboard-${name}-mobile.png`), fullPage: true });
        await page.setViewportSize({ width: 1280, height: 900 });
      },
    );
  });
});
