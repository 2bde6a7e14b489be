/**
 * EventBridge event patterns, as Lambda's event filtering and EventBridge rules apply them: every key of the
 * pattern must match; a list matches when any of its conditions does (a literal, prefix, exists, anything-but).
 */
export function matchesPattern(pattern: unknown, value: unknown): boolean {
  if (Array.isArray(pattern)) return pattern.some((condition) => matchesCondition(condition, value));
  if (pattern === null || typeof pattern !== 'object') return false;
  return Object.entries(pattern).every(([key, inner]) => {
    const field =
      value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined;
    if (Array.isArray(inner)) return inner.some((condition) => matchesCondition(condition, field));
    if (field === undefined) return false;
    return matchesPattern(inner, field);
  });
}

function matchesCondition(condition: unknown, value: unknown): boolean {
  if (condition === null || typeof condition !== 'object') {
    const values = Array.isArray(value) ? value : [value];
    return values.some((v) => v === condition);
  }
  const rule = condition as Record<string, unknown>;
  if ('exists' in rule) return (value !== undefined) === rule.exists;
  if (value === undefined) return false;
  if ('prefix' in rule) return typeof value === 'string' && value.startsWith(String(rule.prefix));
  if ('anything-but' in rule) {
    const excluded = ([] as unknown[]).concat(rule['anything-but']);
    return !excluded.includes(value);
  }
  return false;
}
