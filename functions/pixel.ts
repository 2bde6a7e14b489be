import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { PIXEL_GIF, PIXEL_HEADERS, parsePixelHit } from '../shared/ingest/pixel.ts';
import { recordActivities } from '../shared/ingest/record.ts';
import { httpHandler } from '../shared/lambda.ts';
import { signingSecret } from '../shared/security/signing-secret.ts';
import { count, logger } from '../shared/telemetry.ts';
import { wire } from '../shared/wiring.ts';

const { config, ledger } = wire('pixel');
const secret = await signingSecret(config);

const GIF: APIGatewayProxyStructuredResultV2 = {
  statusCode: 200,
  headers: PIXEL_HEADERS,
  body: PIXEL_GIF.toString('base64'),
  isBase64Encoded: true,
};

/**
 * GET /p.gif: always the GIF. A hit that cannot be recorded is logged and counted, never shown to the page; a
 * duplicate and a dropped hit (an erased visitor) are counted too. A lead's hit is recorded under the lead its
 * token names, with no identity read: scoring moves it on if that lead was merged away, or erases it if erased.
 */
async function trackPixel(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> {
  const now = Date.now();
  const hit = parsePixelHit(
    event.queryStringParameters ?? {},
    event.headers['user-agent'],
    secret,
    now,
    config.PIXEL_ACTIVITY_TYPES,
  );
  if (!hit.ok) {
    count(`pixel.rejected.${hit.reason}`);
    logger.warn('pixel hit rejected', { reason: hit.reason, detail: hit.detail });
    return GIF;
  }
  try {
    const [result] = await recordActivities(ledger, [hit.activity], 'pixel', now, 'visitors');
    // A recorded hit counts nothing, so it prints nothing: a metric line per hit would cost more in log ingestion
    // than the hit's compute. Recorded hits are the function's invocations less the counts below; a crawler's
    // recorded hit is flagged in the ledger (bot, botReason), not counted here, for the same reason.
    if (result!.status !== 'recorded') count(`pixel.${result!.status}`);
  } catch (error) {
    count('pixel.failed');
    logger.error('pixel hit not recorded', { error: error as Error });
  }
  return GIF;
}

export const handler = httpHandler('pixel', trackPixel);
