/**
 * The shape of a JSON value, for comparing an event the local runtime makes with the sample AWS documents: the
 * same fields with the same JSON types, values aside. Paths listed in `maps` are string-keyed maps whose keys
 * vary by request (headers, query parameters), so only their value type counts; paths in `opaque` are checked
 * apart (DynamoDB item images: see imageProblems).
 */
export function shapeOf(value: unknown, maps: string[] = [], opaque: string[] = [], path = ''): unknown {
  if (opaque.includes(path)) return 'opaque';
  const child = (v: unknown, at: string) => shapeOf(v, maps, opaque, at);
  if (Array.isArray(value)) return value.length === 0 ? [] : [child(value[0], `${path}[]`)];
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>);
    if (maps.includes(path))
      return { '<key>': entries.length === 0 ? 'empty' : child(entries[0]![1], `${path}.*`) };
    return Object.fromEntries(
      entries
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([key, v]) => [key, child(v, path ? `${path}.${key}` : key)]),
    );
  }
  return value === null ? 'null' : typeof value;
}

const TYPES = ['B', 'BOOL', 'BS', 'L', 'M', 'N', 'NS', 'NULL', 'S', 'SS'];
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Problems with an item image as Lambda's JSON gives it: one type per value, binary as base64 text. */
export function imageProblems(image: Record<string, unknown>, path = ''): string[] {
  const problems: string[] = [];
  for (const [name, value] of Object.entries(image)) {
    const at = `${path}${name}`;
    const keys = Object.keys((value ?? {}) as object);
    if (keys.length !== 1 || !TYPES.includes(keys[0]!)) {
      problems.push(`${at}: not one typed attribute value (${JSON.stringify(value)})`);
      continue;
    }
    const typed = value as Record<string, unknown>;
    if ('B' in typed && !(typeof typed.B === 'string' && BASE64.test(typed.B)))
      problems.push(`${at}: B is not base64 text`);
    if (
      'BS' in typed &&
      !(Array.isArray(typed.BS) && typed.BS.every((b) => typeof b === 'string' && BASE64.test(b)))
    )
      problems.push(`${at}: BS is not base64 text`);
    if ('M' in typed) problems.push(...imageProblems(typed.M as Record<string, unknown>, `${at}.`));
    if ('L' in typed)
      problems.push(...imageProblems({ ...(typed.L as unknown[]) } as Record<string, unknown>, `${at}.`));
  }
  return problems;
}
