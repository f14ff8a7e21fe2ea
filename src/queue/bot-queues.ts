/**
 * Rate limits as p-queues: per bot, one queue for model calls (its concurrency and
 * requests-per-minute from the bot file) and one for platform calls; a host-wide queue caps
 * model calls across all bots, in flight and, optionally, started per rolling minute (the
 * provider's cap). Rental turns outrank DMs and owner chat in every queue.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import PQueue from 'p-queue';
import type { Bot } from '../config/bot-config.js';
import { createSlidingWindowLimit, type Admission } from './sliding-window-limit.js';

export const PRIORITY = { rental: 10, conversation: 0 } as const;

interface BotLanes {
  llm: PQueue;
  platform: PQueue;
}

export interface BotQueuesOptions {
  /** Model calls in flight across all bots. */
  hostLlmConcurrency: number;
  /** Model calls started per rolling minute across all bots; 0 or undefined: no cap. */
  hostLlmRequestsPerMinute?: number;
  /** The length of that minute: shorter only in time-compressed runs. @default 60000 */
  minuteMs?: number;
  /** @default Date.now */
  now?: () => number;
}

export function createBotQueues(options: BotQueuesOptions) {
  const hostLlm = new PQueue({ concurrency: options.hostLlmConcurrency });
  const minuteMs = options.minuteMs ?? 60_000;
  // The provider counts arrivals, which trail our starts by a network delay that varies: a
  // margin of 1/60 of the window (1 s a minute) keeps its window from ever seeing one too many.
  const hostRate = options.hostLlmRequestsPerMinute
    ? createSlidingWindowLimit({ limit: options.hostLlmRequestsPerMinute, windowMs: minuteMs + minuteMs / 60, ...(options.now ? { now: options.now } : {}) })
    : undefined;
  // Which admission a model call runs under, so its HTTP request can restamp it (llmFetch).
  const admissions = new AsyncLocalStorage<{ admission: Admission; sent: boolean }>();
  const lanes = new Map<string, BotLanes>();

  function lanesFor(bot: Bot): BotLanes {
    let lane = lanes.get(bot.profileId);
    if (!lane) {
      lane = {
        llm: new PQueue({ concurrency: bot.limits.llm_concurrency, intervalCap: bot.limits.llm_requests_per_minute, interval: 60_000 }),
        platform: new PQueue({ concurrency: 4, intervalCap: bot.limits.platform_requests_per_minute, interval: 60_000 }),
      };
      lanes.set(bot.profileId, lane);
    }
    return lane;
  }

  return {
    /** Runs a model call within the bot's limits and the host-wide cap. */
    runLlm<T>(bot: Bot, priority: number, task: () => Promise<T>): Promise<T> {
      // The rate is taken inside the host slot, right before the call: the slots are handed out
      // by priority, so a rental turn waits behind at most `hostLlmConcurrency` earlier calls.
      const start = hostRate ? () => hostRate.acquire().then((admission) => admissions.run({ admission, sent: false }, task)) : task;
      return lanesFor(bot).llm.add(() => hostLlm.add(start, { priority }), { priority });
    },
    /**
     * The fetch the model client should use: a request counts against the per-minute cap from
     * when it is sent, not from when its call was admitted (the provider counts arrivals, and
     * the first call's set-up or a busy event loop can come in between).
     */
    llmFetch(base: typeof fetch): typeof fetch {
      return async (input, init) => {
        const call = admissions.getStore();
        if (call && !call.sent) {
          call.sent = true;
          call.admission.restamp();
        } else if (call && hostRate) {
          // A second request of the same call (the SDK retrying a failed one) reaches the
          // provider too: it needs a start of its own.
          await hostRate.acquire();
        }
        return base(input, init);
      };
    },
    runPlatform<T>(bot: Bot, priority: number, task: () => Promise<T>): Promise<T> {
      return lanesFor(bot).platform.add(task, { priority });
    },
    /** Waiting and running model calls, host-wide. */
    stats(): { llmRunning: number; llmWaiting: number } {
      const waitingForRate = hostRate?.waiting ?? 0;
      return { llmRunning: hostLlm.pending - waitingForRate, llmWaiting: hostLlm.size + waitingForRate };
    },
    async onIdle(): Promise<void> {
      await Promise.all([hostLlm.onIdle(), ...[...lanes.values()].flatMap((lane) => [lane.llm.onIdle(), lane.platform.onIdle()])]);
    },
  };
}
export type BotQueues = ReturnType<typeof createBotQueues>;
