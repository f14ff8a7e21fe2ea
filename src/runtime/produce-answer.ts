/**
 * The words of one turn: the agent loop (model + the bot's allowed tools) inside the bot's
 * queues and budgets, every model call's tokens and cost recorded; or the fallback reply when
 * no model is configured or it fails; or nothing once a spent budget has been announced.
 */
import type { Logger } from 'pino';
import { runAgentLoop, type BudgetVerdict } from '../agent/run-agent-loop.js';
import type { TurnKind } from '../actors/rental-machine.js';
import type { Bot } from '../config/bot-config.js';
import { isPreloadedInstructions } from '../context/build-chat-messages.js';
import { costRecord } from '../context/costs.js';
import { contextWindowFor, windowFitter } from '../context/token-budget.js';
import type { ChatMessage } from '../llm/chat-model.js';
import { toToolDefinition } from '../tools/tool.js';
import type { ToolContext } from '../tools/tool-context.js';
import { isoNow } from '../time.js';
import { journalToolCalls, settleInterruptedCalls } from './journal-tool-calls.js';
import { earlierAttemptMessages } from './earlier-attempt-messages.js';
import type { RuntimeDeps } from './runtime-deps.js';

export interface Answer {
  text: string;
  source: 'model' | 'fallback' | 'budget';
  /** The model's stop reason, for logs. */
  stoppedBy?: string;
}

export const BUDGET_SPENT_MESSAGE =
  'This rental has used up the AI budget its owner set, so I cannot do more model work in it. The owner can raise the budget; I am sorry for the interruption.';
export const DAILY_BUDGET_SPENT_MESSAGE =
  "I have reached today's AI budget set by my owner, so I cannot give a full answer until tomorrow (UTC). Sorry about that.";

export function fallbackReply(bot: Bot, kind: TurnKind): string {
  if (kind === 'greet') return bot.fallback.greeting;
  if (kind === 'wrap_up') return bot.fallback.wrap_up;
  return bot.fallback.reply;
}

/** A spent budget: what to say, and the notice key under which saying it is remembered. */
export type BudgetStop = { stop: true; message: string; notice: string };

/** The renter is told once per rental that its budget is spent. */
export const RENTAL_BUDGET_NOTICE = 'budget:rental';
/** Told once per actor per UTC day, so a conversation that outlives a day hears it again the next time. */
export const dailyBudgetNotice = (day: string) => `budget:day:${day}`;

/**
 * Whether the rental's or the bot's daily budget is spent, and what to say. Each budget has its own
 * notice key, so running out of one never silences the notice of the other.
 */
export function budgetVerdict(deps: RuntimeDeps, bot: Bot, actorKey: string): { stop: false } | BudgetStop {
  const perRental = bot.budget.per_rental_usd;
  if (perRental !== undefined && actorKey.startsWith('rental:') && deps.stores.llmCalls.forActor(actorKey).costUsd >= perRental) {
    return { stop: true, message: BUDGET_SPENT_MESSAGE, notice: RENTAL_BUDGET_NOTICE };
  }
  const perDay = bot.budget.per_day_usd;
  const day = isoNow(deps.clock).slice(0, 10);
  if (perDay !== undefined && deps.stores.llmCalls.forBotDay(bot.profileId, day).costUsd >= perDay) {
    return { stop: true, message: DAILY_BUDGET_SPENT_MESSAGE, notice: dailyBudgetNotice(day) };
  }
  return { stop: false };
}

export async function produceAnswer(
  deps: RuntimeDeps,
  input: {
    bot: Bot;
    actorKey: string;
    /** The turn the tool calls are journaled under, so a redone turn does not repeat them. */
    turnId: number;
    turnKind: TurnKind;
    priority: number;
    messages: ChatMessage[];
    context: ToolContext;
    log: Logger;
  },
): Promise<Answer> {
  const { bot, actorKey, log } = input;
  if (deps.model.kind === 'fallback') return { text: fallbackReply(bot, input.turnKind), source: 'fallback' };

  // A spent budget is announced once per actor (per budget, and per UTC day for the daily one);
  // after that the bot stays silent, calling no model.
  const spent = budgetVerdict(deps, bot, actorKey);
  if (spent.stop) return announceBudget(deps, actorKey, spent, '', log);
  let stoppedBy: BudgetStop | undefined;

  const tools = journalToolCalls(deps, bot, input.turnId, deps.toolsFor(bot), log);
  if (deps.stores.toolCalls.forTurn(input.turnId).some((call) => call.status === 'started')) {
    await settleInterruptedCalls(deps, bot, input.turnId, deps.toolsFor(bot), log);
  }
  const definitions = [...tools.values()].map(toToolDefinition);
  try {
    const result = await runAgentLoop({
      model: { complete: (request) => untilAborted(deps.queues.runLlm(bot, input.priority, () => deps.model.complete(request)), request.signal) },
      modelName: bot.model,
      maxTokens: bot.maxTokens,
      // A redone turn carries on from what its earlier attempt did (earlier-attempt-messages.ts).
      messages: [...input.messages, ...earlierAttemptMessages(deps.stores.toolCalls.forTurn(input.turnId))],
      tools,
      context: input.context,
      maxSteps: bot.agent.max_steps,
      maxOutputChars: bot.agent.max_output_chars,
      maxToolResultChars: bot.agent.max_tool_result_chars,
      fitMessages: windowFitter({
        contextWindow: bot.work.context_window ?? contextWindowFor(bot.model),
        maxTokens: bot.maxTokens,
        tools: definitions,
        pin: isPreloadedInstructions,
      }),
      beforeModelCall: (): BudgetVerdict => {
        const verdict = budgetVerdict(deps, bot, actorKey);
        if (verdict.stop) stoppedBy = verdict;
        return verdict;
      },
      onModelResult: (call) => {
        deps.stores.llmCalls.add(costRecord({ botId: bot.profileId, actorKey, model: call.model || bot.model, usage: call.usage, at: isoNow(deps.clock) }, deps.prices));
      },
      log,
      ...(input.context.signal ? { signal: input.context.signal } : {}),
    });
    if (result.stoppedBy === 'budget' && stoppedBy) {
      // Spent in the middle of the turn: what the model wrote so far still goes out.
      const partial = result.text.trim() === stoppedBy.message ? '' : result.text;
      return announceBudget(deps, actorKey, stoppedBy, partial, log);
    }
    if (result.stoppedBy === 'model_error' && result.text.trim() === '') throw result.error ?? new Error('the model failed');
    if (result.stoppedBy === 'step_limit') log.warn({ steps: result.steps }, 'the step limit ended this turn; posting the best answer so far');
    if (result.text.trim() !== '') return { text: result.text, source: 'model', stoppedBy: result.stoppedBy };
    log.warn({ model: bot.model }, 'the model answered with nothing; posting the fallback reply');
  } catch (err) {
    if (input.context.signal?.aborted) throw err;
    log.warn({ err, model: bot.model }, 'the model failed; posting the fallback reply');
  }
  return { text: fallbackReply(bot, input.turnKind), source: 'fallback' };
}

/** A model call still waiting in the bot's queue gives up when the turn is aborted (a shutdown), rather than holding it up. */
function untilAborted<T>(call: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return call;
  signal.throwIfAborted();
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    call.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

function announceBudget(deps: RuntimeDeps, actorKey: string, spent: BudgetStop, partial: string, log: Logger): Answer {
  const first = deps.stores.notices.once(actorKey, spent.notice, isoNow(deps.clock));
  log.warn({ first, notice: spent.notice }, 'the budget is spent: no model call');
  const text = [partial.trim(), first ? spent.message : ''].filter((part) => part !== '').join('\n\n');
  return { text, source: 'budget' };
}
