/**
 * Runs an actor's next turn: reads the rental when the host does not yet know it, merges reply
 * turns for messages that arrived together, answers owner commands, asks the model through the
 * agent loop (or posts the fallback reply), and stores the answer with its outbox rows in one
 * transaction. With pre-loaded instructions it keeps the work going step by step on its own.
 */
import type { Logger } from 'pino';
import type { ActorState } from '../actors/actor-logic.js';
import { applyOwnerCommand, parseOwnerCommand } from '../agent/owner-commands.js';
import { toolRulesForPrompt } from '../agent/tool-rules.js';
import type { Bot } from '../config/bot-config.js';
import { buildChatMessages, WORK_COMPLETE_MARKER } from '../context/build-chat-messages.js';
import { PRIORITY } from '../queue/bot-queues.js';
import type { MessageRow } from '../store/message-store.js';
import type { TurnRow } from '../store/turn-store.js';
import { isoNow } from '../time.js';
import { loadActor, rentalContext } from './apply-actor-event.js';
import { failpoint } from './failpoints.js';
import { fallbackReply, produceAnswer, type Answer } from './produce-answer.js';
import { readRental } from './rental-clock.js';
import { runEventTurn } from './run-event-turn.js';
import { verifyMessages } from './verify-messages.js';
import type { RuntimeDeps } from './runtime-deps.js';
import { createTurnToolContext, postsFor } from './turn-tool-context.js';

export type TurnOutcome = 'none' | 'done' | 'cancelled';

/**
 * A turn that a clean shutdown stopped (its model or tool call aborted) stays pending for the next
 * start with its attempt count put back: only crashes count toward maxTurnAttempts, so deploys
 * during a long model call never leave the renter with the fallback reply.
 */
export async function runNextTurn(deps: RuntimeDeps, actorKey: string, onPosted: () => void = () => {}): Promise<TurnOutcome> {
  const before = deps.stores.turns.next(actorKey);
  try {
    return await runPendingTurn(deps, actorKey, onPosted);
  } catch (err) {
    if (!before || !deps.shutdownSignal?.aborted) throw err;
    deps.stores.turns.restoreAttempts(before.id, before.attempts);
    deps.log.info({ actorKey, turnId: before.id }, 'turn stopped by the shutdown; it runs again at the next start (not counted as an attempt)');
    return 'none';
  }
}

async function runPendingTurn(deps: RuntimeDeps, actorKey: string, onPosted: () => void): Promise<TurnOutcome> {
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
  const log = deps.log.child({ bot: bot.name, actorKey, turnId: turn.id, kind: turn.kind });
  // Near the end no new work starts: the wrap-up says what remains.
  if (turn.kind === 'work' && actor.snapshot.value !== 'active') return cancel('the rental is wrapping up: no new work');
  if (actor.kind === 'events') {
    stores.turns.markStarted(turn.id);
    return runEventTurn(deps, bot, actor, turn, log, onPosted);
  }

  // A direct rental_request carries no expiry (§2.2), and a forged event names a rental that is
  // not this bot's: read the rental before the first turn spends any tokens.
  if (actor.kind === 'rental' && !rentalContext(actor)!.expiresAt) {
    const verdict = await readRental(deps, bot, actorKey, log);
    if (verdict === 'gone') return stores.turns.get(turn.id)?.status === 'pending' ? cancel('the rental is not on the platform') : 'cancelled';
    actor = loadActor(stores, actorKey);
    if (actor.done) return 'cancelled';
  }

  // Messages that arrived while the previous turn ran are answered together (reply_policy merge).
  let merged = turn.kind === 'reply' && bot.work.reply_policy === 'merge' ? stores.turns.laterReplies(actorKey, turn.id) : [];
  if (turn.kind === 'reply') {
    const rows = [turn, ...merged].flatMap((t) => (t.message_id === null ? [] : [stores.messages.get(t.message_id)!]));
    const confirmed = await verifyMessages(deps, bot, actor, rows);
    if (confirmed) {
      const forged = (t: TurnRow) => t.message_id !== null && !confirmed.has(t.message_id);
      for (const other of merged.filter(forged)) stores.turns.finish(other.id, 'cancelled', 'the message is not on the platform (forged?)', isoNow(clock));
      merged = merged.filter((t) => !forged(t));
      if (forged(turn)) {
        log.warn('a message to answer is not in the conversation on the platform: not answering it (forged webhook?)');
        return cancel('the message is not on the platform (forged?)');
      }
    }
  }
  const lastMessageId = [turn, ...merged].reduce<number | null>((max, t) => (t.message_id !== null && (max === null || t.message_id > max) ? t.message_id : max), null);
  const trigger = lastMessageId === null ? undefined : stores.messages.get(lastMessageId);
  if (actor.kind === 'dm' && !trigger?.author_id) return cancel('a DM reply needs the message it answers');

  const answer = await answerTurn(deps, bot, actor, turn, trigger, merged.length + 1, log, onPosted);
  failpoint('after-llm-answer');
  const workComplete = answer.text.includes(WORK_COMPLETE_MARKER);
  const text = answer.text.replaceAll(WORK_COMPLETE_MARKER, '').trim();
  const posts = postsFor(actor, bot, trigger, text);

  const committed = stores.db.transaction(() => {
    const current = stores.turns.get(turn.id);
    const now = loadActor(stores, actorKey);
    if (current?.status !== 'pending' || now.done) return false;
    const at = isoNow(clock);
    if (posts.length > 0) {
      stores.messages.add({
        actorKey,
        role: 'assistant',
        author: bot.name,
        authorId: bot.profileId,
        externalId: null,
        content: text,
        eventTime: clock.now() * 1000,
        replyTo: lastMessageId,
      });
    }
    posts.forEach((post, part) => stores.outbox.add({ actorKey, botId: bot.profileId, turnId: turn.id, part, ...post, at }));
    for (const other of merged) stores.turns.mergeInto(other.id, turn.id, at);
    stores.turns.finish(turn.id, 'done', posts.length === 0 ? `${answer.source}: nothing posted` : `${answer.source}: ${posts.length} part(s)`, at);
    // Autonomous steps need the model: fallback replies would only repeat themselves.
    if (answer.source === 'model') scheduleWork(deps, bot, now, turn, workComplete, at, log);
    return true;
  })();
  if (!committed) {
    log.info('turn dropped: the actor ended while it ran');
    return 'cancelled';
  }
  log.info({ parts: posts.length, source: answer.source, merged: merged.length, stoppedBy: answer.stoppedBy }, 'turn done');
  return 'done';
}

async function answerTurn(
  deps: RuntimeDeps,
  bot: Bot,
  actor: ActorState,
  turn: TurnRow,
  trigger: MessageRow | undefined,
  messageCount: number,
  log: Logger,
  onPosted: () => void,
): Promise<Answer> {
  // The owner's plain commands (status, pause, resume, help) are answered without the model.
  const command = actor.kind === 'owner' && trigger ? parseOwnerCommand(trigger.content) : null;
  if (command) {
    const result = applyOwnerCommand(command, {
      botName: bot.name,
      paused: deps.stores.notices.paused(bot.profileId),
      model: bot.model,
      llm: deps.model.kind,
      activeRentals: deps.stores.actors.rentalsOf(bot.profileId, isoNow(deps.clock)).filter((r) => r.done === 0).length,
      pendingWork: deps.stores.inbox.pendingCount(),
      today: (({ calls, costUsd }) => ({ calls, costUsd }))(deps.stores.llmCalls.forBotDay(bot.profileId, isoNow(deps.clock).slice(0, 10))),
    });
    if (result.changed) deps.stores.notices.setPaused(bot.profileId, result.paused, isoNow(deps.clock));
    log.info({ command: result.command, paused: result.paused }, 'owner command');
    return { text: result.reply, source: 'model', stoppedBy: 'owner_command' };
  }

  // A turn that was interrupted (the process died during it) is redone once; after that the
  // fallback reply goes out, so a crash loop cannot leave the renter without an answer.
  if (turn.attempts >= deps.settings.maxTurnAttempts) {
    log.warn({ attempts: turn.attempts + 1 }, 'this turn was interrupted before; posting the fallback reply');
    return { text: fallbackReply(bot, turn.kind), source: 'fallback' };
  }
  const tools = deps.toolsFor(bot);
  const messages = buildChatMessages({
    botName: bot.name,
    persona: bot.persona,
    channel: actor.kind,
    turnKind: turn.kind,
    transcript: deps.stores.messages.transcript(actor.key, trigger?.id ?? turn.message_id),
    rental: rentalContext(actor),
    ownerId: bot.ownerId,
    now: deps.clock.now(),
    toolRules: toolRulesForPrompt(tools, actor.kind === 'events' ? 'event' : actor.kind),
    mergedMessages: messageCount,
    warningMs: deps.settings.rentalWarningMs,
  });
  const context = createTurnToolContext(deps, bot, actor, turn, trigger, onPosted);
  // Counted when the model is about to be asked, so only an interruption of the model call (a
  // crash) counts as an attempt, not a database hiccup earlier in the turn.
  deps.stores.turns.markStarted(turn.id);
  return produceAnswer(deps, {
    bot,
    actorKey: actor.key,
    turnId: turn.id,
    turnKind: turn.kind,
    priority: actor.kind === 'rental' ? PRIORITY.rental : PRIORITY.conversation,
    messages,
    context,
    log,
  });
}

/**
 * Autonomous work (a rental with pre-loaded instructions): after a step, the next one is queued
 * unless the model said the task is complete, the step limit is reached, the rental is wrapping
 * up, or a renter message is already waiting (its reply carries the work on).
 */
function scheduleWork(deps: RuntimeDeps, bot: Bot, actor: ActorState, turn: TurnRow, complete: boolean, at: string, log: Logger): void {
  const rental = rentalContext(actor);
  if (!rental?.instructions || actor.snapshot.value !== 'active' || turn.kind === 'wrap_up') return;
  if (complete) {
    deps.stores.notices.once(actor.key, 'work_complete', at);
    return;
  }
  if (deps.stores.notices.given(actor.key, 'work_complete') || deps.stores.turns.hasPending(actor.key, turn.id)) return;
  if (deps.stores.turns.countKind(actor.key, 'work') >= bot.work.max_work_steps) return;
  deps.stores.turns.add({ actorKey: actor.key, botId: bot.profileId, kind: 'work', messageId: null, at });
  log.info('queued the next step of the renter task');
}
