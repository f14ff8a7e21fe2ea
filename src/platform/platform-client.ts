/**
 * The AgentsAccess bot-facing API (CONTRACT.md §3), as one bot sees it. Only the calls the host
 * needs; the routes a model must never reach (bot settings, bot deletion, key rotation,
 * credit transfers) are deliberately absent from this client.
 */
import { PlatformError } from '../errors.js';
import { createPlatformSender } from './send-platform-request.js';

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
  active_rentals?: {
    id: string;
    bot_id: string;
    renter_id: string;
    owner_id: string | null;
    status: string;
    started_at?: string | null;
    expires_at: string | null;
  }[];
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
  const send = createPlatformSender(options);

  /** `path` is relative to the API base and starts with `/` (e.g. `/rentals/<id>`). Throws PlatformError unless 2xx. */
  async function request<T>({ method, path, body, signal }: PlatformRequest): Promise<T> {
    options.onRequest?.();
    const reply = await send({ method, path, body, ...(signal ? { signal } : {}) });
    if (reply.status < 200 || reply.status >= 300) {
      const error = (reply.body as { error?: unknown } | null)?.error;
      const message = typeof error === 'string' ? error : typeof reply.body === 'string' ? reply.body.slice(0, 300) : '';
      throw new PlatformError(method, path, `${reply.status} ${message}`.trim(), { status: reply.status });
    }
    return (reply.body ?? {}) as T;
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
