/**
 * An item's size as DynamoDB counts it for capacity units (Amazon DynamoDB Developer Guide, "Item sizes and
 * formats"): each attribute's name in UTF-8 bytes plus its value: a string's UTF-8 bytes, a binary's bytes, a
 * number about one byte per two significant digits plus one, a boolean or null one byte, a list or map three bytes
 * plus one byte and the size of each element (a map's element names counted too).
 */
export function itemSize(item: Record<string, unknown>): number {
  return Object.entries(item).reduce(
    (sum, [name, value]) => sum + Buffer.byteLength(name) + valueSize(value),
    0,
  );
}

function valueSize(value: unknown): number {
  if (value === null || value === undefined || typeof value === 'boolean') return 1;
  if (typeof value === 'string') return Buffer.byteLength(value);
  if (typeof value === 'number' || typeof value === 'bigint') {
    const digits = String(value).replace(/^-/, '').replace('.', '').replace(/^0+/, '').replace(/0+$/, '');
    return Math.ceil(Math.max(1, digits.length) / 2) + 1;
  }
  if (value instanceof Uint8Array) return value.byteLength;
  if (value instanceof Set) return [...value].reduce((s: number, v) => s + valueSize(v), 0);
  if (Array.isArray(value)) return 3 + value.reduce((s: number, v) => s + 1 + valueSize(v), 0);
  if (typeof value === 'object')
    return 3 + Object.entries(value).reduce((s, [k, v]) => s + 1 + Buffer.byteLength(k) + valueSize(v), 0);
  throw new Error(`no DynamoDB size for ${typeof value}`);
}
