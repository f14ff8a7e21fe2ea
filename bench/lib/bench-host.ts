/**
 * Bot files, personas and secrets in a temp dir, and the real host started on them in a child
 * process (bench/lib/host-main.ts) with a real SQLite file on disk.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hostBundle } from './build-host.js';
import { startChild, type ChildHandle } from './child.js';
import type { HostReady } from './host-main.js';

export interface BenchBot {
  name: string;
  profileId: string;
  ownerId: string;
  apiKey: string;
  token: string;
  /** The variable names the bot file points at. */
  keyEnv: string;
  tokenEnv: string;
}

export function makeBots(count: number): BenchBot[] {
  return Array.from({ length: count }, (_, i) => {
    const name = `bench-bot-${String(i).padStart(3, '0')}`;
    const varName = name.toUpperCase().replace(/[^A-Z0-9]/g, '_');
    return {
      name,
      profileId: randomUUID(),
      ownerId: randomUUID(),
      apiKey: `aa_${randomBytes(32).toString('hex')}`,
      token: `tok_${randomBytes(24).toString('hex')}`,
      keyEnv: `${varName}_API_KEY`,
      tokenEnv: `${varName}_WEBHOOK_TOKEN`,
    };
  });
}

export function makeBenchDir(label: string): string {
  return mkdtempSync(join(tmpdir(), `aa-bench-${label}-`));
}

/** Removes a bench's temp dir, unless BENCH_KEEP is set (to read the host's log and database). */
export function removeDir(dir: string): void {
  if (process.env.BENCH_KEEP) process.stderr.write(`kept ${dir}\n`);
  else rmSync(dir, { recursive: true, force: true });
}

/** Writes one bot file per bot; `yaml` is appended to each (limits, fallback…). Returns the secrets. */
export function writeBotFiles(dir: string, bots: BenchBot[], yaml = ''): Record<string, string> {
  mkdirSync(join(dir, 'agents'), { recursive: true });
  writeFileSync(join(dir, 'persona.md'), 'You are a careful research assistant. Answer briefly.');
  const secrets: Record<string, string> = {};
  for (const bot of bots) {
    secrets[bot.keyEnv] = bot.apiKey;
    secrets[bot.tokenEnv] = bot.token;
    writeFileSync(
      join(dir, 'agents', `${bot.name}.yaml`),
      [
        `profile_id: ${bot.profileId}`,
        `owner_id: ${bot.ownerId}`,
        `api_key_env: ${bot.keyEnv}`,
        `webhook_token_env: ${bot.tokenEnv}`,
        'persona: ../persona.md',
        yaml,
      ].join('\n'),
    );
  }
  return secrets;
}

export const dbPathIn = (dir: string) => join(dir, 'data', 'aa-host.db');

export interface BenchHost extends ChildHandle<HostReady> {
  url: string;
  webhookUrl(bot: BenchBot): string;
}

export interface StartBenchHostOptions {
  dir: string;
  secrets: Record<string, string>;
  platformUrl: string;
  /** OPENAI_BASE_URL of the fake model; without it the bots answer with their fallback replies. */
  modelUrl?: string;
  /** Overrides of the host's environment (SQLITE_SYNCHRONOUS, LLM_MAX_CONCURRENCY…). */
  env?: Record<string, string>;
  nodeFlags?: string[];
  logFile?: string;
}

/** The environment the bench hosts run with: production defaults except where a bench says otherwise. */
export function benchHostEnv(options: Omit<StartBenchHostOptions, 'secrets' | 'nodeFlags' | 'logFile'>): Record<string, string> {
  return {
    PORT: '0',
    HOST: '127.0.0.1',
    AGENTS_DIR: join(options.dir, 'agents'),
    DATABASE_URL: `sqlite:${dbPathIn(options.dir)}`,
    AGENTSACCESS_API: options.platformUrl,
    ...(options.modelUrl ? { OPENAI_BASE_URL: options.modelUrl, OPENAI_API_KEY: 'sk-bench-0000' } : {}),
    LLM_MODEL: 'fake-model',
    LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'info',
    ...options.env,
  };
}

/** With BENCH_CPU_PROF=<dir>, every bench host writes a V8 CPU profile there when it stops (node --cpu-prof). */
const profileFlags = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];

export async function startBenchHost(options: StartBenchHostOptions): Promise<BenchHost> {
  const nodeFlags = [...profileFlags, ...(options.nodeFlags ?? [])];
  const bundle = hostBundle();
  const child = await startChild<HostReady>(bundle ?? 'bench/lib/host-main.ts', {
    plainNode: bundle !== null,
    env: { BENCH_HOST_ENV: JSON.stringify(benchHostEnv(options)), BENCH_HOST_SECRETS: JSON.stringify(options.secrets) },
    nodeFlags,
    ...(options.logFile ? { logFile: options.logFile } : {}),
  });
  return { ...child, url: child.ready.url, webhookUrl: (bot) => `${child.ready.url}/webhooks/${bot.token}` };
}
