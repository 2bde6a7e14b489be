/**
 * The prices the cost benchmark (`npm run bench -- cost`) multiplies its measured quantities by: on-demand list
 * prices, first tier, free tier left out, for one region at one date. Change them here for your region; the
 * benchmark prints them with every run, and docs/deploy.md quotes the table it prints.
 */
export const PRICES = {
  region: 'us-east-1',
  asOf: '2026-11',
  currency: 'USD',
  sources: [
    'https://aws.amazon.com/api-gateway/pricing/',
    'https://aws.amazon.com/lambda/pricing/',
    'https://aws.amazon.com/dynamodb/pricing/on-demand/',
    'https://aws.amazon.com/sns/pricing/',
    'https://aws.amazon.com/cloudwatch/pricing/',
    'https://aws.amazon.com/cloudfront/pricing/',
    'https://aws.amazon.com/waf/pricing/',
  ],
  /** HTTP API, per request (each 512 KB of a request is one; a pixel hit is one). */
  httpApiRequest: 1.0 / 1e6,
  /** Lambda, per invocation. A function URL adds nothing to it. */
  lambdaRequest: 0.2 / 1e6,
  /** Lambda on arm64, per GB-second of billed duration (rounded up to the millisecond, per invocation). */
  lambdaArmGbSecond: 0.0000133334,
  /** DynamoDB on demand, per write request unit (1 KB; a refused conditional write is billed too). */
  dynamodbWriteUnit: 0.625 / 1e6,
  /** DynamoDB on demand, per read request unit (4 KB strongly consistent, 8 KB eventually). Lambda's stream reads are free. */
  dynamodbReadUnit: 0.125 / 1e6,
  /** SNS, per publish request: each 64 KB of a Publish, or of a whole PublishBatch of up to 10 messages, is one. */
  snsPublish: 0.5 / 1e6,
  /** SNS, per HTTP/S delivery attempt. */
  snsHttpDelivery: 0.6 / 1e6,
  /** CloudWatch Logs, per GB ingested (Standard class: the functions' log groups). */
  logsIngestedGb: 0.5,
  /** CloudWatch Logs, per GB ingested (Infrequent Access class: the HTTP API's access log). */
  logsIngestedGbInfrequentAccess: 0.25,
  /** CloudFront, per HTTPS request (North America and Europe); only if you put it in front of a function URL. */
  cloudfrontHttpsRequest: 0.01 / 1e4,
  /** AWS WAF, per request inspected by a web ACL, plus $5 a month per ACL and $1 per rule. */
  wafRequest: 0.6 / 1e6,
} as const;

/**
 * What Lambda itself writes to a function's log group per invocation in JSON log format at the INFO system log
 * level: a platform.start and a platform.report line (shapes from Lambda's telemetry schema; ids and figures of
 * typical length). At WARN neither is written. Their bytes count as log ingestion like the handler's own.
 */
export const PLATFORM_LOG_LINES = [
  '{"time":"2026-11-30T09:00:00.000Z","type":"platform.start","record":{"requestId":"6d68ca91-49c9-448d-89b8-7ca3e6dc66aa","version":"$LATEST"}}',
  '{"time":"2026-11-30T09:00:00.021Z","type":"platform.report","record":{"requestId":"6d68ca91-49c9-448d-89b8-7ca3e6dc66aa","metrics":{"durationMs":20.61,"billedDurationMs":21,"memorySizeMB":256,"maxMemoryUsedMB":91},"status":"success"}}',
] as const;
