import * as z from 'zod';
import { type FunctionSpec, functionNameVariable, functionSpec } from './manifest.ts';

// zod compiles each object schema into a function on its first parse. In Lambda, where a cold start parses most
// schemas once (its configuration, a request), compiling costs more than it saves: some 25 ms of every start-up.
// The CLI and the local runtime, which parse the same schemas many times over, keep it.
if (process.env.AWS_LAMBDA_FUNCTION_NAME) z.config({ jitless: true });

/**
 * What every handler reads from its environment, validated once at start-up. A missing or malformed variable
 * fails loudly with its name.
 */
const Environment = z.object({
  ACTIVITIES_TABLE: z.string().min(3).optional(),
  LEADS_TABLE: z.string().min(3).optional(),
  SEARCH_TABLE: z.string().min(3).optional(),
  /**
   * HMAC key for pixel tokens and redirect signatures, at least 32 characters: the value itself (local runtime,
   * tests), or the ARN of the Secrets Manager secret holding it (AWS). Only the pixel and the redirect need it.
   */
  SIGNING_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  SIGNING_SECRET_ARN: z.string().startsWith('arn:').optional(),
  /** Set by the local runtime (DynamoDB Local); unset in AWS. */
  DYNAMODB_ENDPOINT: z.url().optional(),
  ACTIVITY_RETENTION_DAYS: z.coerce.number().int().positive().default(400),
  /**
   * The scoring models in force: comma-separated model artifacts (shared/model/artifact.ts), which `cdk synth`
   * bundles and `npm start` writes, each validated on the way.
   */
  LEADSCORE_MODELS: z.string().min(1).default('models/default.json'),
  /** Where notifications go: the SNS topic (locally, the local runtime's, served through AWS_ENDPOINT_URL_SNS). */
  TOPIC_ARN: z.string().startsWith('arn:').optional(),
  /** Where the built dashboard is (the dashboard function); the local runtime builds it at start. */
  DASHBOARD_DIR: z.string().min(1).optional(),
  /** Set by the stack on the decay sweep: a paused sweep invokes itself to go on. */
  DECAY_SWEEP_FUNCTION: z.string().min(1).optional(),
  /** The job worker's function name, for the handlers that start jobs (the stack sets it from their spec). */
  RUN_JOB_FUNCTION: z.string().min(1).optional(),
  /**
   * The activity types an unsigned pixel hit may carry, comma-separated (a page script can send anything, so
   * nothing that signals intent belongs here). A signed e-mail token also allows email_open.
   */
  PIXEL_ACTIVITY_TYPES: z
    .string()
    .regex(/^[a-z][a-z0-9_]{0,62}(,[a-z][a-z0-9_]{0,62})*$/, 'activity types, comma-separated')
    .default('page_view')
    .transform((list) => new Set(list.split(','))),
});

export type Config = z.infer<typeof Environment>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/**
 * The configuration of one function, validated once at its start-up: the variables its manifest entry's uses
 * bring must be there (a table it uses, the secret it reads, the topic it publishes to), and every variable
 * present must be well-formed. The error names each problem.
 */
export function loadConfig(handler: string | FunctionSpec, env: NodeJS.ProcessEnv = process.env): Config {
  const spec = typeof handler === 'string' ? functionSpec(handler) : handler;
  const parsed = Environment.safeParse(env);
  const problems = parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  for (const [needed, why] of requirements(spec))
    if (!needed.some((name) => env[name])) problems.push(`${needed.join(' or ')}: required (${why})`);
  if (problems.length > 0 || !parsed.success)
    throw new ConfigError(`invalid configuration of ${spec.handler}: ${problems.join('; ')}`);
  return parsed.data;
}

/** What each use needs from the environment; locally some come in their local form (a value, not an ARN). */
function requirements(spec: FunctionSpec): [string[], string][] {
  const { uses } = spec;
  return [
    ...(uses.activities ? [[['ACTIVITIES_TABLE'], 'the activity ledger'] as [string[], string]] : []),
    ...(uses.leads ? [[['LEADS_TABLE'], 'the leads table'] as [string[], string]] : []),
    ...(uses.search ? [[['SEARCH_TABLE'], "the list's search index"] as [string[], string]] : []),
    ...(uses.signingSecret
      ? [[['SIGNING_SECRET_ARN', 'SIGNING_SECRET'], 'the pixel-token signing secret'] as [string[], string]]
      : []),
    ...(uses.notifications ? [[['TOPIC_ARN'], 'the topic notifications go to'] as [string[], string]] : []),
    ...(uses.invokes ?? []).map(
      (h) => [[functionNameVariable(h)], `the name of ${h}, which it invokes`] as [string[], string],
    ),
  ];
}

/** A setting the manifest makes this handler's configuration require, narrowed to its type. */
export function required<K extends keyof Config>(config: Config, name: K): NonNullable<Config[K]> {
  const value = config[name];
  if (value === undefined) throw new ConfigError(`invalid configuration: ${name}: required by this handler`);
  return value as NonNullable<Config[K]>;
}
