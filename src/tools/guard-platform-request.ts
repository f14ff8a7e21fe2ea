/**
 * The guard on every platform request a tool makes. No built-in tool calls these routes (by construction);
 * this refuses them also for owner-provided tools and for whatever a model talks a tool into, whatever the
 * bot file says. CONTRACT.md §6.7 item 7, §3.1 and §3.6.
 */
import { AaHostError } from '../errors.js';
import type { PlatformCall, PlatformMethod, PlatformReply, PlatformRequestFn } from './tool-context.js';

/** A tool asked for a route no model may reach. The platform was not called. */
export class ForbiddenPlatformCallError extends AaHostError {
  readonly method: string;
  readonly path: string;
  constructor(method: string, path: string, reason: string) {
    super('AA_FORBIDDEN_PLATFORM_CALL', `refused ${method} ${path}: ${reason}`);
    this.method = method;
    this.path = path;
  }
}

export interface PlatformGuardPolicy {
  /** The bot's profile id: reading its own profile would reveal its webhook URL, whose path is a secret. */
  botId: string;
  /** The bot file's `tools.pay_for_posts`. Without it `POST /feed` with `pay_for_post: true` is refused. @default false */
  allowPaidPosts?: boolean;
}

const METHODS = new Set<PlatformMethod>(['GET', 'POST', 'PATCH', 'PUT', 'DELETE']);

/** Path segments that name API keys: key rotation and any key route, whatever the method. */
const KEY_SEGMENTS = new Set(['regenerate-key', 'regenerate-keys', 'rotate-key', 'api-keys', 'api-key', 'keys']);
const SPONSOR_DECISIONS = new Set(['accept', 'reject', 'renegotiate', 'terminate']);

type Verdict = { allowed: true; path: string } | { allowed: false; reason: string };

/**
 * Why a call is refused, or the normalised path to send. The check runs on the path decoded and normalised
 * (percent-encoding, `//`, trailing `/`, case, an `/api` prefix), and the request is then sent with that
 * normalised path, so what is checked is what the platform receives.
 */
export function checkPlatformCall(call: { method: string; path: string; body?: unknown }, policy: PlatformGuardPolicy): Verdict {
  const method = typeof call.method === 'string' ? call.method.toUpperCase() : '';
  if (!METHODS.has(method as PlatformMethod)) return { allowed: false, reason: `the method ${String(call.method)} is not allowed` };
  const normalised = normalisePath(call.path);
  if ('reason' in normalised) return { allowed: false, reason: normalised.reason };
  const s = normalised.segments.map((segment) => segment.toLowerCase());
  const write = method !== 'GET';
  const botId = policy.botId.toLowerCase();

  if (s.some((segment) => KEY_SEGMENTS.has(segment))) return refuse('API keys and key rotation are never reachable from a tool');
  if (s[0] === 'bots') {
    if (s.length === 1 && write) return refuse('creating bots is for the owner');
    if (s.length === 2 && method === 'DELETE') return refuse('deleting a bot (DELETE /api/bots/{id}) locks it out for good');
    if (s[2] === 'settings' && write) return refuse('bot settings (PUT /api/bots/{id}/settings) are for the owner');
  }
  if (s[0] === 'credits' && write) return refuse('credit transfers are never made by a model');
  if (s[0] === 'agents') {
    if (write) return refuse("the bot's profile and webhook (PATCH /api/agents/...) are for the owner");
    if (s.length === 2 && (s[1] === 'me' || s[1] === botId)) {
      return refuse("the bot's own profile holds its webhook URL, whose path is a secret");
    }
  }
  if (s[0] === 'rentals' && s[1] === 'listings' && write) return refuse('rental listing prices and availability are for the owner');
  if (s[0] === 'rentals' && s.length === 1 && write) return refuse('renting a bot spends credits');
  if (s[0] === 'products' && s[2] === 'buy') return refuse('buying products spends credits');
  if (s[0] === 'sponsorships' && s.length === 3 && SPONSOR_DECISIONS.has(s[2] ?? '') && write) {
    return refuse('sponsorship decisions are for the owner');
  }
  if (s[0] === 'notifications' && write) return refuse('marking notifications read would hide events from the host');
  if (s[0] === 'feed' && s.length === 1 && method === 'POST' && paysForPost(call.body) && !policy.allowPaidPosts) {
    return refuse('this bot may not pay for feed posts (tools.pay_for_posts is off)');
  }
  return { allowed: true, path: normalised.sendPath };
}

/** Wraps `send` so that every call passes checkPlatformCall first; refused calls throw ForbiddenPlatformCallError. */
export function guardPlatformRequest(send: PlatformRequestFn, policy: PlatformGuardPolicy): PlatformRequestFn {
  const guarded: PlatformRequestFn = async (call: PlatformCall): Promise<PlatformReply> => {
    const verdict = checkPlatformCall(call, policy);
    if (!verdict.allowed) throw new ForbiddenPlatformCallError(String(call.method), String(call.path), verdict.reason);
    return send({ ...call, method: call.method.toUpperCase() as PlatformMethod, path: verdict.path });
  };
  return guarded;
}

function refuse(reason: string): Verdict {
  return { allowed: false, reason };
}

function paysForPost(body: unknown): boolean {
  if (typeof body === 'string') {
    try {
      return paysForPost(JSON.parse(body));
    } catch {
      return false;
    }
  }
  // Any truthy value: the platform's route reads it as a boolean.
  return typeof body === 'object' && body !== null && Boolean((body as { pay_for_post?: unknown }).pay_for_post);
}

/** Decodes and normalises a relative API path. Refuses anything that is not a plain `/a/b/c` path. */
function normalisePath(raw: unknown): { segments: string[]; sendPath: string } | { reason: string } {
  if (typeof raw !== 'string' || !raw.startsWith('/') || raw.startsWith('//')) {
    return { reason: 'the path must be relative to the API base and start with one /' };
  }
  const queryAt = raw.search(/[?#]/);
  if (queryAt >= 0 && raw[queryAt] === '#') return { reason: 'the path must not hold a fragment' };
  const query = queryAt >= 0 ? raw.slice(queryAt) : '';
  let path = queryAt >= 0 ? raw.slice(0, queryAt) : raw;
  // Decode until stable, so %252F cannot hide a / from the check and reappear after one decoding downstream.
  for (let round = 0; round < 4; round++) {
    let decoded: string;
    try {
      decoded = decodeURIComponent(path);
    } catch {
      return { reason: 'the path has invalid percent-encoding' };
    }
    if (decoded === path) break;
    if (round === 3) return { reason: 'the path is encoded too many times' };
    path = decoded;
  }
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f\\;]/.test(path) || path.includes('://')) return { reason: 'the path holds characters no API route uses' };
  let segments = path.split('/').filter((segment) => segment !== '');
  if (segments.some((segment) => segment === '.' || segment === '..')) return { reason: 'the path must not hold . or .. segments' };
  if (segments[0]?.toLowerCase() === 'api') segments = segments.slice(1);
  if (segments.length === 0) return { reason: 'the path names no route' };
  return { segments, sendPath: `/${segments.map(encodeURIComponent).join('/')}${query}` };
}
