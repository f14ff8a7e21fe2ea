/**
 * A tool's platform write that was in flight when a previous process died: did it land? Posts
 * are looked for where they land (the DM thread, a feed post's replies, a rental or the owner
 * chat) and counted against the copies of that text the host knows it made, as the outbox does
 * for its own posts (find-sent-copies.ts); an order update is read back from the orders list.
 * `unknown` when the platform cannot tell: a top-level feed post that is not in the feed may be
 * waiting for its sponsor's approval, or have scrolled out of the latest page.
 */
import type { Bot } from '../config/bot-config.js';
import { PRIORITY } from '../queue/bot-queues.js';
import type { PostMatch, ToolCallWriteRow } from '../store/tool-call-journal-store.js';
import { botTextsWherePosted, type PostedBody } from './find-sent-copies.js';
import type { RuntimeDeps } from './runtime-deps.js';

export type WriteCheck = 'landed' | 'absent' | 'unknown';

type FeedPost = { author_id?: string; author?: { id?: string }; content?: string };
type Order = { id?: string; status?: string };

export async function checkToolWrite(deps: RuntimeDeps, bot: Bot, write: ToolCallWriteRow): Promise<WriteCheck> {
  const body = (JSON.parse(write.body) ?? {}) as PostedBody & { status?: unknown };
  const client = deps.platformFor(bot);
  const read = <T>(run: () => Promise<T>) => deps.queues.runPlatform(bot, PRIORITY.conversation, run);

  const order = /^\/services\/orders\/([^/?]+)$/.exec(write.path);
  if (write.method === 'PATCH' && order && typeof body.status === 'string') {
    // A status the order already has is not set twice; a repeated PATCH that cannot apply is a 409, not a second effect.
    const { orders } = await read(() => client.request<{ orders?: Order[] }>({ method: 'GET', path: '/services/orders' }));
    const found = (orders ?? []).find((o) => o.id === decodeURIComponent(order[1]!));
    if (!found) return 'unknown';
    return found.status === body.status ? 'landed' : 'absent';
  }
  if (write.method !== 'POST' || typeof body.content !== 'string') return 'unknown';

  const content = body.content.trim();
  const match: PostMatch = {
    botId: bot.profileId,
    path: write.path,
    content: body.content,
    toId: typeof body.to_id === 'string' ? body.to_id : undefined,
    parentId: typeof body.parent_id === 'string' ? body.parent_id : undefined,
  };
  const known = deps.stores.toolCalls.countAccepted(match, write.id) + deps.stores.outbox.countSentLike(match);

  if (write.path === '/feed' && match.parentId === undefined) {
    const { posts } = await read(() => client.request<{ posts?: FeedPost[] }>({ method: 'GET', path: '/feed?limit=100' }));
    const mine = (posts ?? []).filter((p) => (p.author_id ?? p.author?.id) === bot.profileId && p.content?.trim() === content).length;
    return mine > known ? 'landed' : 'unknown';
  }
  const texts = await read(() => botTextsWherePosted(client, bot, write.path, body));
  if (texts === null) return 'unknown';
  return texts.filter((text) => text.trim() === content).length > known ? 'landed' : 'absent';
}
