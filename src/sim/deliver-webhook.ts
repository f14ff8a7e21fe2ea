/**
 * Webhook delivery as `src/lib/notify.ts` does it (CONTRACT §1.3, §1.4): a detached POST
 * with a timeout that covers the response headers only, success on any 2xx, redirects
 * followed, and on failure exactly one retry with the identical body after the retry
 * delay. Then the event is dropped. Faults bend this on purpose.
 */
import { roll, shuffleDifferently, type SimFaults } from './faults.js';
import { createSleeper } from './sleeper.js';
import type { SimDelivery } from './types.js';

/** Platform constants before `timeScale`. */
export const WEBHOOK_TIMEOUT_MS = 10_000;
export const WEBHOOK_RETRY_DELAY_MS = 30_000;
/** How long `reorder` holds deliveries, and the gap between the shuffled sends (real ms). */
const REORDER_HOLD_MS = 40;
const REORDER_GAP_MS = 15;

const MASK = '***';
/** A lone path segment this long could be the token itself (`https://host/<token>`). */
const SECRET_SEGMENT_LENGTH = 16;

/**
 * A webhook URL as the emulator logs it. Hosts put their secret in the path (aa-host:
 * `/webhooks/<token>`; CONTRACT §6.7 item 1 says to), so only the origin and the first path
 * segment are kept: `http://127.0.0.1:8080/webhooks/***`. The rest of the path and any query
 * are masked, user info is dropped, and a lone long first segment is masked too.
 */
export function maskWebhookUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return MASK;
  }
  const [first, ...rest] = parsed.pathname.split('/').filter(Boolean);
  let path = '/';
  if (first !== undefined) {
    path = first.length >= SECRET_SEGMENT_LENGTH ? `/${MASK}` : `/${first}${rest.length > 0 ? `/${MASK}` : ''}`;
  }
  return `${parsed.origin}${path}${parsed.search ? `?${MASK}` : ''}`;
}

/** `text` (e.g. a fetch error, which can quote the URL) with the URL and each secret part of it masked. */
export function redactUrl(text: string, url: string): string {
  let out = text.split(url).join(maskWebhookUrl(url));
  let secrets: string[] = [];
  try {
    const parsed = new URL(url);
    const [first, ...rest] = parsed.pathname.split('/').filter(Boolean);
    secrets = [...rest, parsed.search.slice(1), parsed.username, parsed.password];
    if (first !== undefined && first.length >= SECRET_SEGMENT_LENGTH) secrets.push(first);
  } catch {
    secrets = [url];
  }
  for (const secret of secrets.filter((part) => part.length >= 4)) out = out.split(secret).join(MASK);
  return out;
}

export type TestResult = { ok: boolean; status: number } | { ok: false; error: string };

export interface Deliverer {
  /** Detached delivery with one retry; never throws. */
  send(url: string, payload: { event: string }): void;
  /** One awaited attempt with no retry and no faults, for `webhook.test`. */
  sendOnce(url: string, payload: { event: string }): Promise<TestResult>;
  /** Resolves when nothing is in flight, held, or waiting for a retry. */
  idle(): Promise<void>;
  /** Aborts in-flight requests and cancels held sends and retries. */
  close(): void;
}

export interface DelivererDeps {
  timeScale: number;
  faults: () => SimFaults;
  random: () => number;
  record: (delivery: SimDelivery) => void;
  log?: ((line: string) => void) | undefined;
}

export function createDeliverer(deps: DelivererDeps): Deliverer {
  const timeoutMs = WEBHOOK_TIMEOUT_MS * deps.timeScale;
  const retryDelayMs = WEBHOOK_RETRY_DELAY_MS * deps.timeScale;
  let closed = false;
  let inFlight = 0;
  let idleWaiters: Array<() => void> = [];
  const controllers = new Set<AbortController>();
  let held: Array<() => void> = [];
  const { sleep, wakeAll } = createSleeper();

  const begin = (): void => {
    inFlight++;
  };
  const end = (): void => {
    inFlight--;
    if (inFlight === 0) {
      const waiters = idleWaiters;
      idleWaiters = [];
      for (const wake of waiters) wake();
    }
  };

  async function attempt(
    url: string,
    event: string,
    body: string,
    n: 1 | 2,
    options: { lost?: boolean; duplicate?: boolean; noFaults?: boolean } = {},
  ): Promise<TestResult> {
    const extraDelay = options.noFaults ? 0 : deps.faults().delayMs;
    if (extraDelay > 0) await sleep(extraDelay);
    if (closed) return { ok: false, error: 'emulator closed' };
    const record: SimDelivery = { url, event, payload: JSON.parse(body), body, attempt: n, startedAt: new Date() };
    if (options.duplicate) record.duplicate = true;
    deps.record(record);
    const result = options.lost ? { ok: false as const, error: 'lost (injected fault)' } : await post(url, body);
    record.finishedAt = new Date();
    if ('status' in result) record.status = result.status;
    else record.error = result.error;
    // The log shows where it went, never the secret in the URL (the record keeps the real URL).
    deps.log?.(
      `webhook ${event} -> ${maskWebhookUrl(url)} attempt ${n}${options.duplicate ? ' (duplicate)' : ''}: ` +
        `${'status' in result ? result.status : redactUrl(result.error, url)} ` +
        `(${record.finishedAt.getTime() - record.startedAt.getTime()} ms)`,
    );
    return result;
  }

  async function post(url: string, body: string): Promise<TestResult> {
    const controller = new AbortController();
    controllers.add(controller);
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'User-Agent': 'AgentsAccess-Webhook/1.0' },
        body,
        signal: controller.signal,
      });
      // The platform never reads the body; cancelling frees the connection.
      res.body?.cancel().catch(() => {});
      return { ok: res.ok, status: res.status };
    } catch (err) {
      return { ok: false, error: err instanceof Error ? err.message : String(err) };
    } finally {
      clearTimeout(timer);
      controllers.delete(controller);
    }
  }

  async function deliverWithRetry(url: string, event: string, body: string): Promise<void> {
    const faults = deps.faults();
    const loseBoth = roll(faults.dropBoth, deps.random);
    const loseFirst = loseBoth || roll(faults.dropFirst, deps.random);
    if (roll(faults.duplicate, deps.random)) {
      begin();
      void attempt(url, event, body, 1, { duplicate: true }).finally(end);
    }
    const first = await attempt(url, event, body, 1, { lost: loseFirst });
    if (first.ok || closed) return;
    await sleep(retryDelayMs);
    if (closed) return;
    await attempt(url, event, body, 2, { lost: loseBoth });
  }

  function flushHeld(): void {
    const batch = shuffleDifferently(held, deps.random);
    held = [];
    // Stagger the starts so arrival order follows the shuffled order.
    batch.forEach((start, i) => {
      if (i === 0) start();
      else void sleep(i * REORDER_GAP_MS).then(start);
    });
  }

  return {
    send(url, payload) {
      if (closed) return;
      const body = JSON.stringify(payload);
      begin();
      const start = (): void => {
        if (closed) return end();
        void deliverWithRetry(url, payload.event, body).finally(end);
      };
      if (!deps.faults().reorder) return start();
      held.push(start);
      if (held.length === 1) void sleep(REORDER_HOLD_MS).then(flushHeld);
    },

    async sendOnce(url, payload) {
      begin();
      try {
        return await attempt(url, payload.event, JSON.stringify(payload), 1, { noFaults: true });
      } finally {
        end();
      }
    },

    idle() {
      if (inFlight === 0) return Promise.resolve();
      return new Promise((resolve) => idleWaiters.push(resolve));
    },

    close() {
      closed = true;
      for (const controller of controllers) controller.abort();
      wakeAll();
      // Held sends see `closed` and only release their in-flight count.
      flushHeld();
    },
  };
}
