/**
 * The logger's redaction: any property whose name says it holds a secret (an Authorization
 * header, a cookie, an API key, a webhook token, a bot's secrets) is replaced by a censor, at
 * any depth up to MAX_DEPTH, in the logged object, in child-logger bindings and in serialized
 * errors. One walk over the keys of each logged object: under webhook load this costs a
 * fraction of pino's path-based redaction, which looks up every configured path (wildcards
 * included) on every line.
 *
 * Objects are copied only along the path to a censored value; the caller's objects are never
 * changed.
 */
export const CENSOR = '[redacted]';

/** Property names that hold secrets, compared lower-case. */
export const SECRET_KEYS: ReadonlySet<string> = new Set(['authorization', 'cookie', 'apikey', 'api_key', 'webhooktoken', 'webhook_token', 'token', 'secrets']);

const MAX_DEPTH = 6;

export function scrubSecrets<T>(value: T): T {
  return scrub(value, 0) as T;
}

/**
 * For pino's log formatter, which runs before the serializers: `err` is left to the error
 * serializer (which keeps its type, message and stack, and is scrubbed in turn).
 */
export function scrubLogObject(object: Record<string, unknown>): Record<string, unknown> {
  if (!('err' in object)) return scrubSecrets(object);
  const { err, ...rest } = object;
  const scrubbed = scrubSecrets(rest);
  return scrubbed === rest ? object : { ...scrubbed, err };
}

function scrub(value: unknown, depth: number): unknown {
  if (depth > MAX_DEPTH || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const next = scrub(value[i], depth + 1);
      if (next !== value[i]) (copy ??= value.slice())[i] = next;
    }
    return copy ?? value;
  }
  if (!isPlainRecord(value)) return value;
  let copy: Record<string, unknown> | undefined;
  for (const key in value) {
    if (!Object.prototype.hasOwnProperty.call(value, key)) continue;
    const current = value[key];
    const next = SECRET_KEYS.has(key.toLowerCase()) ? (current === undefined ? current : CENSOR) : scrub(current, depth + 1);
    if (next !== current) (copy ??= copyOf(value))[key] = next;
  }
  return copy ?? value;
}

/** A copy to censor in; an error keeps its type, message and stack, which are not own enumerable properties. */
function copyOf(value: Record<string, unknown>): Record<string, unknown> {
  if (!(value instanceof Error)) return { ...value };
  return { ...value, type: value.name, message: value.message, stack: value.stack };
}

/**
 * Objects whose own enumerable properties are logged: plain objects, errors (a request's headers
 * on an HTTP error) and the error serializer's output. Binary data, dates and collections are
 * left to their own serializers.
 */
function isPlainRecord(value: object): value is Record<string, unknown> {
  return !(ArrayBuffer.isView(value) || value instanceof ArrayBuffer || value instanceof Date || value instanceof Map || value instanceof Set || value instanceof RegExp);
}
