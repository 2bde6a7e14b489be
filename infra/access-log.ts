/**
 * What API Gateway writes to the API's access log for each request, one JSON line: who asked for what, the answer
 * and how long the function took. Lean on purpose: every pixel hit served by the HTTP API writes one, and a
 * byte of it is billed as log ingestion (the cost benchmark renders it with typical values and counts them).
 */
export const ACCESS_LOG_FIELDS = {
  requestId: '$context.requestId',
  ip: '$context.identity.sourceIp',
  time: '$context.requestTimeEpoch',
  route: '$context.routeKey',
  status: '$context.status',
  bytes: '$context.responseLength',
  ms: '$context.integrationLatency',
} as const;
