import * as z from 'zod';

/**
 * What every handler reads from its environment, validated once at start-up. A missing or malformed variable
 * fails loudly with its name.
 */
const Environment = z.object({
  ACTIVITIES_TABLE: z.string().min(3),
  LEADS_TABLE: z.string().min(3),
  /**
   * HMAC key for pixel tokens and redirect signatures, at least 32 characters: the value itself (local runtime,
   * tests), or the ARN of the Secrets Manager secret holding it (AWS). Only the pixel and the redirect need it.
   */
  SIGNING_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  SIGNING_SECRET_ARN: z.string().startsWith('arn:').optional(),
  /** Set by the local runtime (DynamoDB Local); unset in AWS. */
  DYNAMODB_ENDPOINT: z.url().optional(),
  ACTIVITY_RETENTION_DAYS: z.coerce.number().int().positive().default(400),
  /** The scoring models in force: comma-separated YAML files. */
  LEADSCORE_MODELS: z.string().min(1).default('models/default.yaml'),
  /** Where notifications go: an SNS topic in AWS, or the local runtime's topic. One of them is needed to notify. */
  TOPIC_ARN: z.string().startsWith('arn:').optional(),
  /** Where the built dashboard is (the dashboard function); the local runtime builds it at start. */
  DASHBOARD_DIR: z.string().min(1).optional(),
  /** Set by the stack on the decay sweep: a paused sweep invokes itself to go on. */
  DECAY_CONTINUE: z.enum(['invoke']).optional(),
  LOCAL_TOPIC_URL: z.url().optional(),
  /** The job worker's function name, for the handlers that start jobs (the stack sets it from their spec). */
  RUN_JOB_FUNCTION: z.string().min(1).optional(),
});

export type Config = z.infer<typeof Environment>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = Environment.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new ConfigError(`invalid configuration: ${problems}`);
  }
  return parsed.data;
}

/** A setting only some handlers need, required by those at start-up: missing, it fails loudly with its name. */
export function required<K extends keyof Config>(config: Config, name: K): NonNullable<Config[K]> {
  const value = config[name];
  if (value === undefined) throw new ConfigError(`invalid configuration: ${name}: required by this handler`);
  return value as NonNullable<Config[K]>;
}
