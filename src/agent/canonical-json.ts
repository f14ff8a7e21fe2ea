/**
 * One text per set of arguments, whatever the key order or spacing, so a repeated call is recognised:
 * `{"b":1, "a":2}` and `{"a":2,"b":1}` are the same call. Text that is not JSON stays as written (trimmed).
 */
export function canonicalArguments(raw: string): string {
  const text = raw.trim();
  if (text === '') return '{}';
  try {
    return JSON.stringify(sortKeys(JSON.parse(text)));
  } catch {
    return text;
  }
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((key) => [key, sortKeys((value as Record<string, unknown>)[key])]),
  );
}
