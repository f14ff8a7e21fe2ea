/** Reads every bot file in AGENTS_DIR, validates it and resolves its persona and secrets, before any traffic. */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, extname, isAbsolute, join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ConfigError } from '../errors.js';
import { BotConfigSchema, type Bot, type BotFileConfig } from './bot-config.js';

export const MIN_WEBHOOK_TOKEN_LENGTH = 32;
const API_KEY_PATTERN = /^aa_[0-9a-f]{64}$/;

export interface LoadBotsOptions {
  agentsDir: string;
  env: Record<string, string | undefined>;
  defaultModel: string;
}

export function loadBots(options: LoadBotsOptions): Bot[] {
  const bots = listBotFiles(options.agentsDir).map((file) => resolveBot(file, parseBotFile(file), options));
  checkUnique(bots);
  return bots;
}

/** The bot files (*.yaml, *.yml) in a directory, sorted. */
export function listBotFiles(agentsDir: string): string[] {
  const dir = resolve(agentsDir);
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch (cause) {
    throw new ConfigError(`AGENTS_DIR ${dir} cannot be read: create it and put one YAML file per bot in it`, { cause });
  }
  const files = entries.filter((name) => /\.ya?ml$/i.test(name)).sort();
  if (files.length === 0) {
    throw new ConfigError(`no bot files (*.yaml or *.yml) in ${dir}: add one file per bot (see README, "Configuration")`);
  }
  return files.map((name) => join(dir, name));
}

/** Reads and validates one bot file; secrets and persona are not resolved yet. */
export function parseBotFile(file: string): BotFileConfig {
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(file, 'utf8'));
  } catch (cause) {
    throw new ConfigError(`${file}: not valid YAML: ${(cause as Error).message}`, { file, cause });
  }
  const parsed = BotConfigSchema.safeParse(raw ?? {}, { error: plainIssueMessage });
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  ${issue.path.join('.') || '(top level)'}: ${issue.message}`);
    throw new ConfigError(`${file}: invalid bot file:\n${lines.join('\n')}`, { file });
  }
  return parsed.data;
}

/** Messages a bot owner can act on, for the zod issues a hand-written file usually has. */
function plainIssueMessage(issue: { code?: string; input?: unknown; format?: string; expected?: unknown }): string | undefined {
  if (issue.code === 'invalid_type' && issue.input === undefined) return 'required, but missing';
  if (issue.code === 'invalid_format' && issue.format === 'uuid') return `not a UUID: ${JSON.stringify(issue.input)}`;
  return undefined;
}

export function loadBotFile(file: string, options: Omit<LoadBotsOptions, 'agentsDir'>): Bot {
  return resolveBot(file, parseBotFile(file), options);
}

function resolveBot(file: string, config: BotFileConfig, options: Omit<LoadBotsOptions, 'agentsDir'>): Bot {
  const fail = (field: string, message: string): never => {
    throw new ConfigError(`${file}: ${field}: ${message}`, { file });
  };

  const apiKey = options.env[config.api_key_env]?.trim() ?? '';
  if (apiKey === '') fail('api_key_env', `environment variable ${config.api_key_env} is not set (it must hold the bot's AgentsAccess API key)`);
  if (!API_KEY_PATTERN.test(apiKey)) {
    fail('api_key_env', `environment variable ${config.api_key_env} does not look like an AgentsAccess API key (aa_ followed by 64 lowercase hex characters)`);
  }
  const webhookToken = options.env[config.webhook_token_env]?.trim() ?? '';
  if (webhookToken === '') fail('webhook_token_env', `environment variable ${config.webhook_token_env} is not set (it must hold the secret token of the bot's webhook URL)`);
  if (webhookToken.length < MIN_WEBHOOK_TOKEN_LENGTH) {
    fail('webhook_token_env', `the token in ${config.webhook_token_env} is ${webhookToken.length} characters; use at least ${MIN_WEBHOOK_TOKEN_LENGTH} (e.g. openssl rand -hex 32)`);
  }
  if (!/^[A-Za-z0-9._~-]+$/.test(webhookToken)) {
    fail('webhook_token_env', `the token in ${config.webhook_token_env} must be URL-safe (letters, digits, . _ ~ -)`);
  }

  const personaPath = isAbsolute(config.persona) ? config.persona : resolve(dirname(file), config.persona);
  let persona = '';
  try {
    if (!statSync(personaPath).isFile()) fail('persona', `${personaPath} is not a file`);
    persona = readFileSync(personaPath, 'utf8').trim();
  } catch (cause) {
    if (cause instanceof ConfigError) throw cause;
    fail('persona', `cannot read ${personaPath}: ${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message}`);
  }
  if (persona === '') fail('persona', `${personaPath} is empty`);

  return Object.freeze({
    name: config.name ?? basename(file, extname(file)),
    profileId: config.profile_id.toLowerCase(),
    ownerId: config.owner_id?.toLowerCase(),
    model: config.model ?? options.defaultModel,
    maxTokens: config.max_tokens,
    persona,
    limits: config.limits,
    fallback: config.fallback,
    tools: config.tools,
    agent: config.agent,
    events: config.events,
    work: config.work,
    budget: config.budget,
    file,
    secrets: Object.freeze({ apiKey, webhookToken }),
  });
}

function checkUnique(bots: Bot[]): void {
  const seen = new Map<string, Bot>();
  for (const bot of bots) {
    for (const [field, value] of [
      ['name', `name:${bot.name}`],
      ['profile_id', `profile:${bot.profileId}`],
      ['webhook_token_env', `token:${bot.secrets.webhookToken}`],
    ] as const) {
      const other = seen.get(value);
      if (other) {
        const what = field === 'webhook_token_env' ? 'holds the same token as the one for' : 'is the same as in';
        throw new ConfigError(`${bot.file}: ${field}: ${what} ${other.file}; each bot needs its own`, { file: bot.file });
      }
      seen.set(value, bot);
    }
  }
}
