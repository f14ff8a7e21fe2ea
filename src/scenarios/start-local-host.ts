/**
 * A real host in this process, pointed at a local emulator: what `aa-host sim run` and
 * `aa-host chat` drive. Fresh secrets, a SQLite file in a work directory, its log in a file
 * there (the terminal is for the conversation), and the bots registered on the emulator with
 * their webhook URLs set.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { stringify as toYaml } from 'yaml';
import type { Bot, BotFileConfig } from '../config/bot-config.js';
import { parseEnv, type Env } from '../config/env.js';
import { createLogger } from '../logging/create-logger.js';
import { startHost, type Host } from '../server.js';
import type { Sim } from '../sim/index.js';

export interface LocalBotSpec {
  name: string;
  profileId: string;
  ownerId: string;
  persona: string;
  fallback?: BotFileConfig['fallback'] | undefined;
  /** More bot-file fields, written as given (the host validates them). */
  extra?: Record<string, unknown> | undefined;
  /** @default generated */
  apiKey?: string | undefined;
}

export const newApiKey = (): string => `aa_${randomBytes(32).toString('hex')}`;
export const newWebhookToken = (): string => randomBytes(24).toString('hex');

/** Writes one bot file and persona per bot; returns the directory and the secrets they name. */
export function writeBotFiles(workDir: string, bots: LocalBotSpec[]): { agentsDir: string; secretsEnv: Record<string, string> } {
  const agentsDir = join(workDir, 'agents');
  mkdirSync(join(workDir, 'prompts'), { recursive: true });
  mkdirSync(agentsDir, { recursive: true });
  const secretsEnv: Record<string, string> = {};
  for (const bot of bots) {
    const prefix = `BOT_${bot.name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
    secretsEnv[`${prefix}_API_KEY`] = bot.apiKey ?? newApiKey();
    secretsEnv[`${prefix}_WEBHOOK_TOKEN`] = newWebhookToken();
    writeFileSync(join(workDir, 'prompts', `${bot.name}.md`), `${bot.persona}\n`);
    const file: Record<string, unknown> = {
      name: bot.name,
      profile_id: bot.profileId,
      owner_id: bot.ownerId,
      api_key_env: `${prefix}_API_KEY`,
      webhook_token_env: `${prefix}_WEBHOOK_TOKEN`,
      persona: `../prompts/${bot.name}.md`,
      ...(bot.fallback ? { fallback: bot.fallback } : {}),
      ...bot.extra,
    };
    writeFileSync(join(agentsDir, `${bot.name}.yaml`), toYaml(file));
  }
  return { agentsDir, secretsEnv };
}

export interface LocalHost {
  host: Host;
  env: Env;
  logFile: string;
  webhookUrl(bot: Bot): string;
}

/**
 * `baseEnv` is the user's environment: the model settings (OPENAI_*, LLM_MODEL, ...) come from
 * it; where the host listens, stores and reaches the platform do not.
 */
export async function startLocalHost(options: {
  sim: Sim;
  workDir: string;
  agentsDir: string;
  secretsEnv: Record<string, string | undefined>;
  baseEnv: Record<string, string | undefined>;
  extraEnv?: Record<string, string> | undefined;
}): Promise<LocalHost> {
  const env = parseEnv({
    ...options.baseEnv,
    ...options.extraEnv,
    PORT: '0',
    HOST: '127.0.0.1',
    AGENTS_DIR: options.agentsDir,
    DATABASE_URL: `sqlite:${join(options.workDir, 'aa-host.db')}`,
    AGENTSACCESS_API: options.sim.url,
    LOG_LEVEL: options.baseEnv.LOG_LEVEL ?? 'info',
  });
  const logFile = join(options.workDir, 'aa-host.log');
  const log = createLogger({ level: env.LOG_LEVEL, destination: pino.destination({ dest: logFile, sync: true }) });
  const host = await startHost({ env, secretsEnv: { ...options.baseEnv, ...options.secretsEnv }, log });
  const webhookUrl = (bot: Bot) => `${host.url}/webhooks/${bot.secrets.webhookToken}`;
  return { host, env, logFile, webhookUrl };
}

/**
 * Registers the host's bots on the emulator, with the keys the host holds, and points their
 * webhooks at it. `ownerOf` names the (already created) owner of a bot without `owner_id`.
 */
export function registerBots(sim: Sim, local: LocalHost, options: { ownerOf: (bot: Bot) => string; displayName?: (bot: Bot) => string }): void {
  for (const bot of local.host.bots.all) {
    sim.createBot({
      ownerId: bot.ownerId ?? options.ownerOf(bot),
      username: bot.name,
      displayName: options.displayName?.(bot) ?? bot.name,
      id: bot.profileId,
      apiKey: bot.secrets.apiKey,
      webhookUrl: local.webhookUrl(bot),
    });
  }
}

/** One line for the terminal: which model answers. */
export function describeModel(env: Env): string {
  if (env.OPENAI_BASE_URL) return `${env.LLM_MODEL} at ${env.OPENAI_BASE_URL}`;
  if (env.OPENAI_API_KEY) return `${env.LLM_MODEL} (OpenAI)`;
  return 'none configured: the bots answer with their fallback replies (set OPENAI_API_KEY or OPENAI_BASE_URL for a model)';
}

/**
 * Work the host still has for its actors: events not yet applied, turns not yet run, posts not
 * yet sent (including those waiting for a retry, which `runtime.whenIdle()` does not count).
 */
export function openWork(host: Host): number {
  return busyActors(host).length;
}

/** The actor keys (`rental:<bot>:<rental>`, `dm:…`, …) with events, turns or posts still to do. */
export function busyActors(host: Host): string[] {
  const { stores } = host;
  return [...new Set([...stores.inbox.actorsWithPendingEvents(), ...stores.turns.actorsWithPendingTurns(), ...stores.outbox.actorsWithOpenPosts()])];
}
