import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { AttributeValue as StreamAttributeValue } from 'aws-lambda';

/**
 * An item image of a DynamoDB stream record, as Lambda delivers it, in plain values. Lambda's event is JSON, so
 * binary attributes arrive as base64 text (`{"B": "AQID"}`), where the SDK's own stream client gives bytes;
 * `unmarshall` would leave that text as a string. Decoding it here gives every handler the bytes it stored.
 */
export function itemOfImage<T>(image: Record<string, StreamAttributeValue>): T {
  return unmarshall(
    Object.fromEntries(Object.entries(image).map(([name, value]) => [name, bytesOf(value)])),
  ) as T;
}

function bytesOf(value: StreamAttributeValue): AttributeValue {
  if (value.B !== undefined) return { B: fromBase64(value.B) };
  if (value.BS !== undefined) return { BS: value.BS.map(fromBase64) };
  if (value.M !== undefined)
    return { M: Object.fromEntries(Object.entries(value.M).map(([k, v]) => [k, bytesOf(v)])) };
  if (value.L !== undefined) return { L: value.L.map(bytesOf) };
  return value as AttributeValue;
}

function fromBase64(text: string): Uint8Array {
  const bytes = Buffer.from(text, 'base64');
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length);
}
