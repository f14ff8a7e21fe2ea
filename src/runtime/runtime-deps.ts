/** What the runtime's workers need; built once by the host and passed down. */
import type { Logger } from 'pino';
import type { Bot } from '../config/bot-config.js';
import type { BotRegistry } from '../config/bot-registry.js';
import type { PriceTable } from '../context/costs.js';
import type { ChatModel } from '../llm/chat-model.js';
import type { ToolSet } from '../tools/resolve-bot-tools.js';
import type { PlatformRequestFn } from '../tools/tool-context.js';
import type { PlatformClient } from '../platform/platform-client.js';
import type { BotQueues } from '../queue/bot-queues.js';
import type { Clock } from '../time.js';
import type { Stores } from './stores.js';

export interface RuntimeSettings {
  /** The host enters ending_soon this long before expires_at. @default 120000 (the platform's 2 minutes) */
  rentalWarningMs: number;
  /** How often due timers are looked for. @default 1000 */
  timerTickMs: number;
  /** A turn interrupted this many times (crashes) posts the fallback reply instead of asking the model again. @default 2 */
  maxTurnAttempts: number;
}

export const DEFAULT_RUNTIME_SETTINGS: RuntimeSettings = { rentalWarningMs: 120_000, timerTickMs: 1000, maxTurnAttempts: 2 };

/** The parts that change actor state: enough for the synchronous, transactional steps. */
export interface ActorCore {
  stores: Stores;
  clock: Clock;
  log: Logger;
  settings: RuntimeSettings;
}

export interface RuntimeDeps extends ActorCore {
  bots: BotRegistry;
  model: ChatModel;
  queues: BotQueues;
  platformFor(bot: Bot): PlatformClient;
  /** The tools the bot's file allows (empty when none). */
  toolsFor(bot: Bot): ToolSet;
  /** The guarded platform request function tools use. */
  toolPlatformFor(bot: Bot): PlatformRequestFn;
  prices: PriceTable;
  /**
   * Aborted by a clean shutdown once its grace period is nearly over: a turn still waiting for the
   * model (or in a tool call) stops, stays pending for the next start, and the attempt is not
   * counted (maxTurnAttempts is for crashes, not deploys). Set by the host runtime.
   */
  shutdownSignal?: AbortSignal;
}
