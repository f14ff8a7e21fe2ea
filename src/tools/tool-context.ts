/**
 * What a tool may touch. The runtime builds one ToolContext per turn; tools never reach the runtime,
 * the stores or a secret directly, only these functions.
 */
import type { Clock } from '../time.js';

export type PlatformMethod = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

/** One request to the AgentsAccess API; `path` is relative to the API base (`/rentals/<id>/messages`). */
export interface PlatformCall {
  method: PlatformMethod;
  path: string;
  body?: unknown;
  signal?: AbortSignal;
}

/** Any HTTP answer, 2xx or not: tools report a 402 or a 409 to the model rather than failing. */
export interface PlatformReply {
  status: number;
  /** The parsed JSON body, or the raw text when it is not JSON, or null when empty. */
  body: unknown;
}

/**
 * Sends one request with the bot's key. Resolves for every HTTP status; rejects only when there is no answer
 * (network, timeout: a PlatformError) or when the guard refuses the call (ForbiddenPlatformCallError).
 */
export type PlatformRequestFn = (call: PlatformCall) => Promise<PlatformReply>;

/** Where the turn runs, so tools know what "the current chat" is. */
export type ToolChannel =
  | {
      kind: 'rental';
      rentalId: string;
      /** Null until the rental row has been read. */
      renterId: string | null;
      /** The expiry the host knows (ISO); tools re-read the rental to catch extensions. */
      expiresAt: string | null;
    }
  | { kind: 'dm'; peerId: string; conversationId: string | null }
  | { kind: 'owner' }
  /** A turn answering another event (a post reply, a service request): there is no chat to post to. */
  | { kind: 'event'; event: string };

export interface ToolContext {
  readonly bot: { readonly profileId: string; readonly ownerId: string | undefined; readonly name: string };
  readonly channel: ToolChannel;
  readonly clock: Clock;
  /** The host's warning window before a rental's end (RENTAL_WARNING_MS); when absent, the platform's two minutes. */
  readonly rentalWarningMs?: number;
  /** Guarded: the routes a model must never reach are refused whatever the tool asks (guard-platform-request.ts). */
  readonly platform: PlatformRequestFn;
  /**
   * Posts `text` to the current chat now (rental chat, DM or owner chat). The runtime implements it with
   * outbox rows, split to the platform's limit. Rejects (ToolError) when the channel has no chat.
   */
  postToChat(text: string): Promise<void>;
  /** Aborted when the turn is cancelled (the rental ended, the host stops). */
  readonly signal?: AbortSignal;
}
