/**
 * The logger's redaction, applied to every logged object, child-logger binding, serializer
 * output and message string:
 * - a property whose name says it holds a secret (an Authorization header, a cookie, an API key,
 *   a webhook token, a password, a bot's secrets) is replaced by a censor, at any depth;
 * - inside any string, an AgentsAccess API key (`aa_` + 64 hex), the token in a webhook URL
 *   (`/webhooks/<token>`) and a Bearer credential are masked, so a URL or an error text that
 *   quotes one cannot carry it into a log line;
 * - objects nested deeper than MAX_DEPTH are censored rather than passed through unchecked.
 *
 * One walk over the keys of each logged object: under webhook load this costs a fraction of
 * pino's path-based redaction, which looks up every configured path (wildcards included) on
 * every line. Objects are copied only along the path to a censored value; the caller's objects
 * are never changed.
 */
export const CENSOR = '[redacted]';
const TOO_DEEP = '[redacted: nested too deep to check]';

/** Property names that hold secrets, compared lower-case without `-` and `_`. */
const SECRET_KEYS: ReadonlySet<string> = new Set([
  'authorization',
  'proxyauthorization',
  'cookie',
  'setcookie',
  'apikey',
  'xapikey',
  'webhooktoken',
  'token',
  'accesstoken',
  'refreshtoken',
  'secret',
  'secrets',
  'password',
]);

const MAX_DEPTH = 8;

/** Secrets that can be recognised inside text, whatever property holds it. */
const SECRET_PATTERNS: [RegExp, string][] = [
  [/aa_[0-9a-fA-F]{64}/g, `aa_${CENSOR}`],
  // Not a route pattern (/webhooks/:token), which is how requests are logged.
  [/(\/webhooks\/)(?!:)[^/?#\s"'<>]+/g, `$1${CENSOR}`],
  [/(bearer\s+)[^\s"',;]+/gi, `$1${CENSOR}`],
];

export function isSecretKey(key: string): boolean {
  return SECRET_KEYS.has(key.toLowerCase().replace(/[-_]/g, ''));
}

/** Masks API keys, webhook-URL tokens and Bearer credentials inside a string. */
export function scrubText(text: string): string {
  // A cheap look first: almost every string has none of the three.
  if (!text.includes('aa_') && !text.includes('/webhooks/') && !/bearer/i.test(text)) return text;
  let result = text;
  for (const [pattern, replacement] of SECRET_PATTERNS) result = result.replace(pattern, replacement);
  return result;
}

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
  if (typeof value === 'string') return scrubText(value);
  if (value === null || typeof value !== 'object') return value;
  if (depth > MAX_DEPTH) return TOO_DEEP;
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const next = scrub(value[i], depth + 1);
      if (next !== value[i]) (copy ??= value.slice())[i] = next;
    }
    return copy ?? value;
  }
  if (isOpaque(value)) return value;
  // What JSON.stringify would write for it is what must be checked.
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function' && !(value instanceof Error)) {
    const json: unknown = toJSON.call(value);
    const scrubbed = scrub(json, depth + 1);
    return scrubbed === json && json === value ? value : scrubbed;
  }
  const record = value as Record<string, unknown>;
  let copy: Record<string, unknown> | undefined;
  for (const key in record) {
    if (!Object.prototype.hasOwnProperty.call(record, key)) continue;
    const current = record[key];
    const next = isSecretKey(key) ? (current === undefined || current === null ? current : CENSOR) : scrub(current, depth + 1);
    if (next !== current) (copy ??= copyOf(record))[key] = next;
  }
  return copy ?? value;
}

/** Binary data and collections: written by their own rules, never holding named secrets. */
function isOpaque(value: object): boolean {
  return ArrayBuffer.isView(value) || value instanceof ArrayBuffer || value instanceof Map || value instanceof Set || value instanceof RegExp;
}

/** A copy to censor in; an error keeps its type, message and stack, which are not own enumerable properties. */
function copyOf(value: Record<string, unknown>): Record<string, unknown> {
  if (!(value instanceof Error)) return { ...value };
  return { ...value, type: value.name, message: scrubText(value.message), stack: value.stack === undefined ? undefined : scrubText(value.stack) };
}
