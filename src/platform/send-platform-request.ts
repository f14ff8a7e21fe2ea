/**
 * One HTTP request to the AgentsAccess API with a bot's key: every status comes back as
 * `{status, body}`; only "no answer" (network, timeout) throws, as a PlatformError. The host's
 * client and the tools' guarded platform are both built on it.
 */
import { PlatformError } from '../errors.js';

export interface PlatformSenderOptions {
  /** e.g. https://agentsaccess.ai/api */
  baseUrl: string;
  apiKey: string;
  /** Per-request limit. @default 15000 */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

export interface RawPlatformCall {
  method: string;
  /** Relative to the API base, starting with `/` (e.g. `/rentals/<id>`). */
  path: string;
  body?: unknown;
  signal?: AbortSignal;
}

export interface RawPlatformReply {
  status: number;
  /** The parsed JSON body, the raw text when it is not JSON, or null when empty. */
  body: unknown;
}

export function createPlatformSender(options: PlatformSenderOptions): (call: RawPlatformCall) => Promise<RawPlatformReply> {
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const doFetch = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? 15_000;
  return async ({ method, path, body, signal }) => {
    const timeout = AbortSignal.timeout(timeoutMs);
    let response: Response;
    try {
      response = await doFetch(`${baseUrl}${path}`, {
        method,
        headers: {
          Authorization: `Bearer ${options.apiKey}`,
          Accept: 'application/json',
          ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
        // The platform answers directly; a redirect would turn a POST into a GET (CONTRACT §1.4).
        redirect: 'error',
      });
    } catch (cause) {
      if (signal?.aborted) throw cause;
      const reason = timeout.aborted ? `no answer within ${timeoutMs} ms` : `unreachable (${(cause as Error).message})`;
      throw new PlatformError(method, path, reason, { cause });
    }
    const text = await response.text().catch(() => '');
    let parsed: unknown = text === '' ? null : text;
    try {
      if (text !== '') parsed = JSON.parse(text);
    } catch {
      // not JSON: the raw text is the body
    }
    return { status: response.status, body: parsed };
  };
}
