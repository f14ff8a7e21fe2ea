/** What the runtime's workers need; built once by the host and passed down. */
import type { Logger } from 'pino';
import type { Bot } from '../config/bot-config.js';
import type { BotRegistry } from '../config/bot-registry.js';
import type { ChatModel } from '../llm/chat-model.js';
import type { PlatformClient } from '../platform/platform-client.js';
import type { BotQueues } from '../queue/bot-queues.js';
import type { Clock } from '../time.js';
import type { Stores } from './stores.js';

export interface RuntimeDeps {
  stores: Stores;
  clock: Clock;
  log: Logger;
  bots: BotRegistry;
  model: ChatModel;
  queues: BotQueues;
  platformFor(bot: Bot): PlatformClient;
}
