/**
 * The real host as a child process (`aa-host start` through tsx) against the emulator and the
 * fake model, on a fixed port and SQLite file so it can be killed and started again on the same
 * state: for tests of crashes (SIGKILL) and clean shutdowns (SIGTERM).
 */
import Database from 'better-sqlite3';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../commands/cli-process.js';
import { FIXTURE_BOT_ID, FIXTURE_OWNER_ID, type TestBot } from './test-host.js';
import { tsxArgs } from './tsx-node.js';

export interface HostProcess {
  proc: ChildProcess;
  /** The exit code, or the signal that killed it. */
  exited: Promise<NodeJS.Signals | number | null>;
  /** What it wrote (pino JSON lines on stdout, errors on stderr). */
  output(): string;
}

export interface HostProcessSetup {
  port: number;
  dbPath: string;
  start(options?: { failpoints?: string; env?: Record<string, string> }): HostProcess;
  healthy(): Promise<boolean>;
  /** A read-only connection; close it after use. */
  readDb(): Database.Database;
}

export async function hostProcessSetup(options: { bot: TestBot; simUrl: string; modelUrl: string; botYaml?: string; env?: Record<string, string> }): Promise<HostProcessSetup> {
  const dir = mkdtempSync(join(tmpdir(), 'aa-host-process-'));
  mkdirSync(join(dir, 'agents'));
  writeFileSync(join(dir, 'persona.md'), 'You are a careful research assistant.');
  writeFileSync(
    join(dir, 'agents', `${options.bot.name}.yaml`),
    `profile_id: ${FIXTURE_BOT_ID}\nowner_id: ${FIXTURE_OWNER_ID}\napi_key_env: BOT_KEY\nwebhook_token_env: BOT_TOKEN\npersona: ../persona.md\n${options.botYaml ?? ''}\n`,
  );
  const port = await freePort();
  const dbPath = join(dir, 'aa-host.db');
  return {
    port,
    dbPath,
    start(run = {}) {
      const proc = spawn(process.execPath, tsxArgs('src/cli.ts', 'start'), {
        cwd: dir,
        env: {
          PATH: process.env.PATH,
          PORT: String(port),
          HOST: '127.0.0.1',
          AGENTS_DIR: join(dir, 'agents'),
          DATABASE_URL: `sqlite:${dbPath}`,
          AGENTSACCESS_API: options.simUrl,
          OPENAI_BASE_URL: options.modelUrl,
          LLM_MODEL: 'fake-model',
          LLM_TIMEOUT_MS: '60000',
          BOT_KEY: options.bot.apiKey,
          BOT_TOKEN: options.bot.token,
          TIMER_TICK_MS: '50',
          RECONCILE_INTERVAL_MS: '300',
          RECONCILE_IDLE_INTERVAL_MS: '300',
          NOTIFICATIONS_INTERVAL_MS: '500',
          LOG_LEVEL: 'info',
          ...options.env,
          ...run.env,
          ...(run.failpoints ? { AA_FAILPOINTS: run.failpoints } : {}),
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      proc.stderr?.on('data', (chunk) => (output += chunk));
      proc.stdout?.on('data', (chunk) => (output += chunk));
      const exited = new Promise<NodeJS.Signals | number | null>((resolve) => proc.on('exit', (code, signal) => resolve(signal ?? code)));
      return { proc, exited, output: () => output };
    },
    async healthy() {
      try {
        return (await fetch(`http://127.0.0.1:${port}/healthz`)).ok;
      } catch {
        return false;
      }
    },
    readDb: () => new Database(dbPath, { readonly: true }),
  };
}

/** Nothing left to do in the database: no pending event, turn or post. */
export function drained(db: Database.Database): boolean {
  const open = db
    .prepare(
      `SELECT (SELECT count(*) FROM inbox WHERE status = 'pending') + (SELECT count(*) FROM turns WHERE status = 'pending') +
              (SELECT count(*) FROM outbox WHERE status IN ('pending', 'sending')) AS n`,
    )
    .get() as { n: number };
  return open.n === 0;
}
