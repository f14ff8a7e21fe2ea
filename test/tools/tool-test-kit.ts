/**
 * Fakes for tool tests: a scripted platform (method + path → reply) that records every request, and a
 * ToolContext around it whose postToChat records what would have gone to the outbox.
 */
import { guardPlatformRequest } from '../../src/tools/guard-platform-request.js';
import type { PlatformCall, PlatformReply, ToolChannel, ToolContext } from '../../src/tools/tool-context.js';

export const BOT_ID = '3c02559b-3c42-4cdd-b64e-2ec636ec8a8f';
export const OWNER_ID = '5d26137c-a741-42e6-93a9-aed857efb7f0';
export const RENTER_ID = '3bb30ba1-5a0e-48cf-9ad6-93465bfcc464';
export const RENTAL_ID = '9d1e3c52-7f4a-4b8e-a2c1-5e6f7a8b9c0d';
export const NOW = Date.parse('2026-05-04T12:00:00.000Z');

export type Route = (call: PlatformCall) => PlatformReply | Promise<PlatformReply>;

export interface FakePlatform {
  /** What reached the platform (after the guard), in order. */
  calls: PlatformCall[];
  /** Answers `METHOD /path` (query left out); unknown routes get 404. */
  routes: Map<string, Route>;
  send(call: PlatformCall): Promise<PlatformReply>;
}

export function fakePlatform(routes: Record<string, Route | PlatformReply> = {}): FakePlatform {
  const platform: FakePlatform = {
    calls: [],
    routes: new Map(Object.entries(routes).map(([key, route]) => [key, typeof route === 'function' ? route : () => route])),
    async send(call) {
      platform.calls.push(call);
      const route = platform.routes.get(`${call.method} ${call.path.split('?')[0]}`);
      return route ? route(call) : { status: 404, body: { error: 'Not found' } };
    },
  };
  return platform;
}

export interface FakeContext {
  context: ToolContext;
  platform: FakePlatform;
  /** What postToChat was given. */
  posted: string[];
}

export function fakeContext(
  options: {
    channel?: ToolChannel;
    routes?: Record<string, Route | PlatformReply>;
    now?: number;
    ownerId?: string | undefined;
    allowPaidPosts?: boolean;
  } = {},
): FakeContext {
  const platform = fakePlatform(options.routes);
  const posted: string[] = [];
  const now = options.now ?? NOW;
  const context: ToolContext = {
    bot: { profileId: BOT_ID, ownerId: 'ownerId' in options ? options.ownerId : OWNER_ID, name: 'research-helper' },
    channel: options.channel ?? {
      kind: 'rental',
      rentalId: RENTAL_ID,
      renterId: RENTER_ID,
      expiresAt: new Date(now + 10 * 60_000).toISOString(),
    },
    clock: { now: () => now },
    platform: guardPlatformRequest((call) => platform.send(call), { botId: BOT_ID, allowPaidPosts: options.allowPaidPosts ?? false }),
    postToChat: async (text) => {
      posted.push(text);
    },
  };
  return { context, platform, posted };
}
