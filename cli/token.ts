import { signLeadToken, signRedirect } from '../shared/security/tokens.ts';
import { parse } from './args.ts';
import { localRuntime } from './local-state.ts';
import { type Command, UsageError } from './main.ts';

export const runToken: Command = {
  summary: 'Print a signed lead token, a ready pixel URL and a tracked link for e-mails',
  usage: `Usage: leadscore token --lead <id> [--email <id>] [--days <n>] [--link <url>] [--base-url <url> | --pixel-url <url> --redirect-url <url>] [--data-dir <dir>]

  --lead      the lead the token speaks for
  --email     the e-mail (campaign) id: opens and clicks carry it, and opens within 10 s of now are machine opens
  --days      how long the token is valid (default 30)
  --link      also print a signed click-tracking link to this URL
  --base-url      where the API is served (default: the running local runtime's)
  --pixel-url     the stack's PixelUrl output (default: <base-url>/p.gif); with pixelEndpoint functionUrl the
                  pixel and tracked links have hosts of their own
  --redirect-url  the stack's RedirectUrl output (default: <base-url>/r)

The signing secret is LEADSCORE_SIGNING_SECRET, else the running local runtime's (npm start).`,
  async run(args) {
    const { values } = parse(args, {
      lead: { type: 'string' },
      email: { type: 'string' },
      days: { type: 'string' },
      link: { type: 'string' },
      'base-url': { type: 'string' },
      'pixel-url': { type: 'string' },
      'redirect-url': { type: 'string' },
      'data-dir': { type: 'string' },
    });
    if (!values.lead) throw new UsageError('--lead is required');
    const days = values.days === undefined ? 30 : Number(values.days);
    if (!Number.isFinite(days) || days <= 0)
      throw new UsageError(`--days "${values.days}" is not a positive number`);
    const envSecret = process.env.LEADSCORE_SIGNING_SECRET;
    const given = values['base-url'] ?? (values['pixel-url'] && values['redirect-url']);
    const local = envSecret && given ? undefined : localRuntime(values['data-dir']);
    const secret = envSecret ?? local!.signingSecret;
    const base = values['base-url'] ?? local?.url;
    const pixel = values['pixel-url'] ?? `${base}/p.gif`;
    const redirect = values['redirect-url'] ?? `${base}/r`;
    const now = Math.floor(Date.now() / 1000);
    const token = signLeadToken(secret, {
      l: values.lead,
      ...(values.email !== undefined && { m: values.email, s: now }),
      x: now + Math.round(days * 86_400),
    });
    console.log(`token  ${token}`);
    console.log(`pixel  ${pixel}?t=${encodeURIComponent(token)}`);
    console.log(`html   <img src="${pixel}?t=${encodeURIComponent(token)}" width="1" height="1" alt="">`);
    if (values.link) {
      const query = new URLSearchParams({
        u: values.link,
        t: token,
        s: signRedirect(secret, values.link, token),
      });
      console.log(`link   ${redirect}?${query}`);
    }
    return 0;
  },
};
