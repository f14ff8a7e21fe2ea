/**
 * Servers under test run in their own process, so the load generator in the bench process and
 * the server each get a core of the two. A TypeScript entry runs with node + tsx; it reports
 * `{type: 'ready', ...}` over IPC and answers `{type: 'call', id, name}` messages.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { openSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { pathToFileURL } from 'node:url';

export const ROOT = join(import.meta.dirname, '..', '..');
const TSX_LOADER = pathToFileURL(join(ROOT, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;

export interface ChildHandle<Ready> {
  proc: ChildProcess;
  ready: Ready;
  /** performance.now() in the bench process when the child was spawned. */
  spawnedAt: number;
  /** performance.now() in the bench process when 'ready' arrived. */
  readyAt: number;
  call<T>(name: string, payload?: unknown, timeoutMs?: number): Promise<T>;
  /** Asks the child to stop cleanly, then SIGKILLs it after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

export interface StartChildOptions {
  env?: Record<string, string>;
  /** Run a plain JavaScript entry with node alone (no tsx). @default false */
  plainNode?: boolean;
  /** Extra node flags, e.g. --expose-gc or --cpu-prof. */
  nodeFlags?: string[];
  /** Where the child's stdout/stderr go: a file path, or nowhere. @default nowhere */
  logFile?: string;
  readyTimeoutMs?: number;
}

export async function startChild<Ready>(entry: string, options: StartChildOptions = {}): Promise<ChildHandle<Ready>> {
  const out = options.logFile ? openSync(options.logFile, 'a') : 'ignore';
  const spawnedAt = performance.now();
  const proc = fork(isAbsolute(entry) ? entry : join(ROOT, entry), [], {
    execArgv: [...(options.plainNode ? [] : ['--import', TSX_LOADER]), ...(options.nodeFlags ?? [])],
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...options.env },
    stdio: ['ignore', out, out, 'ipc'],
  });
  let nextId = 0;
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  proc.on('message', (message: { type: string; id?: number; value?: unknown; error?: string }) => {
    if (message.type !== 'reply' || message.id === undefined) return;
    const waiter = pending.get(message.id);
    pending.delete(message.id);
    if (message.error) waiter?.reject(new Error(message.error));
    else waiter?.resolve(message.value);
  });
  proc.once('exit', (code, signal) => {
    for (const waiter of pending.values()) waiter.reject(new Error(`${entry} exited (${code ?? signal})`));
    pending.clear();
  });

  const ready = await new Promise<Ready>((resolve, reject) => {
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`${entry} did not report ready within ${options.readyTimeoutMs ?? 60_000} ms`));
    }, options.readyTimeoutMs ?? 60_000);
    proc.on('message', (message: { type: string }) => {
      if (message.type !== 'ready') return;
      clearTimeout(timer);
      resolve(message as Ready);
    });
    proc.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${entry} exited before it was ready (${code ?? signal})${options.logFile ? `; see ${options.logFile}` : ''}`));
    });
  });
  const readyAt = performance.now();

  return {
    proc,
    ready,
    spawnedAt,
    readyAt,
    call<T>(name: string, payload?: unknown, timeoutMs = 60_000): Promise<T> {
      const id = nextId++;
      return new Promise<T>((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(new Error(`${entry}: no answer to ${name} within ${timeoutMs} ms`));
        }, timeoutMs);
        pending.set(id, {
          resolve: (value) => {
            clearTimeout(timer);
            resolve(value as T);
          },
          reject: (error) => {
            clearTimeout(timer);
            reject(error);
          },
        });
        proc.send({ type: 'call', id, name, payload });
      });
    },
    async stop(graceMs = 10_000) {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      if (proc.connected) proc.send({ type: 'call', id: -1, name: 'stop' });
      const timer = setTimeout(() => proc.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** The child side: answers calls by name; 'stop' runs `onStop` and exits. */
export function serveCalls(handlers: Record<string, (payload: unknown) => unknown>, onStop: () => Promise<void>): void {
  process.on('message', (message: { type: string; id: number; name: string; payload?: unknown }) => {
    if (message.type !== 'call') return;
    if (message.name === 'stop') {
      onStop().finally(() => process.exit(0));
      return;
    }
    const handler = handlers[message.name];
    Promise.resolve()
      .then(() => {
        if (!handler) throw new Error(`unknown call ${message.name}`);
        return handler(message.payload);
      })
      .then(
        (value) => process.send?.({ type: 'reply', id: message.id, value }),
        (error: unknown) => process.send?.({ type: 'reply', id: message.id, error: error instanceof Error ? error.message : String(error) }),
      );
  });
  // If the bench process dies, do not linger.
  process.on('disconnect', () => {
    onStop().finally(() => process.exit(0));
  });
}
