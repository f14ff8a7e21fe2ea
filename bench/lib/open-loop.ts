/**
 * Open-loop load: requests leave on a fixed schedule whether or not earlier ones were answered,
 * as the platform's deliveries do. Latency is measured from each request's scheduled time, so a
 * stalled server (or a stalled generator) shows up in the figures instead of slowing the load
 * (no coordinated omission). Bounded by count, by time and by the number in flight.
 */
import { Agent, request } from 'node:http';
import { summarize, type LatencySummary } from './stats.js';

export interface OpenLoopOptions {
  /** Where to POST; a function gives each request its own (e.g. one bot's webhook URL each). */
  url: string | ((i: number) => string);
  ratePerSec: number;
  durationMs: number;
  /** The i-th request's body. */
  body: (i: number) => string;
  /** The i-th request left at `at` (performance.now()); its answer, when it came. */
  onSent?: (i: number, at: number) => void;
  onAnswer?: (i: number, status: number | undefined, at: number) => void;
  /** A request not answered within this is counted as a timeout. @default 10000 (the platform's limit) */
  timeoutMs?: number;
  /** Past this many in flight, scheduled requests are not sent and count as shed. @default 4000 */
  maxInFlight?: number;
}

export interface OpenLoopResult {
  ratePerSec: number;
  scheduled: number;
  /** Answered with 2xx. */
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  shed: number;
  /** 2xx answers per second, from the first send to the last answer (or the schedule's end). */
  okPerSec: number;
  /** Of 2xx answers, ms from the scheduled send to the end of the answer. */
  latency: LatencySummary;
}

export async function openLoop(options: OpenLoopOptions): Promise<OpenLoopResult> {
  const parsed = new Map<string, URL>();
  const urlOf = (i: number): URL => {
    const text = typeof options.url === 'string' ? options.url : options.url(i);
    let url = parsed.get(text);
    if (!url) parsed.set(text, (url = new URL(text)));
    return url;
  };
  const timeoutMs = options.timeoutMs ?? 10_000;
  const maxInFlight = options.maxInFlight ?? 4000;
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  const total = Math.round((options.ratePerSec * options.durationMs) / 1000);
  const intervalMs = 1000 / options.ratePerSec;
  const latencies: number[] = [];
  const result = { ok: 0, non2xx: 0, errors: 0, timeouts: 0, shed: 0 };
  let inFlight = 0;
  let next = 0;
  let lastAnswerAt = 0;
  let settle!: () => void;
  const allSettled = new Promise<void>((resolve) => (settle = resolve));
  const finishOne = () => {
    inFlight--;
    if (next >= total && inFlight === 0) settle();
  };

  const send = (i: number, scheduledAt: number) => {
    if (inFlight >= maxInFlight) {
      result.shed++;
      return;
    }
    inFlight++;
    const body = options.body(i);
    const url = urlOf(i);
    let done = false;
    const end = (outcome: 'ok' | 'non2xx' | 'errors' | 'timeouts', status?: number) => {
      if (done) return;
      done = true;
      result[outcome]++;
      lastAnswerAt = performance.now();
      if (outcome === 'ok') latencies.push(lastAnswerAt - scheduledAt);
      options.onAnswer?.(i, status, lastAnswerAt);
      finishOne();
    };
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'user-agent': 'AgentsAccess-Webhook/1.0' },
      },
      (res) => {
        res.resume();
        res.on('end', () => end(res.statusCode !== undefined && res.statusCode >= 200 && res.statusCode < 300 ? 'ok' : 'non2xx', res.statusCode));
        res.on('error', () => end('errors'));
      },
    );
    req.setTimeout(timeoutMs, () => {
      end('timeouts');
      req.destroy();
    });
    req.on('error', () => end('errors'));
    options.onSent?.(i, performance.now());
    req.end(body);
  };

  const start = performance.now();
  await new Promise<void>((resolve) => {
    const tick = () => {
      const due = Math.min(total, Math.floor((performance.now() - start) / intervalMs) + 1);
      while (next < due) {
        send(next, start + next * intervalMs);
        next++;
      }
      if (next >= total) resolve();
      else setTimeout(tick, 1);
    };
    tick();
  });
  if (inFlight === 0) settle();
  await allSettled;
  agent.destroy();
  return {
    ratePerSec: options.ratePerSec,
    scheduled: total,
    ...result,
    okPerSec: result.ok / (Math.max(options.durationMs, lastAnswerAt - start) / 1000),
    latency: summarize(latencies),
  };
}
