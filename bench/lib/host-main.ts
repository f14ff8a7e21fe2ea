/**
 * A child process running the real host (startHost, as `aa-host start` does) from the
 * environment in BENCH_HOST_ENV and the secrets in BENCH_HOST_SECRETS. Logs go to stdout at
 * LOG_LEVEL, as in production. Answers 'memory' (after a full GC when run with --expose-gc).
 */
import { parseEnv } from '../../src/config/env.js';
import { startHost } from '../../src/server.js';
import { serveCalls } from './child.js';

export interface HostReady {
  type: 'ready';
  url: string;
  /** ms from this process's start to the call of startHost (module loading). */
  loadedAtMs: number;
  /** ms from this process's start until startHost resolved (listening, backlog kicked). */
  listeningAtMs: number;
}

export interface MemoryFigures {
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
}

const loadedAtMs = performance.now();
const env = parseEnv(JSON.parse(process.env.BENCH_HOST_ENV ?? '{}') as Record<string, string>);
const secretsEnv = JSON.parse(process.env.BENCH_HOST_SECRETS ?? '{}') as Record<string, string>;
const host = await startHost({ env, secretsEnv });
const listeningAtMs = performance.now();

serveCalls(
  {
    memory: async (): Promise<MemoryFigures> => {
      const gc = (globalThis as { gc?: () => void }).gc;
      if (gc) {
        // Twice, with a turn of the loop between: weak references and finalizers settle.
        gc();
        await new Promise((resolve) => setImmediate(resolve));
        gc();
      }
      const { rss, heapUsed, heapTotal, external, arrayBuffers } = process.memoryUsage();
      return { rss, heapUsed, heapTotal, external, arrayBuffers };
    },
  },
  () => host.stop(5000),
);
process.send?.({ type: 'ready', url: host.url, loadedAtMs, listeningAtMs } satisfies HostReady);
