import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { z } from 'zod';
import { formatPath } from '../domain/path.ts';
import { problems } from './problem.ts';

/** Reads a JSON request body: 415 unless it is JSON, 413 past `maxBytes`, 400 when it does not parse or fit the schema. */
export function readJsonBody<S extends z.ZodType>(
  event: APIGatewayProxyEventV2,
  schema: S,
  maxBytes: number,
): z.infer<S> {
  const type = (event.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json' && !type.endsWith('+json')) {
    throw problems.unsupportedMediaType(
      `send the body as application/json (got "${type || 'no content-type'}")`,
    );
  }
  const raw = event.body ?? '';
  const text = event.isBase64Encoded ? Buffer.from(raw, 'base64').toString('utf8') : raw;
  const size = Buffer.byteLength(text, 'utf8');
  if (size > maxBytes) throw problems.tooLarge(`the body is ${size} bytes; at most ${maxBytes} are accepted`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw problems.badRequest(`the body is not valid JSON: ${(error as Error).message}`);
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const errors = parsed.error.issues.map((i) => ({
      path: formatPath(i.path) || '(body)',
      message: i.message,
    }));
    throw problems.badRequest(
      `the body does not match the expected shape: ${errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`,
      errors,
    );
  }
  return parsed.data;
}
