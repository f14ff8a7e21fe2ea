/**
 * After a crash during a post, did the post reach the platform? Counts the bot's messages with
 * the same text in the conversation (rental transcript, DM thread or owner chat) and compares
 * that with how many rows of that text the host already knows it sent: identical texts (e.g. a
 * repeated fallback reply) are told apart by number, not just by content.
 */
import { parseActorKey } from '../actors/actor-keys.js';
import type { Bot } from '../config/bot-config.js';
import type { OutboxRow } from '../store/outbox-store.js';
import type { RuntimeDeps } from './runtime-deps.js';

export async function findSentCopies(
  deps: RuntimeDeps,
  bot: Bot,
  actorKey: string,
  row: OutboxRow,
): Promise<{ onPlatform: number; markedSent: number }> {
  const content = String((JSON.parse(row.body) as { content?: unknown }).content ?? '').trim();
  const { kind, subjectId } = parseActorKey(actorKey);
  const client = deps.platformFor(bot);
  let texts: string[];
  if (kind === 'rental') {
    const { messages } = await client.request<{ messages: { sender_id: string; content: string }[] }>({
      method: 'GET',
      path: `/rentals/${encodeURIComponent(subjectId)}/messages`,
    });
    texts = messages.filter((m) => m.sender_id === bot.profileId).map((m) => m.content);
  } else if (kind === 'dm') {
    // Reading the thread marks the other side's messages read (§3.4); harmless for a bot.
    const { messages } = await client.request<{ messages: { sender_id: string; content: string }[] }>({
      method: 'GET',
      path: `/messages/${encodeURIComponent(subjectId)}?limit=200`,
    });
    texts = messages.filter((m) => m.sender_id === bot.profileId).map((m) => m.content);
  } else {
    const { messages } = await client.request<{ messages: { sender_type: string; content: string }[] }>({
      method: 'GET',
      path: `/bots/${encodeURIComponent(bot.profileId)}/owner-chat?limit=200`,
    });
    texts = messages.filter((m) => m.sender_type === 'bot').map((m) => m.content);
  }
  const onPlatform = texts.filter((text) => text.trim() === content).length;
  const markedSent = deps.stores.outbox.countSentWithContent(actorKey, row.body);
  return { onPlatform, markedSent };
}
