import * as z from 'zod';
import { stateReach } from '../shared/engine/index.ts';
import { loadModels } from '../shared/models.ts';
import { STAGE_PATTERN } from '../shared/names.ts';

const DAY_MS = 86_400_000;

/** CloudWatch Logs accepts these retention periods only. */
const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

const FilterPolicy = z.record(z.string(), z.array(z.string()).min(1));

const Subscription = z.discriminatedUnion('protocol', [
  z.strictObject({
    protocol: z.literal('email'),
    endpoint: z.email(),
    filterPolicy: FilterPolicy.optional(),
  }),
  z.strictObject({
    protocol: z.literal('https'),
    endpoint: z.url({ protocol: /^https$/, error: 'must be an https:// URL' }),
    filterPolicy: FilterPolicy.optional(),
  }),
  z.strictObject({
    protocol: z.literal('sqs'),
    endpoint: z
      .string()
      .regex(/^arn:aws[a-z-]*:sqs:[a-z0-9-]+:\d{12}:[A-Za-z0-9_.-]+$/, 'must be an SQS queue ARN'),
    filterPolicy: FilterPolicy.optional(),
  }),
]);

/**
 * A deployment's configuration: the CDK context (cdk.json, or `-c key=value` on the command line, JSON for
 * lists). Validated before anything is built: a bad value fails `cdk synth` with the name of the field.
 */
export const StackConfigSchema = z.strictObject({
  /** Names the stack (Leadscore-<stage>) and its resources; `prod` keeps tables on stack deletion. */
  stage: z
    .string()
    .regex(STAGE_PATTERN, 'must be lower case letters, digits and -, at most 21 characters')
    .default('dev'),
  /** The scoring models in force, as files of this checkout; each is validated here and bundled with the functions. */
  models: z
    .array(z.string().regex(/^[\w./-]+\.ya?ml$/, 'must be a .yaml file path'))
    .min(1)
    .default(['models/default.yaml']),
  /** When the nightly decay sweep runs: an EventBridge Scheduler cron expression, in `decayTimeZone`. */
  decaySchedule: z
    .string()
    .regex(
      /^cron\(\S+ \S+ \S+ \S+ \S+ \S+\)$/,
      'must be cron(minutes hours day-of-month month day-of-week year)',
    )
    .default('cron(0 2 * * ? *)'),
  decayTimeZone: z.string().min(1).default('UTC'),
  /** Who hears the operations topic's alarms; none: subscribe to the topic yourself. */
  alarmEmail: z.email().optional(),
  /** Subscribers of the notification topic, with optional SNS filter policies (message attributes). */
  subscriptions: z.array(Subscription).default([]),
  /** How long the activity ledger and score history are kept. */
  activityRetentionDays: z.number().int().min(1).max(3650).default(400),
  logRetentionDays: z
    .number()
    .refine((d) => (LOG_RETENTION_DAYS as readonly number[]).includes(d), {
      error: `must be one of ${LOG_RETENTION_DAYS.join(', ')}`,
    })
    .default(30),
  /** Other AWS accounts whose tools may put events on the bus (their own IAM must allow events:PutEvents too). */
  busPublisherAccounts: z
    .array(z.string().regex(/^\d{12}$/, 'must be a 12-digit AWS account id'))
    .default([]),
  /** API Gateway throttling for the whole API (requests per second, and burst). */
  throttle: z
    .strictObject({
      rateLimit: z.number().int().min(1).max(100_000),
      burstLimit: z.number().int().min(1).max(50_000),
    })
    .default({ rateLimit: 1000, burstLimit: 2000 }),
  /**
   * Where the pixel (/p.gif) and tracked links (/r) are served: `httpApi` (the default: the API's own host, its
   * throttling), `functionUrl` (each function's own Lambda function URL: no per-request charge), or `cloudfront`
   * (those function URLs behind one CloudFront distribution, reachable only through it: one host, and a WAF if
   * `pixelWebAclArn` names one). docs/deploy.md gives what each costs and what protects it.
   */
  pixelEndpoint: z.enum(['httpApi', 'functionUrl', 'cloudfront']).default('httpApi'),
  /**
   * Reserved concurrency of the pixel and redirect functions: the most instances a flood can run (and bill) at
   * once; past it, hits are throttled (429). Required with a function URL; unset behind the HTTP API, whose
   * throttling caps them, they share the account's pool (1,000 by default).
   */
  publicConcurrency: z.number().int().min(1).max(10_000).optional(),
  /** A CloudFront-scope AWS WAF web ACL (created in us-east-1) for the distribution; `pixelEndpoint: cloudfront` only. */
  pixelWebAclArn: z
    .string()
    .regex(
      /^arn:aws[a-z-]*:wafv2:us-east-1:\d{12}:global\/webacl\/.+$/,
      'must be a CloudFront-scope WAF web ACL ARN',
    )
    .optional(),
});

export type StackConfig = z.infer<typeof StackConfigSchema>;

export class StackConfigError extends Error {
  override name = 'StackConfigError';
}

const KEYS = Object.keys(StackConfigSchema.shape) as (keyof StackConfig)[];

/**
 * Reads the configuration from CDK context. Values given with `-c` arrive as strings: a list or object is parsed
 * as JSON. Models are loaded, so an invalid model fails synth with its problems.
 */
export function stackConfig(context: (key: string) => unknown): StackConfig {
  const raw: Record<string, unknown> = {};
  // Per-stage values ("stages": {"prod": {...}}) win over the top-level ones for that stage.
  const stage = (context('stage') as string | undefined) ?? 'dev';
  const stages = parseJson('stages', context('stages'));
  const perStage = (stages as Record<string, Record<string, unknown>> | undefined)?.[stage] ?? {};
  if ('stage' in perStage)
    throw new StackConfigError(`invalid Leadscore configuration: stages.${stage}.stage: not allowed`);
  for (const key of KEYS) {
    let value = perStage[key] ?? context(key);
    value = parseJson(key, value);
    if (value !== undefined) raw[key] = value;
  }
  const unknown = Object.keys(perStage).filter((k) => !(KEYS as string[]).includes(k));
  if (unknown.length > 0)
    throw new StackConfigError(
      `invalid Leadscore configuration: stages.${stage}: unknown key(s) ${unknown.join(', ')}`,
    );
  const parsed = StackConfigSchema.safeParse(raw);
  if (!parsed.success) {
    throw new StackConfigError(
      `invalid Leadscore configuration: ${parsed.error.issues
        .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
        .join('; ')}`,
    );
  }
  if (parsed.data.pixelEndpoint !== 'httpApi' && parsed.data.publicConcurrency === undefined)
    throw new StackConfigError(
      `invalid Leadscore configuration: publicConcurrency: required with pixelEndpoint: ${parsed.data.pixelEndpoint} (a public function URL with no cap can take the account's whole concurrency, and its bill)`,
    );
  if (parsed.data.pixelWebAclArn && parsed.data.pixelEndpoint !== 'cloudfront')
    throw new StackConfigError(
      'invalid Leadscore configuration: pixelWebAclArn: a web ACL attaches to the CloudFront distribution; set pixelEndpoint: cloudfront',
    );
  let models: ReturnType<typeof loadModels>;
  try {
    models = loadModels(parsed.data.models.join(','));
  } catch (error) {
    throw new StackConfigError(`invalid Leadscore configuration: models: ${(error as Error).message}`);
  }
  for (const model of models) {
    const needed = Math.ceil(stateReach(model) / DAY_MS);
    if (parsed.data.activityRetentionDays < needed)
      throw new StackConfigError(
        `invalid Leadscore configuration: activityRetentionDays: ${parsed.data.activityRetentionDays} is shorter than model "${model.id}" looks back (${needed} days: its horizon, limits and windows); a score rebuilt from a shorter ledger would forget activities it still counts`,
      );
  }
  return parsed.data;
}

/** Values given with `-c` arrive as strings: a list, object or number is parsed as JSON. */
function parseJson(key: string, value: unknown): unknown {
  if (typeof value !== 'string' || !/^[[{]|^\d+$/.test(value.trim())) return value;
  try {
    return JSON.parse(value);
  } catch {
    throw new StackConfigError(`invalid Leadscore configuration: ${key}: is not valid JSON`);
  }
}
