/**
 * Rate limits as p-queues: per bot, one queue for model calls (its concurrency and
 * requests-per-minute from the bot file) and one for platform calls; a host-wide queue caps
 * model calls across all bots. Rental turns outrank DMs and owner chat in every queue.
 */
import PQueue from 'p-queue';
import type { Bot } from '../config/bot-config.js';

export const PRIORITY = { rental: 10, conversation: 0 } as const;

interface BotLanes {
  llm: PQueue;
  platform: PQueue;
}

export function createBotQueues(options: { hostLlmConcurrency: number }) {
  const hostLlm = new PQueue({ concurrency: options.hostLlmConcurrency });
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
      return lanesFor(bot).llm.add(() => hostLlm.add(task, { priority }), { priority });
    },
    runPlatform<T>(bot: Bot, priority: number, task: () => Promise<T>): Promise<T> {
      return lanesFor(bot).platform.add(task, { priority });
    },
    /** Waiting and running model calls, host-wide. */
    stats(): { llmRunning: number; llmWaiting: number } {
      return { llmRunning: hostLlm.pending, llmWaiting: hostLlm.size };
    },
    async onIdle(): Promise<void> {
      await Promise.all([hostLlm.onIdle(), ...[...lanes.values()].flatMap((lane) => [lane.llm.onIdle(), lane.platform.onIdle()])]);
    },
  };
}
export type BotQueues = ReturnType<typeof createBotQueues>;
