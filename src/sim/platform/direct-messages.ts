/**
 * DMs (`/api/messages`). `POST /api/messages` with `to_id` is the only way to send one,
 * replies included (CONTRACT §3.4). Conversations are unique per pair.
 */
import { parseTsDb } from '../clock.js';
import { newId } from '../sim-state.js';
import { SimApiError } from '../sim-api-error.js';
import type { SimConversation, SimDm } from '../types.js';
import type { SimPlatform } from './context.js';
import { embedProfile, SENDER_COLUMNS } from './profiles.js';
import { withSender } from './rental-chat.js';

const MAX_CONTENT = 5000;

export function conversationBetween(platform: SimPlatform, a: string, b: string): SimConversation | undefined {
  const [pa, pb] = [a, b].sort();
  return [...platform.state.conversations.values()].find((c) => c.participant_a === pa && c.participant_b === pb);
}

/**
 * The checks of `POST /api/messages`, in order. The length is measured before trimming;
 * the stored message is trimmed, while the event carries the raw text.
 */
export function sendDm(
  platform: SimPlatform,
  input: { fromId: string; toId: unknown; content: unknown },
): { message: SimDm; conversationId: string } {
  const { state, clock, notify } = platform;
  if (typeof input.toId !== 'string' || !input.toId) throw new SimApiError(400, 'to_id is required');
  if (typeof input.content !== 'string' || !input.content.trim()) throw new SimApiError(400, 'content is required');
  if (input.content.length > MAX_CONTENT) throw new SimApiError(400, 'Message too long (max 5000 chars)');
  if (input.toId === input.fromId) throw new SimApiError(400, 'Cannot message yourself');
  const recipient = state.profiles.get(input.toId);
  if (!recipient) throw new SimApiError(404, 'Recipient not found');
  const raw = input.content;

  let conversation = conversationBetween(platform, input.fromId, recipient.id);
  if (!conversation) {
    const [pa, pb] = [input.fromId, recipient.id].sort() as [string, string];
    const now = clock.nowDb();
    conversation = { id: newId(), participant_a: pa, participant_b: pb, last_message_at: now, created_at: now };
    state.conversations.set(conversation.id, conversation);
  }
  const message: SimDm = {
    id: newId(),
    conversation_id: conversation.id,
    sender_id: input.fromId,
    content: raw.trim(),
    is_read: false,
    created_at: clock.nowDb(),
  };
  state.dms.push(message);
  conversation.last_message_at = clock.nowDb();

  const sender = state.profiles.get(input.fromId);
  notify({
    userId: recipient.id,
    type: 'message',
    title: `New message from @${sender?.username ?? 'someone'}`,
    body: raw.slice(0, 100),
    link: `/messages/${conversation.id}`,
    event: 'new_message',
    data: {
      conversation_id: conversation.id,
      message_id: message.id,
      from_id: input.fromId,
      from_username: sender?.username ?? null,
      content: raw,
    },
  });
  return { message, conversationId: conversation.id };
}

/** An unparseable `before` is ignored rather than refused. */
function parseTimestamp(text: string): number | undefined {
  try {
    return parseTsDb(text);
  } catch {
    return undefined;
  }
}

const newestFirst = (a: { created_at: string }, b: { created_at: string }): number =>
  parseTsDb(b.created_at) - parseTsDb(a.created_at);

/** `GET /api/messages`: the 50 most recently active conversations, no paging. */
export function listConversations(platform: SimPlatform, actorId: string): unknown {
  const { state } = platform;
  const mine = [...state.conversations.values()]
    .filter((c) => c.participant_a === actorId || c.participant_b === actorId)
    .sort((a, b) => parseTsDb(b.last_message_at) - parseTsDb(a.last_message_at))
    .slice(0, 50);
  let totalUnread = 0;
  const conversations = mine.map((c) => {
    const unread = state.dms.filter((m) => m.conversation_id === c.id && !m.is_read && m.sender_id !== actorId).length;
    totalUnread += unread;
    const profileA = embedProfile(platform, c.participant_a, SENDER_COLUMNS);
    const profileB = embedProfile(platform, c.participant_b, SENDER_COLUMNS);
    return {
      ...c,
      profile_a: profileA,
      profile_b: profileB,
      other_party: c.participant_a === actorId ? profileB : profileA,
      unread_count: unread,
    };
  });
  return { conversations, total_unread: totalUnread };
}

/**
 * `GET /api/messages/{id}?limit&before`: a window, oldest to newest. Marks every unread
 * message from the other party read, not only the window.
 */
export function readConversation(
  platform: SimPlatform,
  input: { actorId: string; conversationId: string; limit: number; before: string | null },
): unknown {
  const { state } = platform;
  const conversation = state.conversations.get(input.conversationId);
  if (!conversation) throw new SimApiError(404, 'Conversation not found');
  if (conversation.participant_a !== input.actorId && conversation.participant_b !== input.actorId) {
    throw new SimApiError(403, 'Not a participant');
  }
  const beforeMicros = input.before ? parseTimestamp(input.before) : undefined;
  const rows = state.dms
    .filter((m) => m.conversation_id === conversation.id)
    .filter((m) => beforeMicros === undefined || parseTsDb(m.created_at) < beforeMicros)
    .reverse()
    .sort(newestFirst)
    .slice(0, input.limit + 1);
  const hasMore = rows.length > input.limit;
  const window = rows.slice(0, input.limit).reverse().map((m) => withSender(platform, m));
  for (const m of state.dms) {
    if (m.conversation_id === conversation.id && !m.is_read && m.sender_id !== input.actorId) m.is_read = true;
  }
  const otherId = conversation.participant_a === input.actorId ? conversation.participant_b : conversation.participant_a;
  return {
    messages: window,
    other_party: embedProfile(platform, otherId, ['id', 'username', 'display_name', 'user_type', 'avatar_url', 'bio']),
    conversation: { id: conversation.id, participant_a: conversation.participant_a, participant_b: conversation.participant_b },
    has_more: hasMore,
  };
}

/** Unread DMs to `actorId`, newest first, at most 100 (the pending route's list). */
export function unreadDmsFor(platform: SimPlatform, actorId: string): unknown[] {
  const { state } = platform;
  return state.dms
    .filter((m) => !m.is_read && m.sender_id !== actorId)
    .filter((m) => {
      const c = state.conversations.get(m.conversation_id);
      return c !== undefined && (c.participant_a === actorId || c.participant_b === actorId);
    })
    .reverse()
    .sort(newestFirst)
    .slice(0, 100)
    .map((m) => ({
      id: m.id,
      conversation_id: m.conversation_id,
      sender_id: m.sender_id,
      content: m.content,
      created_at: m.created_at,
      sender: embedProfile(platform, m.sender_id, ['id', 'username', 'display_name', 'avatar_url', 'user_type']),
    }));
}
