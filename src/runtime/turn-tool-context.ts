/**
 * The ToolContext of one turn: what a tool may touch. `postToChat` writes outbox rows (split to
 * the platform's limit) and the transcript in one transaction, so progress posts are as durable
 * as replies and never reach a chat whose actor has ended. A text the turn already posted is
 * not posted again: a turn redone after a crash reuses the rows of its first attempt.
 */
import type { ActorState } from '../actors/actor-logic.js';
import type { Bot } from '../config/bot-config.js';
import { messageLimitFor } from '../context/build-chat-messages.js';
import { platformPosts } from '../platform/platform-client.js';
import { splitReply } from '../replies/split-reply.js';
import { ToolError } from '../tools/tool.js';
import type { ToolChannel, ToolContext } from '../tools/tool-context.js';
import type { MessageRow } from '../store/message-store.js';
import type { TurnRow } from '../store/turn-store.js';
import { isoNow } from '../time.js';
import { loadActor, rentalContext } from './apply-actor-event.js';
import type { RuntimeDeps } from './runtime-deps.js';

export function postsFor(actor: ActorState, bot: Bot, trigger: MessageRow | undefined, text: string) {
  const parts = splitReply(text, messageLimitFor(actor.kind));
  return parts.map((part) => {
    if (actor.kind === 'rental') return platformPosts.rentalMessage(rentalContext(actor)!.rentalId, part);
    if (actor.kind === 'owner') return platformPosts.ownerChat(bot.profileId, part);
    return platformPosts.directMessage(trigger!.author_id!, part);
  });
}

export function channelOf(actor: ActorState, trigger: MessageRow | undefined, event?: string): ToolChannel {
  if (actor.kind === 'rental') {
    const rental = rentalContext(actor)!;
    return { kind: 'rental', rentalId: rental.rentalId, renterId: rental.renterId, expiresAt: rental.expiresAt };
  }
  if (actor.kind === 'dm') return { kind: 'dm', peerId: trigger?.author_id ?? '', conversationId: actor.snapshot.context.subjectId as string };
  if (actor.kind === 'owner') return { kind: 'owner' };
  return { kind: 'event', event: event ?? 'event' };
}

export function createTurnToolContext(
  deps: RuntimeDeps,
  bot: Bot,
  actor: ActorState,
  turn: TurnRow,
  trigger: MessageRow | undefined,
  onPosted: () => void,
  event?: string,
): ToolContext {
  return {
    bot: { profileId: bot.profileId, ownerId: bot.ownerId, name: bot.name },
    channel: channelOf(actor, trigger, event),
    clock: deps.clock,
    rentalWarningMs: deps.settings.rentalWarningMs,
    platform: deps.toolPlatformFor(bot),
    ...(deps.shutdownSignal ? { signal: deps.shutdownSignal } : {}),
    async postToChat(text: string): Promise<void> {
      if (actor.kind === 'events') throw new ToolError('this turn answers an event: there is no chat to post progress to');
      const posts = postsFor(actor, bot, trigger, text);
      if (posts.length === 0) throw new ToolError('the progress message is empty');
      const posted = deps.stores.db.transaction(() => {
        if (loadActor(deps.stores, actor.key).done || deps.stores.turns.get(turn.id)?.status !== 'pending') return false;
        if (posts.every((post) => deps.stores.outbox.hasForTurn(turn.id, post.body))) return true;
        const at = isoNow(deps.clock);
        deps.stores.messages.add({
          actorKey: actor.key,
          role: 'assistant',
          author: bot.name,
          authorId: bot.profileId,
          externalId: null,
          content: text.trim(),
          eventTime: deps.clock.now() * 1000,
          replyTo: turn.message_id,
        });
        posts.forEach((post, part) => deps.stores.outbox.add({ actorKey: actor.key, botId: bot.profileId, turnId: turn.id, part, ...post, at }));
        return true;
      })();
      if (!posted) throw new ToolError('this conversation has ended: nothing more can be posted');
      onPosted();
    },
  };
}
