/**
 * Starts a real host for a test: bot files and personas in a temp dir, a real SQLite file,
 * a real HTTP listener on 127.0.0.1, and every log line captured for assertions.
 */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { onTestFinished } from 'vitest';
import { parseEnv } from '../../src/config/env.js';
import { createLogger } from '../../src/logging/create-logger.js';
import { startHost, type Host } from '../../src/server.js';
import type { Clock } from '../../src/time.js';

export interface TestBot {
  name: string;
  profileId: string;
  ownerId?: string;
  apiKey: string;
  token: string;
  persona: string;
  /** Extra YAML lines appended to the bot file. */
  extra?: string;
}

/** The cast of the platform fixtures (test/fixtures/platform/README.md). */
export const FIXTURE_BOT_ID = '3c02559b-3c42-4cdd-b64e-2ec636ec8a8f';
export const FIXTURE_OWNER_ID = '5d26137c-a741-42e6-93a9-aed857efb7f0';
export const FIXTURE_RENTER_ID = '3bb30ba1-5a0e-48cf-9ad6-93465bfcc464';
export const FIXTURE_RENTAL_ID = '9496dae6-e9c7-4f9b-8e24-76e73998f16c';
export const FIXTURE_BUYER_ID = 'c5e1f702-790d-40de-a40a-c8f79c01ee0e';

export function testBot(overrides: Partial<TestBot> & { name: string }): TestBot {
  const hex = (seed: string) => Buffer.from(seed.repeat(64)).toString('hex').slice(0, 64).replace(/[^0-9a-f]/g, 'a');
  return {
    profileId: FIXTURE_BOT_ID,
    ownerId: FIXTURE_OWNER_ID,
    apiKey: `aa_${hex(overrides.name)}`,
    token: `tok-${overrides.name}-${'x'.repeat(40)}`,
    persona: `You are ${overrides.name}, a careful research assistant.`,
    ...overrides,
  };
}

export interface TestHost {
  host: Host;
  url: string;
  dir: string;
  dbPath: string;
  bots: TestBot[];
  logs: string[];
  webhookUrl(bot: TestBot): string;
  post(bot: TestBot | string, body: unknown): Promise<{ status: number; body: any }>;
}

export async function startTestHost(options: {
  bots?: TestBot[];
  platformUrl?: string;
  llmBaseUrl?: string;
  env?: Record<string, string>;
  clock?: Clock;
  dir?: string;
}): Promise<TestHost> {
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'aa-host-test-'));
  const bots = options.bots ?? [testBot({ name: 'research-helper' })];
  mkdirSync(join(dir, 'agents'), { recursive: true });
  mkdirSync(join(dir, 'prompts'), { recursive: true });
  const secretsEnv: Record<string, string> = {};
  for (const bot of bots) {
    const key = bot.name.toUpperCase().replace(/[^A-Z0-9]/g, '_');
    secretsEnv[`${key}_API_KEY`] = bot.apiKey;
    secretsEnv[`${key}_WEBHOOK_TOKEN`] = bot.token;
    writeFileSync(join(dir, 'prompts', `${bot.name}.md`), bot.persona);
    writeFileSync(
      join(dir, 'agents', `${bot.name}.yaml`),
      [
        `profile_id: ${bot.profileId}`,
        ...(bot.ownerId ? [`owner_id: ${bot.ownerId}`] : []),
        `api_key_env: ${key}_API_KEY`,
        `webhook_token_env: ${key}_WEBHOOK_TOKEN`,
        `persona: ../prompts/${bot.name}.md`,
        bot.extra ?? '',
      ].join('\n'),
    );
  }
  const dbPath = join(dir, 'data', 'aa-host.db');
  const env = parseEnv({
    PORT: '0',
    HOST: '127.0.0.1',
    AGENTS_DIR: join(dir, 'agents'),
    DATABASE_URL: `sqlite:${dbPath}`,
    AGENTSACCESS_API: options.platformUrl ?? 'http://127.0.0.1:9/api',
    ...(options.llmBaseUrl ? { OPENAI_BASE_URL: options.llmBaseUrl, OPENAI_API_KEY: 'sk-test-model-key-0000' } : {}),
    LLM_MODEL: 'fake-model',
    LOG_LEVEL: 'debug',
    ...options.env,
  });
  const logs: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, callback) {
      logs.push(...String(chunk).split('\n').filter(Boolean));
      callback();
    },
  });
  const host = await startHost({ env, secretsEnv, log: createLogger({ level: 'debug', destination }), ...(options.clock ? { clock: options.clock } : {}) });
  onTestFinished(async () => {
    await host.stop(2000);
    if (!options.dir) rmSync(dir, { recursive: true, force: true });
  });
  const webhookUrl = (bot: TestBot) => `${host.url}/webhooks/${bot.token}`;
  return {
    host,
    url: host.url,
    dir,
    dbPath,
    bots,
    logs,
    webhookUrl,
    async post(bot, body) {
      const target = typeof bot === 'string' ? `${host.url}/webhooks/${bot}` : webhookUrl(bot);
      const response = await fetch(target, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'User-Agent': 'AgentsAccess-Webhook/1.0' },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      });
      const text = await response.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        // keep text
      }
      return { status: response.status, body: parsed };
    },
  };
}

/** Polls until `check` returns a truthy value; fails with `what` after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => T | Promise<T>, timeoutMs = 5000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
