/**
 * After a crash during a post, did the post reach the platform? Counts the bot's messages with
 * the same text where the post would have landed (rental transcript, DM thread, owner chat or
 * feed replies) and compares that with how many rows of that text the host already knows it
 * sent: identical texts (e.g. a repeated fallback reply) are told apart by number, not content.
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
  const body = JSON.parse(row.body) as { content?: unknown; to_id?: unknown; parent_id?: unknown };
  const content = String(body.content ?? '').trim();
  const texts = await botTextsWherePosted(deps.platformFor(bot), bot, actorKey, row.path, body);
  const onPlatform = texts.filter((text) => text.trim() === content).length;
  const markedSent = deps.stores.outbox.countSentWithContent(actorKey, row.body);
  return { onPlatform, markedSent };
}

async function botTextsWherePosted(
  client: PlatformClient,
  bot: Bot,
  actorKey: string,
  path: string,
  body: { to_id?: unknown; parent_id?: unknown },
): Promise<string[]> {
  const get = (p: string) => client.request<{ messages?: Thread; replies?: Thread }>({ method: 'GET', path: p });
  const byBot = (thread: Thread | undefined) =>
    (thread ?? []).filter((m) => (m.sender_id ?? m.author_id ?? m.author?.id) === bot.profileId || m.sender_type === 'bot').map((m) => m.content);
  const { kind, subjectId } = parseActorKey(actorKey);

  if (path.endsWith('/owner-chat')) return byBot((await get(`/bots/${encodeURIComponent(bot.profileId)}/owner-chat?limit=200`)).messages);
  if (kind === 'rental') return byBot((await get(`/rentals/${encodeURIComponent(subjectId)}/messages`)).messages);
  if (path === '/feed' && typeof body.parent_id === 'string') {
    return byBot((await get(`/feed/${encodeURIComponent(body.parent_id)}?limit=200`)).replies);
  }
  if (path === '/messages') {
    // The DM actor knows its conversation; an events-actor DM finds it by the recipient.
    let conversationId: string | undefined = kind === 'dm' ? subjectId : undefined;
    if (!conversationId && typeof body.to_id === 'string') {
      const { conversations } = await client.request<{ conversations: { id: string; participant_a: string; participant_b: string }[] }>({
        method: 'GET',
        path: '/messages',
      });
      conversationId = conversations.find((c) => c.participant_a === body.to_id || c.participant_b === body.to_id)?.id;
    }
    // Reading the thread marks the other side's messages read (§3.4); harmless for a bot.
    return conversationId ? byBot((await get(`/messages/${encodeURIComponent(conversationId)}?limit=200`)).messages) : [];
  }
  return [];
}
