/**
 * Runs an actor's next LLM turn: reads the rental when the host does not yet know it, asks the
 * model (or uses the bot's fallback reply), splits the answer to the platform's limit and puts
 * the parts in the outbox together with the reply, in one transaction.
 */
import type { Logger } from 'pino';
import type { TurnKind } from '../actors/rental-machine.js';
import type { Bot } from '../config/bot-config.js';
import { buildChatMessages, messageLimitFor } from '../context/build-chat-messages.js';
import { platformPosts } from '../platform/platform-client.js';
import { PRIORITY } from '../queue/bot-queues.js';
import { splitReply } from '../replies/split-reply.js';
import type { TurnRow } from '../store/turn-store.js';
import { isoNow } from '../time.js';
import { loadActor, rentalContext } from './apply-actor-event.js';
import { failpoint } from './failpoints.js';
import { readRental } from './rental-clock.js';
import type { RuntimeDeps } from './runtime-deps.js';

export type TurnOutcome = 'none' | 'done' | 'cancelled';

export async function runNextTurn(deps: RuntimeDeps, actorKey: string): Promise<TurnOutcome> {
  const { stores, clock } = deps;
  const turn = stores.turns.next(actorKey);
  if (!turn) return 'none';
  const cancel = (note: string): TurnOutcome => {
    stores.turns.finish(turn.id, 'cancelled', note, isoNow(clock));
    deps.log.info({ actorKey, turnId: turn.id, note }, 'turn cancelled');
    return 'cancelled';
  };

  let actor = loadActor(stores, actorKey);
  if (actor.done) return cancel('the actor has ended');
  const bot = deps.bots.byId(turn.bot_id);
  if (!bot) return cancel('the bot is no longer configured on this host');
  const log = deps.log.child({ bot: bot.name, actorKey, turnId: turn.id });
  stores.turns.markStarted(turn.id);

  // A direct rental_request carries no expiry (§2.2), and a forged event names a rental that is
  // not this bot's: read the rental before the first turn spends any tokens.
  if (actor.kind === 'rental' && !rentalContext(actor)!.expiresAt) {
    const verdict = await readRental(deps, bot, actorKey, log);
    if (verdict === 'gone') return stores.turns.get(turn.id)?.status === 'pending' ? cancel('the rental is not on the platform') : 'cancelled';
    actor = loadActor(stores, actorKey);
    if (actor.done) return 'cancelled';
  }

  const trigger = turn.message_id === null ? undefined : stores.messages.get(turn.message_id);
  if (actor.kind === 'dm' && !trigger?.author_id) return cancel('a DM reply needs the message it answers');
  const rental = rentalContext(actor);
  const messages = buildChatMessages({
    botName: bot.name,
    persona: bot.persona,
    channel: actor.kind,
    turnKind: turn.kind,
    transcript: stores.messages.transcript(actorKey, turn.message_id),
    rental,
    ownerId: bot.ownerId,
    now: clock.now(),
  });

  // A turn that was interrupted (the process died during it) is redone once; after that the
  // fallback reply goes out, so a crash loop cannot leave the renter without an answer.
  const interrupted = turn.attempts >= deps.settings.maxTurnAttempts;
  if (interrupted) log.warn({ attempts: turn.attempts + 1 }, 'this turn was interrupted before; posting the fallback reply');
  const text = interrupted
    ? fallbackReply(bot, turn.kind)
    : await answer(deps, bot, actor.kind === 'rental' ? PRIORITY.rental : PRIORITY.conversation, turn, messages, log);
  failpoint('after-llm-answer');
  const parts = splitReply(text, messageLimitFor(actor.kind));
  const posts = parts.map((part) => {
    if (actor.kind === 'rental') return platformPosts.rentalMessage(rental!.rentalId, part);
    if (actor.kind === 'owner') return platformPosts.ownerChat(bot.profileId, part);
    return platformPosts.directMessage(trigger!.author_id!, part);
  });

  const committed = stores.db.transaction(() => {
    const current = stores.turns.get(turn.id);
    if (current?.status !== 'pending' || loadActor(stores, actorKey).done) return false;
    const at = isoNow(clock);
    if (parts.length > 0) {
      stores.messages.add({
        actorKey,
        role: 'assistant',
        author: bot.name,
        authorId: bot.profileId,
        externalId: null,
        content: parts.join('\n\n'),
        eventTime: clock.now() * 1000,
        replyTo: turn.message_id,
      });
    }
    posts.forEach((post, part) => stores.outbox.add({ actorKey, botId: bot.profileId, turnId: turn.id, part, ...post, at }));
    stores.turns.finish(turn.id, 'done', parts.length === 0 ? 'empty answer: nothing posted' : `${parts.length} part(s)`, at);
    return true;
  })();
  if (!committed) {
    log.info('turn dropped: the actor ended while it ran');
    return 'cancelled';
  }
  log.info({ kind: turn.kind, parts: parts.length }, 'turn done');
  return 'done';
}

/** The model's answer, or the bot's fallback reply when no model is configured or it fails. */
async function answer(
  deps: RuntimeDeps,
  bot: Bot,
  priority: number,
  turn: TurnRow,
  messages: ReturnType<typeof buildChatMessages>,
  log: Logger,
): Promise<string> {
  if (deps.model.kind === 'fallback') return fallbackReply(bot, turn.kind);
  try {
    const result = await deps.queues.runLlm(bot, priority, () =>
      deps.model.complete({ model: bot.model, messages, maxTokens: bot.maxTokens }),
    );
    if (result.text.trim() !== '') return result.text;
    log.warn({ model: bot.model }, 'the model answered with nothing; posting the fallback reply');
  } catch (err) {
    log.warn({ err, model: bot.model }, 'the model failed; posting the fallback reply');
  }
  return fallbackReply(bot, turn.kind);
}

export function fallbackReply(bot: Bot, kind: TurnKind): string {
  if (kind === 'greet') return bot.fallback.greeting;
  if (kind === 'wrap_up') return bot.fallback.wrap_up;
  return bot.fallback.reply;
}
