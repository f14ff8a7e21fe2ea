/**
 * The private owner ↔ bot thread (`/api/bots/{botId}/owner-chat`, CONTRACT §3.5, §6.2).
 * Owner → bot sends `owner_message` with no fan-out; bot → owner sends nothing.
 */
import { parseTsDb } from '../clock.js';
import { newId } from '../sim-state.js';
import { SimApiError } from '../sim-api-error.js';
import type { SimOwnerChatMessage, SimProfile } from '../types.js';
import type { SimPlatform } from './context.js';

const MAX_CONTENT = 5000;

export interface OwnerChatParticipants {
  role: 'owner' | 'bot';
  bot: SimProfile;
  ownerId: string;
}

export function resolveOwnerChat(platform: SimPlatform, actorId: string, botId: string): OwnerChatParticipants {
  const bot = platform.state.profiles.get(botId);
  if (!bot) throw new SimApiError(404, 'Bot not found');
  if (bot.user_type !== 'agent') throw new SimApiError(400, 'Target is not an agent');
  if (!bot.owner_id) throw new SimApiError(400, 'Bot has no owner');
  if (actorId === bot.owner_id) return { role: 'owner', bot, ownerId: bot.owner_id };
  if (actorId === bot.id) return { role: 'bot', bot, ownerId: bot.owner_id };
  throw new SimApiError(403, 'Only the bot and its owner can access this chat');
}

export function validateOwnerChatContent(content: unknown): string {
  const trimmed = typeof content === 'string' ? content.trim() : '';
  if (!trimmed) throw new SimApiError(400, 'content is required');
  if (trimmed.length > MAX_CONTENT) throw new SimApiError(400, 'Message too long (max 5000 characters)');
  return trimmed;
}

export function postOwnerChat(
  platform: SimPlatform,
  input: OwnerChatParticipants & { content: string },
): SimOwnerChatMessage {
  const { state, clock, notify } = platform;
  const message: SimOwnerChatMessage = {
    id: newId(),
    bot_id: input.bot.id,
    owner_id: input.ownerId,
    sender_type: input.role,
    content: input.content,
    read_at: null,
    created_at: clock.nowDb(),
  };
  state.ownerChat.push(message);
  if (input.role === 'owner') {
    const owner = state.profiles.get(input.ownerId);
    const content = input.content;
    notify({
      userId: input.bot.id,
      type: 'owner_message',
      title: `Message from @${owner?.username ?? 'your owner'}`,
      body: content.length > 200 ? `${content.slice(0, 197)}...` : content,
      link: `/bots/${input.bot.id}/chat`,
      event: 'owner_message',
      // The owner just wrote it; mirroring it back would be noise.
      skipOwnerFanout: true,
      data: {
        bot_id: input.bot.id,
        message_id: message.id,
        owner_id: input.ownerId,
        owner_username: owner?.username ?? null,
        owner_display_name: owner?.display_name ?? null,
        owner_avatar_url: owner?.avatar_url ?? null,
        content,
        created_at: message.created_at,
      },
    });
  }
  return message;
}

/** The programmatic owner → bot message. */
export function sendOwnerMessage(platform: SimPlatform, input: { botId: string; content: string }): SimOwnerChatMessage {
  const bot = platform.state.profiles.get(input.botId);
  if (!bot?.owner_id) throw new SimApiError(404, 'Bot not found');
  const participants = resolveOwnerChat(platform, bot.owner_id, input.botId);
  return postOwnerChat(platform, { ...participants, content: validateOwnerChatContent(input.content) });
}

/**
 * `GET …/owner-chat?limit&before`: a chronological window and `has_more`. Reading marks
 * the other side's messages read.
 */
export function readOwnerChat(
  platform: SimPlatform,
  input: OwnerChatParticipants & { limit: number; before: string | null },
): unknown {
  const { state, clock } = platform;
  const thread = ownerChatThread(platform, input.bot.id);
  let beforeMicros: number | undefined;
  try {
    beforeMicros = input.before ? parseTsDb(input.before) : undefined;
  } catch {
    beforeMicros = undefined;
  }
  const older = thread.filter((m) => beforeMicros === undefined || parseTsDb(m.created_at) < beforeMicros);
  // Copied before marking read: the route selects first, then updates.
  const window = older.slice(-input.limit).map((m) => ({ ...m }));
  const other = input.role === 'owner' ? 'bot' : 'owner';
  const now = clock.nowDb();
  for (const m of state.ownerChat) {
    if (m.bot_id === input.bot.id && m.sender_type === other && m.read_at === null) m.read_at = now;
  }
  return { messages: window, role: input.role, has_more: older.length > window.length };
}

export function ownerChatThread(platform: SimPlatform, botId: string): SimOwnerChatMessage[] {
  const bot = platform.state.profiles.get(botId);
  return platform.state.ownerChat.filter((m) => m.bot_id === botId && m.owner_id === bot?.owner_id);
}
