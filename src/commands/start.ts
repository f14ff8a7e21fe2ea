/** `aa-host start`: run the host until SIGTERM/SIGINT, then shut down within 10 seconds. */
import { existsSync } from 'node:fs';
import { parseEnv } from '../config/env.js';
import { startHost } from '../server.js';

/** Leave room under the 10 s that process managers usually allow after SIGTERM. */
const SHUTDOWN_GRACE_MS = 8000;
const HARD_EXIT_MS = 9500;

export async function runStart(): Promise<void> {
  if (existsSync('.env')) process.loadEnvFile('.env');
  const env = parseEnv(process.env);
  const host = await startHost({ env, secretsEnv: process.env });
  for (const url of host.bots.all.map((bot) => `${bot.name}: POST ${host.url}/webhooks/<${bot.name}'s token>`)) host.log.info(url);
  let signals = 0;
  const shutdown = (signal: string) => {
    signals++;
    if (signals > 1) process.exit(1);
    host.log.info({ signal }, 'shutting down: no new webhooks; letting running turns finish');
    setTimeout(() => {
      host.log.error('shutdown took too long; exiting (unfinished work resumes at the next start)');
      process.exit(1);
    }, HARD_EXIT_MS).unref();
    host.stop(SHUTDOWN_GRACE_MS).then(
      () => process.exit(0),
      (err: unknown) => {
        host.log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}
