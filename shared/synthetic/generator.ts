import type { LedgerActivity } from '../domain/activity.ts';
import type { Profile } from '../domain/profile.ts';

/**
 * Seeded synthetic B2B traffic: a long tail of quiet leads, a few very active ones, sessions that come in bursts,
 * e-mail campaigns with machine opens, crawlers, job seekers and competitors. Each lead has a hidden intent that
 * drives both what it does and whether it converts, so backtests have a real signal to find.
 */
export interface TrafficOptions {
  seed: number;
  leads: number;
  /** Epoch ms of the first possible activity. */
  start: number;
  days: number;
}

export interface SyntheticLead {
  profile: Profile;
  /** In time order. */
  activities: LedgerActivity[];
  /** The hidden intent in [0, 1] that drove the behaviour. */
  intent: number;
  /** The hidden fit in [0, 1] from the profile. */
  fit: number;
  /** Outcome drawn from intent and fit: the planted signal. */
  converted: boolean;
  isBot: boolean;
}

const DAY = 86_400_000;
const TITLES: [string, number, number][] = [
  // title, weight, fit
  ['VP Marketing', 4, 1],
  ['Chief Revenue Officer', 2, 1],
  ['Head of Growth', 3, 0.9],
  ['Marketing Director', 4, 0.9],
  ['Marketing Manager', 10, 0.6],
  ['Sales Manager', 6, 0.6],
  ['Marketing Specialist', 10, 0.35],
  ['Software Engineer', 8, 0.2],
  ['Student', 4, 0],
  ['Intern', 2, 0],
  ['Consultant', 5, 0.3],
];
const INDUSTRIES: [string, number, number][] = [
  ['Software', 6, 1],
  ['SaaS', 4, 1],
  ['Financial Services', 3, 0.8],
  ['Healthcare', 3, 0.7],
  ['Retail', 4, 0.4],
  ['Education', 3, 0.2],
  ['Manufacturing', 3, 0.4],
];
const COUNTRIES: [string, number][] = [
  ['US', 10],
  ['GB', 3],
  ['DE', 3],
  ['CA', 2],
  ['FR', 2],
  ['IN', 3],
  ['BR', 2],
  ['AU', 1],
];
const FREE_MAIL = ['gmail.com', 'yahoo.com', 'outlook.com'];
const COMPETITORS = ['rivalscore.io', 'leadrank.com'];
const BOT_AGENTS = ['Googlebot/2.1', 'bingbot/2.0', 'AhrefsBot/7.0'];

/** sfc32: small, fast, and good enough for traffic; identical sequences on every platform. */
export function random(seed: number): () => number {
  let a = 0x9e3779b9;
  let b = 0x243f6a88;
  let c = 0xb7e15162;
  let d = seed >>> 0;
  const next = () => {
    a >>>= 0;
    b >>>= 0;
    c >>>= 0;
    d >>>= 0;
    const t = (a + b + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) >>> 0;
    return t / 4294967296;
  };
  for (let i = 0; i < 12; i++) next();
  return next;
}

export function* syntheticLeads(options: TrafficOptions): Generator<SyntheticLead> {
  const rnd = random(options.seed);
  const pick = <T>(items: [T, number, ...unknown[]][]): [T, number, ...unknown[]] => {
    const total = items.reduce((s, i) => s + i[1], 0);
    let x = rnd() * total;
    for (const item of items) {
      x -= item[1];
      if (x < 0) return item;
    }
    return items[items.length - 1]!;
  };
  const span = options.days * DAY;
  const campaigns = Array.from({ length: Math.floor(options.days / 7) }, (_, i) => ({
    id: `nl-${i + 1}`,
    at: options.start + i * 7 * DAY + 9 * 3_600_000,
  }));

  for (let n = 0; n < options.leads; n++) {
    const leadId = `lead-${String(n).padStart(7, '0')}`;
    const activities: LedgerActivity[] = [];
    let seq = 0;
    const add = (type: string, t: number, properties?: Record<string, string | number>, bot?: boolean) => {
      if (t < options.start || t >= options.start + span) return;
      activities.push({
        eventId: `${leadId}-${seq++}`,
        leadId,
        type,
        occurredAt: new Date(Math.floor(t)).toISOString(),
        ...(properties && { properties }),
        ...(bot && { bot }),
      });
    };

    const isBot = rnd() < 0.03;
    const [title, , titleFit] = pick(TITLES) as [string, number, number];
    const [industry, , industryFit] = pick(INDUSTRIES) as [string, number, number];
    const employees = Math.round(Math.exp(2 + rnd() * 7));
    const [country] = pick(COUNTRIES.map(([c, w]) => [c, w] as [string, number]));
    const domainRoll = rnd();
    const emailDomain =
      domainRoll < 0.01
        ? COMPETITORS[n % 2]!
        : domainRoll < 0.2
          ? FREE_MAIL[n % 3]!
          : `company${n % 5000}.com`;
    const fit = Math.min(1, (titleFit + industryFit + (employees >= 50 && employees < 5000 ? 1 : 0.3)) / 3);
    const intent = rnd() ** 3;
    const jobSeeker = rnd() < 0.03;

    if (isBot) {
      const hits = 20 + Math.floor(rnd() * 200);
      const agent = BOT_AGENTS[n % BOT_AGENTS.length]!;
      for (let i = 0; i < hits; i++)
        add('page_view', options.start + rnd() * span, { path: `/blog/${i % 40}`, userAgent: agent }, true);
    } else {
      // Sessions: mostly a few, a long tail of many; each a burst of page views seconds to minutes apart.
      const sessions = Math.floor(-Math.log(1 - rnd()) * (1 + 12 * intent)) + (rnd() < 0.02 ? 40 : 0);
      for (let s = 0; s < sessions; s++) {
        let t = options.start + rnd() * span;
        const views = 1 + Math.floor(rnd() * (2 + 6 * intent));
        for (let v = 0; v < views; v++) {
          const roll = rnd();
          const path =
            jobSeeker && roll < 0.5
              ? '/careers'
              : roll < 0.1 + 0.3 * intent
                ? '/pricing'
                : roll < 0.5
                  ? `/blog/${Math.floor(rnd() * 40)}`
                  : roll < 0.65
                    ? `/customers/${Math.floor(rnd() * 10)}`
                    : roll < 0.8
                      ? `/docs/${Math.floor(rnd() * 20)}`
                      : '/';
          add('page_view', t, { path });
          t += 5_000 + rnd() * 180_000;
        }
        if (rnd() < 0.15 * intent) add('download', t, { asset: `whitepaper-${Math.floor(rnd() * 5)}` });
        if (rnd() < 0.05 * intent) add('chat_started', t + 10_000);
        if (rnd() < 0.04 * intent * (0.5 + fit)) add('form_submit', t + 20_000, { form: 'demo' });
      }
      const machineOpens = rnd() < 0.15;
      for (const c of campaigns) {
        if (machineOpens)
          add(
            'email_open',
            c.at + 1_000 + rnd() * 4_000,
            { emailId: c.id, userAgent: 'GoogleImageProxy' },
            true,
          );
        if (rnd() < 0.2 + 0.5 * intent) {
          const opened = c.at + rnd() * 2 * DAY;
          add('email_open', opened, { emailId: c.id });
          if (rnd() < 0.1 + 0.4 * intent) add('email_click', opened + 30_000, { emailId: c.id });
        }
      }
      if (rnd() < 0.1 + 0.3 * intent) {
        const at = options.start + rnd() * span;
        add('webinar_registered', at, { webinar: 'w1' });
        if (rnd() < 0.5 + 0.3 * intent) add('webinar_attended', at + 3 * DAY, { webinar: 'w1' });
      }
      if (jobSeeker && rnd() < 0.5)
        add('form_submit', options.start + rnd() * span, { form: 'job-application' });
      if (rnd() < 0.04 * (1 - intent))
        add('email_unsubscribe', options.start + rnd() * span, { emailId: 'nl-1' });
    }
    activities.sort((a, b) => (a.occurredAt < b.occurredAt ? -1 : a.occurredAt > b.occurredAt ? 1 : 0));
    const p = 1 / (1 + Math.exp(-(-4.5 + 5 * intent + 2.5 * fit)));
    yield {
      profile: {
        leadId,
        attributes: { email: `${leadId}@${emailDomain}`, emailDomain, title, industry, employees, country },
      },
      activities,
      intent,
      fit,
      converted: !isBot && !jobSeeker && rnd() < p,
      isBot,
    };
  }
}
