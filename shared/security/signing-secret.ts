import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { type Config, ConfigError } from '../config.ts';

/**
 * The pixel-token signing secret: SIGNING_SECRET as given, or read once (at a handler's start-up) from the
 * Secrets Manager secret SIGNING_SECRET_ARN names, so the value never sits in a function's environment.
 */
export async function signingSecret(config: Config): Promise<string> {
  if (config.SIGNING_SECRET) return config.SIGNING_SECRET;
  if (!config.SIGNING_SECRET_ARN)
    throw new ConfigError('invalid configuration: SIGNING_SECRET or SIGNING_SECRET_ARN must be set');
  const client = new SecretsManagerClient({});
  try {
    const out = await client.send(new GetSecretValueCommand({ SecretId: config.SIGNING_SECRET_ARN }));
    const value = out.SecretString ?? '';
    if (value.length < 32)
      throw new ConfigError(
        'invalid configuration: the secret SIGNING_SECRET_ARN names must be at least 32 characters',
      );
    return value;
  } finally {
    client.destroy();
  }
}
