/** Time as the host reads it: an injectable clock, and platform timestamps as sortable integers. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/**
 * Epoch microseconds of a platform timestamp. `data.created_at` carries microseconds
 * (`2026-05-04T14:01:20.114508+00:00`) and is the only field that orders events (§1.5).
 */
export function toEpochMicros(timestamp: string): number {
  const ms = Date.parse(timestamp);
  if (Number.isNaN(ms)) throw new RangeError(`not a timestamp: ${timestamp}`);
  const fraction = /T\d{2}:\d{2}:\d{2}\.(\d+)/.exec(timestamp)?.[1] ?? '';
  const belowMs = Number((fraction + '000000').slice(3, 6));
  return ms * 1000 + belowMs;
}

export function isoNow(clock: Clock): string {
  return new Date(clock.now()).toISOString();
}
