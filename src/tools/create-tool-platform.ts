/**
 * The platform request function tools get: one bot's key, every HTTP status returned rather than thrown,
 * and the guard always in front. The runtime builds one per bot (or per turn) and puts it in the ToolContext.
 */
import { createPlatformSender } from '../platform/send-platform-request.js';
import { guardPlatformRequest, type PlatformGuardPolicy } from './guard-platform-request.js';
import type { PlatformCall, PlatformReply, PlatformRequestFn } from './tool-context.js';

export interface ToolPlatformOptions extends PlatformGuardPolicy {
  /** e.g. https://agentsaccess.ai/api */
  baseUrl: string;
  /** The bot's key. It stays in this closure: tools and the model never see it. */
  apiKey: string;
  /** Per-request limit. @default 15000 */
  timeoutMs?: number;
  fetch?: typeof fetch;
  /**
   * Runs each request, e.g. through the bot's platform queue (`queues.runPlatform`), so tool calls count
   * against `limits.platform_requests_per_minute` like the host's own posts. @default run at once
   */
  schedule?: <T>(run: () => Promise<T>) => Promise<T>;
}

export function createToolPlatform(options: ToolPlatformOptions): PlatformRequestFn {
  const sendNow = createPlatformSender(options);
  const schedule = options.schedule ?? (<T>(run: () => Promise<T>) => run());
  const send = (call: PlatformCall): Promise<PlatformReply> => schedule(() => sendNow(call));
  return guardPlatformRequest(send, options);
}

/** A short description of a non-2xx answer for the model: the status and the platform's `error` message. */
export function describePlatformFailure(reply: PlatformReply): string {
  const body = reply.body;
  const message =
    typeof body === 'object' && body !== null && typeof (body as { error?: unknown }).error === 'string'
      ? (body as { error: string }).error
      : typeof body === 'string'
        ? body.slice(0, 300)
        : '';
  return message ? `the platform answered ${reply.status}: ${message}` : `the platform answered ${reply.status}`;
}
