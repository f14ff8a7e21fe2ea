/**
 * Injected faults. They reproduce what the platform can do to a host (CONTRACT §1.9:
 * duplicates, losses, reordering, delays) and what its API can do to a bot (5xx, hangs,
 * a clock that disagrees with ours). All are off by default.
 */
import { z } from 'zod';

const probability = z.number().min(0).max(1);

export const simFaultsSchema = z.object({
  /** Probability that a delivery attempt is sent twice (same payload). */
  duplicate: probability,
  /** Hold deliveries briefly and send them in shuffled order. */
  reorder: z.boolean(),
  /** Extra delay before each delivery attempt, in ms (not scaled). */
  delayMs: z.number().min(0),
  /** Probability that a first attempt is lost: it counts as failed and the retry follows. */
  dropFirst: probability,
  /** Probability that both attempts are lost, so the event never arrives. */
  dropBoth: probability,
  /** Probability that a bot-facing API request answers 503 without doing anything. */
  api5xx: probability,
  /** Bot-facing API requests wait this long before being handled (0 = off). */
  apiHangMs: z.number().min(0),
  /** Added to the platform clock, in ms. */
  clockDriftMs: z.number(),
});

export type SimFaults = z.infer<typeof simFaultsSchema>;

export const noFaults: Readonly<SimFaults> = Object.freeze({
  duplicate: 0,
  reorder: false,
  delayMs: 0,
  dropFirst: 0,
  dropBoth: 0,
  api5xx: 0,
  apiHangMs: 0,
  clockDriftMs: 0,
});

/** Merges partial faults over the defaults; throws a ZodError naming the bad field. */
export function resolveFaults(partial: Partial<SimFaults> | undefined): SimFaults {
  return simFaultsSchema.parse({ ...noFaults, ...partial });
}

/** True with probability `p`. */
export function roll(p: number, random: () => number): boolean {
  return p > 0 && random() < p;
}

/**
 * Shuffles a copy of `items`. With two or more items the result always differs from the
 * input order, so a test that turns `reorder` on can rely on seeing events out of order.
 */
export function shuffleDifferently<T>(items: readonly T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  if (out.length >= 2 && out.every((item, i) => item === items[i])) out.reverse();
  return out;
}
