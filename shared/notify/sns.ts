/**
 * What SNS allows a publish and what it bills for one, as AWS documents them: the publisher keeps within these
 * numbers, and the local topic refuses and bills by the same ones (local/sns-query.ts, local/topic.ts).
 */
export const SNS_PUBLISH = {
  /** Messages in one PublishBatch request. */
  batchEntries: 10,
  /** The most one message may weigh, and all the messages of one PublishBatch together: 256 KiB. */
  payloadBytes: 262_144,
  /** Each 64 KiB of a request's messages (one Publish, or a whole PublishBatch) is billed as one request. */
  billedChunkBytes: 65_536,
} as const;

/** A message attribute, as SNS takes it and as @aws-sdk/client-sns sends it. */
export interface MessageAttribute {
  DataType: string;
  StringValue?: string | undefined;
}

/** A message's weight as SNS counts it against the limit: its body and each attribute's name, type and value. */
export function messageBytes(message: string, attributes: Record<string, MessageAttribute> = {}): number {
  let bytes = Buffer.byteLength(message);
  for (const [name, attribute] of Object.entries(attributes))
    bytes +=
      Buffer.byteLength(name) +
      Buffer.byteLength(attribute.DataType) +
      Buffer.byteLength(attribute.StringValue ?? '');
  return bytes;
}

/** The requests SNS bills for one publish request whose messages weigh `bytes` together. */
export function billedRequests(bytes: number): number {
  return Math.max(1, Math.ceil(bytes / SNS_PUBLISH.billedChunkBytes));
}
