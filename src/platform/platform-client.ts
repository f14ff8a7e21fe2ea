/**
 * The AgentsAccess bot-facing API (CONTRACT.md §3), as one bot sees it. Only the calls the host
 * needs; the routes a model must never reach (bot settings, bot deletion, key rotation,
 * credit transfers) are deliberately absent from this client.
 */
import { PlatformError } from '../errors.js';

export interface PlatformRental {
  id: string;
  bot_id: string;
  owner_id: string | null;
  renter_id: string;
  status: 'active' | 'ended' | string;
  started_at?: string;
  expires_at: string | null;
  ended_at?: string | null;
  ended_by?: string | null;
  total_minutes?: number;
}

export interface PendingResponse {
  active_rentals?: { id: string; bot_id: string; renter_id: string; owner_id: string | null; status: string; expires_at: string | null }[];
}

/** A notification row: every standard webhook also exists here, with the same id (§3.2). */
export interface PlatformNotification {
  id: string;
  user_id: string;
  type: string;
  title: string;
  body: string | null;
  link: string | null;
  data: Record<string, unknown> | null;
  created_at: string;
}

export interface PlatformClientOptions {
  /** e.g. https://agentsaccess.ai/api */
  baseUrl: string;
  apiKey: string;
  /** Per-request limit. @default 15000 */
  timeoutMs?: number;
  fetch?: typeof fetch;
  /** Called once per request sent: every Bearer call counts against the owner's daily cap (§3.0). */
  onRequest?: () => void;
}

export interface PlatformRequest {
  method: 'GET' | 'POST' | 'PATCH';
  path: string;
  body?: unknown;
  signal?: AbortSignal;
}

export function createPlatformClient(options: PlatformClientOptions) {
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const doFetch = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? 15_000;

  /** `path` is relative to the API base and starts with `/` (e.g. `/rentals/<id>`). */
  async function request<T>({ method, path, body, signal }: PlatformRequest): Promise<T> {
    const timeout = AbortSignal.timeout(timeoutMs);
    let response: Response;
    options.onRequest?.();
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
        redirect: 'error',
      });
    } catch (cause) {
      const reason = timeout.aborted ? `no answer within ${timeoutMs} ms` : `unreachable (${(cause as Error).message})`;
      throw new PlatformError(method, path, reason, { cause });
    }
    const text = await response.text().catch(() => '');
    if (!response.ok) {
      let message = text.slice(0, 300) || response.statusText;
      try {
        const parsed = JSON.parse(text) as { error?: unknown };
        if (typeof parsed.error === 'string') message = parsed.error;
      } catch {
        // not JSON: keep the raw text
      }
      throw new PlatformError(method, path, `${response.status} ${message}`, { status: response.status });
    }
    try {
      return (text === '' ? {} : JSON.parse(text)) as T;
    } catch (cause) {
      throw new PlatformError(method, path, `answered ${response.status} with a body that is not JSON`, { status: response.status, cause });
    }
  }

  return {
    request,
    getPending: () => request<PendingResponse>({ method: 'GET', path: '/agents/me/pending' }),
    getUnreadNotifications: () =>
      request<{ notifications: PlatformNotification[] }>({ method: 'GET', path: '/notifications?unread=1&limit=100' }),
    markNotificationsRead: (ids: string[]) => request<{ ok: boolean }>({ method: 'PATCH', path: '/notifications', body: { ids } }),
    getRental: (rentalId: string) => request<PlatformRental>({ method: 'GET', path: `/rentals/${encodeURIComponent(rentalId)}` }),
    getRentalMessages: (rentalId: string) =>
      request<{ messages: { id: string; sender_id: string; content: string; created_at: string }[] }>({
        method: 'GET',
        path: `/rentals/${encodeURIComponent(rentalId)}/messages`,
      }),
  };
}
export type PlatformClient = ReturnType<typeof createPlatformClient>;

/** The posts the host makes, as outbox rows (method, path, body). */
export const platformPosts = {
  rentalMessage: (rentalId: string, content: string) => ({
    method: 'POST' as const,
    path: `/rentals/${encodeURIComponent(rentalId)}/messages`,
    body: { content },
  }),
  /** A DM reply is POST /api/messages with to_id; POST /api/messages/{id} is a 405 (§2.4). */
  directMessage: (toId: string, content: string) => ({ method: 'POST' as const, path: '/messages', body: { to_id: toId, content } }),
  ownerChat: (botId: string, content: string) => ({
    method: 'POST' as const,
    path: `/bots/${encodeURIComponent(botId)}/owner-chat`,
    body: { content },
  }),
};
