/** Reads what the emulator saw during a run into the record the verdict judges. */
import { parseTsDb, type Sim } from '../sim/index.js';
import type { RecordedConversation, RecordedRental, ScenarioRecord } from './judge-scenario.js';
import type { PlayedTimeline } from './play-timeline.js';

const ms = (timestamp: string): number => parseTsDb(timestamp) / 1000;

export function collectRecord(
  sim: Sim,
  played: PlayedTimeline,
  options: { startMs: number; firstReplyWithinMs: number; workStepsOf: (botId: string) => number },
): ScenarioRecord {
  const author = (id: string) => `@${sim.getProfile(id)?.username ?? id.slice(0, 8)}`;

  const rentals = [...played.rentals.values()].map((rental): RecordedRental => {
    const path = `/api/rentals/${rental.id}/messages`;
    return {
      label: `rental ${rental.name}`,
      kind: 'rental',
      messages: sim.rentalMessages(rental.id).map((m) => ({
        id: m.id,
        fromBot: m.sender_id === rental.bot.id,
        author: author(m.sender_id),
        content: m.content,
        atMs: ms(m.created_at),
      })),
      noReplyNeeded: rental.noReplyNeeded,
      greetingExpected: rental.kind !== 'auto_start',
      workSteps: rental.instructions ? options.workStepsOf(rental.bot.id) : 0,
      expiries: rental.expiries,
      endedManuallyAtMs: rental.endedManuallyAtMs,
      botPosts: sim.requests
        .filter((r) => r.method === 'POST' && r.path === path && r.profileId === rental.bot.id)
        .map((r) => ({ atMs: r.platformAt.getTime(), status: r.status })),
    };
  });

  const conversations: RecordedConversation[] = [];
  for (const { from, to } of played.dmPairs) {
    const id = sim.conversationBetween(from.id, to.id);
    conversations.push({
      label: `DM @${from.username} ↔ @${to.username}`,
      kind: 'dm',
      messages: (id ? sim.dmMessages(id) : []).map((m) => ({
        id: m.id,
        fromBot: m.sender_id === to.id,
        author: author(m.sender_id),
        content: m.content,
        atMs: ms(m.created_at),
      })),
      noReplyNeeded: new Set(),
    });
  }
  for (const bot of played.ownerChats) {
    conversations.push({
      label: `owner chat @${bot.username}`,
      kind: 'owner',
      messages: sim.ownerChat(bot.id).map((m) => ({
        id: m.id,
        fromBot: m.sender_type === 'bot',
        author: author(m.sender_type === 'bot' ? m.bot_id : m.owner_id),
        content: m.content,
        atMs: ms(m.created_at),
      })),
      noReplyNeeded: new Set(),
    });
  }
  return { startMs: options.startMs, rentals, conversations, firstReplyWithinMs: options.firstReplyWithinMs };
}
