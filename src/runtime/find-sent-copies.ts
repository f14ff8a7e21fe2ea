/**
 * After a crash during a post, did the post reach the platform? Counts the bot's messages with
 * the same text where the post would have landed (rental transcript, DM thread, owner chat or
 * feed replies) and compares that with how many rows of that text the host already knows it
 * sent: identical texts (e.g. a repeated fallback reply) are told apart by number, not content.
 * Tools' interrupted writes are looked for the same way (check-tool-write.ts).
 */
import { parseActorKey } from '../actors/actor-keys.js';
import type { Bot } from '../config/bot-config.js';
import type { PlatformClient } from '../platform/platform-client.js';
import type { OutboxRow } from '../store/outbox-store.js';
import type { RuntimeDeps } from './runtime-deps.js';

type Thread = { sender_id?: string; sender_type?: string; author_id?: string; author?: { id?: string }; content: string }[];

export async function findSentCopies(
  deps: RuntimeDeps,
  bot: Bot,
  actorKey: string,
  row: OutboxRow,
): Promise<{ onPlatform: number; markedSent: number }> {
  const body = JSON.parse(row.body) as PostedBody;
  const content = String(body.content ?? '').trim();
  const { kind, subjectId } = parseActorKey(actorKey);
  // A rental actor's rows all go to its rental; the DM actor knows its conversation.
  const path = kind === 'rental' && !row.path.endsWith('/owner-chat') ? `/rentals/${encodeURIComponent(subjectId)}/messages` : row.path;
  const texts = await botTextsWherePosted(deps.platformFor(bot), bot, path, body, kind === 'dm' ? subjectId : undefined);
  const onPlatform = (texts ?? []).filter((text) => text.trim() === content).length;
  const markedSent = deps.stores.outbox.countSentWithContent(actorKey, row.body);
  return { onPlatform, markedSent };
}

export interface PostedBody {
  content?: unknown;
  to_id?: unknown;
  parent_id?: unknown;
}

/**
 * The bot's messages where a post to `path` lands: a rental transcript, the owner chat, a feed
 * post's replies or a DM thread (found by `conversationId`, or by the recipient). Null when the
 * host cannot read that place back (a top-level feed post, any other route).
 */
export async function botTextsWherePosted(
  client: PlatformClient,
  bot: Bot,
  path: string,
  body: PostedBody,
  conversationId?: string,
): Promise<string[] | null> {
  const get = (p: string) => client.request<{ messages?: Thread; replies?: Thread }>({ method: 'GET', path: p });
  const byBot = (thread: Thread | undefined) =>
    (thread ?? []).filter((m) => (m.sender_id ?? m.author_id ?? m.author?.id) === bot.profileId || m.sender_type === 'bot').map((m) => m.content);

  if (path.endsWith('/owner-chat')) return byBot((await get(`/bots/${encodeURIComponent(bot.profileId)}/owner-chat?limit=200`)).messages);
  const rental = /^\/rentals\/([^/?]+)\/messages$/.exec(path);
  if (rental) return byBot((await get(`/rentals/${rental[1]}/messages`)).messages);
  if (path === '/feed' && typeof body.parent_id === 'string') {
    return byBot((await get(`/feed/${encodeURIComponent(body.parent_id)}?limit=200`)).replies);
  }
  if (path === '/messages') {
    // An events-actor DM (or a tool's) finds its conversation by the recipient.
    let thread = conversationId;
    if (!thread && typeof body.to_id === 'string') {
      const { conversations } = await client.request<{ conversations: { id: string; participant_a: string; participant_b: string }[] }>({
        method: 'GET',
        path: '/messages',
      });
      thread = conversations.find((c) => c.participant_a === body.to_id || c.participant_b === body.to_id)?.id;
    }
    // Reading the thread marks the other side's messages read (§3.4); harmless for a bot.
    return thread ? byBot((await get(`/messages/${encodeURIComponent(thread)}?limit=200`)).messages) : [];
  }
  return null;
}
