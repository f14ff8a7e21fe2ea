/**
 * Runs the host: reads the environment and the bot files, opens the database, builds the app,
 * listens, and picks up whatever work a previous run left. `stop()` is the clean shutdown.
 */
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { buildApp } from './app.js';
import type { Bot } from './config/bot-config.js';
import { createBotRegistry, type BotRegistry } from './config/bot-registry.js';
import { sqlitePathFromUrl, type Env } from './config/env.js';
import { loadBots } from './config/load-bots.js';
import type { ChatModel } from './llm/chat-model.js';
import { createFallbackChatModel } from './llm/fallback-chat-model.js';
import { createOpenAiChatModel } from './llm/openai-chat-model.js';
import { createLogger } from './logging/create-logger.js';
import { createPlatformClient, type PlatformClient } from './platform/platform-client.js';
import { DEFAULT_PRICES } from './context/costs.js';
import { createBotQueues, PRIORITY } from './queue/bot-queues.js';
import { createToolPlatform } from './tools/create-tool-platform.js';
import { loadBotTools, type ToolSet } from './tools/resolve-bot-tools.js';
import type { PlatformRequestFn } from './tools/tool-context.js';
import { configureFailpoints } from './runtime/failpoints.js';
import { createHostRuntime, type HostRuntime } from './runtime/host-runtime.js';
import type { RuntimeDeps } from './runtime/runtime-deps.js';
import { createStores, type Stores } from './runtime/stores.js';
import { createReconciler, DEFAULT_RECONCILE_SETTINGS, type Reconciler } from './reconcile/reconciler.js';
import { openDatabase } from './store/open-database.js';
import { systemClock, type Clock } from './time.js';

/** A passive checkpoint keeps the WAL from growing while readers are active. */
const CHECKPOINT_INTERVAL_MS = 60_000;

export interface StartHostOptions {
  env: Env;
  /** Where the bots' secrets are read from (the variables their files name). */
  secretsEnv: Record<string, string | undefined>;
  log?: Logger;
  clock?: Clock;
  fetch?: typeof fetch;
}

export interface Host {
  app: FastifyInstance;
  /** e.g. http://127.0.0.1:8080 */
  url: string;
  bots: BotRegistry;
  stores: Stores;
  runtime: HostRuntime;
  reconciler: Reconciler;
  /** What the workers run on (for diagnostics and tests). */
  deps: RuntimeDeps;
  log: Logger;
  /** Stops taking webhooks, lets running work finish up to `graceMs`, closes the database. */
  stop(graceMs?: number): Promise<void>;
}

export async function startHost(options: StartHostOptions): Promise<Host> {
  const { env } = options;
  const log = options.log ?? createLogger({ level: env.LOG_LEVEL });
  const clock = options.clock ?? systemClock;
  const bots = createBotRegistry(loadBots({ agentsDir: env.AGENTS_DIR, env: options.secretsEnv, defaultModel: env.LLM_MODEL }));
  configureFailpoints(env.AA_FAILPOINTS);
  const dbPath = sqlitePathFromUrl(env.DATABASE_URL);
  const db = openDatabase({ path: dbPath, synchronous: env.SQLITE_SYNCHRONOUS, busyTimeoutMs: env.SQLITE_BUSY_TIMEOUT_MS });
  const stores = createStores(db);
  const queues = createBotQueues({ hostLlmConcurrency: env.LLM_MAX_CONCURRENCY, hostLlmRequestsPerMinute: env.LLM_REQUESTS_PER_MINUTE });
  const model = createModel(env, log, queues.llmFetch(options.fetch ?? fetch));

  const clients = new Map<string, PlatformClient>();
  const platformFor = (bot: Bot): PlatformClient => {
    let client = clients.get(bot.profileId);
    if (!client) {
      client = createPlatformClient({
        baseUrl: env.AGENTSACCESS_API,
        apiKey: bot.secrets.apiKey,
        onRequest: () => stores.apiUsage.count(bot.profileId, clock.now()),
        ...(options.fetch ? { fetch: options.fetch } : {}),
      });
      clients.set(bot.profileId, client);
    }
    return client;
  };
  const toolSets = new Map<string, ToolSet>();
  for (const bot of bots.all) {
    const { tools, unlisted } = await loadBotTools(bot.tools, bot.file);
    if (unlisted.length > 0) log.warn({ bot: bot.name, unlisted }, 'the tools module defines tools the bot file does not allow; they are not offered');
    toolSets.set(bot.profileId, tools);
  }
  const toolPlatforms = new Map<string, PlatformRequestFn>();
  const toolPlatformFor = (bot: Bot): PlatformRequestFn => {
    let platform = toolPlatforms.get(bot.profileId);
    if (!platform) {
      const countingFetch: typeof fetch = (input, init) => {
        stores.apiUsage.count(bot.profileId, clock.now());
        return (options.fetch ?? fetch)(input, init);
      };
      platform = createToolPlatform({
        baseUrl: env.AGENTSACCESS_API,
        apiKey: bot.secrets.apiKey,
        botId: bot.profileId,
        allowPaidPosts: bot.tools.pay_for_posts,
        fetch: countingFetch,
        schedule: (run) => queues.runPlatform(bot, PRIORITY.conversation, run),
      });
      toolPlatforms.set(bot.profileId, platform);
    }
    return platform;
  };
  const settings = { rentalWarningMs: env.RENTAL_WARNING_MS, timerTickMs: env.TIMER_TICK_MS, maxTurnAttempts: 2 };
  const runtimeDeps: RuntimeDeps = {
    stores,
    clock,
    log,
    settings,
    bots,
    model,
    queues,
    platformFor,
    toolsFor: (bot: Bot) => toolSets.get(bot.profileId) ?? new Map(),
    toolPlatformFor,
    prices: { ...DEFAULT_PRICES, ...env.LLM_PRICES_JSON },
  };
  const runtime = createHostRuntime(runtimeDeps);
  const app = await buildApp({
    stores,
    bots,
    runtime,
    clock,
    log,
    health: () => ({
      bots: bots.all.length,
      llm: model.kind,
      pendingEvents: stores.inbox.pendingCount(),
      busyActors: runtime.busy(),
      apiCallsToday: Object.fromEntries(bots.all.map((bot) => [bot.name, stores.apiUsage.today(bot.profileId, clock.now())])),
    }),
  });

  await app.listen({ port: env.PORT, host: env.HOST });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : env.PORT;
  const url = `http://${env.HOST === '0.0.0.0' || env.HOST === '::' ? '127.0.0.1' : env.HOST}:${port}`;
  const recovered = runtime.recover();
  const reconciler = createReconciler(
    runtimeDeps,
    {
      pendingIntervalMs: env.RECONCILE_INTERVAL_MS,
      idleIntervalMs: env.RECONCILE_IDLE_INTERVAL_MS,
      recentEndMs: DEFAULT_RECONCILE_SETTINGS.recentEndMs,
      notificationsIntervalMs: env.NOTIFICATIONS_INTERVAL_MS,
      tickMs: Math.min(1000, env.RECONCILE_INTERVAL_MS),
    },
    (key) => runtime.wake(key),
  );
  reconciler.start();
  const checkpoint = setInterval(() => {
    try {
      db.pragma('wal_checkpoint(PASSIVE)');
    } catch (err) {
      log.warn({ err }, 'WAL checkpoint failed');
    }
  }, CHECKPOINT_INTERVAL_MS);
  checkpoint.unref();
  log.info(
    { url, database: dbPath, synchronous: env.SQLITE_SYNCHRONOUS, bots: bots.all.map((bot) => bot.name), llm: model.kind, recovered },
    `aa-host listening with ${bots.all.length} bot(s)`,
  );

  let stopping: Promise<void> | undefined;
  return {
    app,
    url,
    bots,
    stores,
    runtime,
    reconciler,
    deps: runtimeDeps,
    log,
    stop(graceMs = 8000) {
      stopping ??= (async () => {
        clearInterval(checkpoint);
        const closing = app.close();
        const [drained] = await Promise.all([runtime.stop(graceMs), reconciler.stop(Math.min(graceMs, 2000))]);
        await closing;
        if (!drained) log.warn('shutdown grace period over: unfinished turns stay in the database and run at the next start');
        stores.apiUsage.flush();
        db.close();
        log.info('aa-host stopped');
      })();
      return stopping;
    },
  };
}

function createModel(env: Env, log: Logger, fetchImpl?: typeof fetch): ChatModel {
  if (!env.OPENAI_API_KEY && !env.OPENAI_BASE_URL) {
    log.warn('no LLM configured (set OPENAI_API_KEY, or OPENAI_BASE_URL for a local OpenAI-compatible server): bots answer with their fallback replies');
    return createFallbackChatModel();
  }
  return createOpenAiChatModel({
    apiKey: env.OPENAI_API_KEY,
    baseURL: env.OPENAI_BASE_URL,
    timeoutMs: env.LLM_TIMEOUT_MS,
    maxRetries: 1,
    ...(fetchImpl ? { fetch: fetchImpl } : {}),
  });
}
