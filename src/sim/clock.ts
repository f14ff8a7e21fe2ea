/**
 * The platform clock and its two timestamp formats (CONTRACT conventions):
 * ts-db, as PostgREST prints a timestamptz (`2026-05-04T14:01:20.114508+00:00`), and
 * ts-js, a JavaScript ISO string (`2026-05-04T14:01:20.296Z`).
 */
import { performance } from 'node:perf_hooks';

export interface SimClock {
  /** Microseconds since the epoch; strictly increasing between calls, like row timestamps. */
  nowMicros(): number;
  now(): Date;
  /** The current time as ts-db. */
  nowDb(): string;
  /** The current time as ts-js. */
  nowIso(): string;
  advance(ms: number): void;
  /** Everything passed to `advance` so far (saved with the state, so a loaded clock agrees). */
  advancedMs(): number;
}

/** `drift` is read on every call, so a fault changed mid-test takes effect at once. */
export function createSimClock(drift: () => number, initialAdvanceMs = 0): SimClock {
  let advancedMs = initialAdvanceMs;
  let last = 0;
  const nowMicros = (): number => {
    // performance.now() has sub-millisecond resolution, which gives the microsecond digits
    // that database timestamps carry.
    const realMs = performance.timeOrigin + performance.now();
    const micros = Math.floor((realMs + drift() + advancedMs) * 1000);
    last = micros > last ? micros : last + 1;
    return last;
  };
  return {
    nowMicros,
    now: () => new Date(Math.floor(nowMicros() / 1000)),
    nowDb: () => toTsDb(nowMicros()),
    nowIso: () => new Date(Math.floor(nowMicros() / 1000)).toISOString(),
    advance: (ms) => {
      advancedMs += ms;
    },
    advancedMs: () => advancedMs,
  };
}

/**
 * Postgres prints only the significant fraction digits: `.5` for 500000 µs, none at all
 * for a whole second. A host must parse all three forms, so the emulator produces them.
 */
export function toTsDb(micros: number): string {
  const ms = Math.floor(micros / 1000);
  const base = new Date(ms).toISOString().slice(0, 19);
  const fraction = String(((micros % 1_000_000) + 1_000_000) % 1_000_000)
    .padStart(6, '0')
    .replace(/0+$/, '');
  return `${base}${fraction ? `.${fraction}` : ''}+00:00`;
}

/** Parses a ts-db (or any ISO) string to microseconds. */
export function parseTsDb(text: string): number {
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) throw new Error(`not a timestamp: ${text}`);
  const fraction = /\.(\d+)/.exec(text)?.[1] ?? '';
  const subMs = Number(fraction.padEnd(6, '0').slice(3, 6));
  return ms * 1000 + subMs;
}
