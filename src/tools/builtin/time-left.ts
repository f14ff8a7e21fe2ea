import { z } from 'zod';
import { defineTool, ToolError } from '../tool.js';
import type { ToolContext } from '../tool-context.js';

/** The platform warns at two minutes before the end (CONTRACT §4.5): the window when the host gives none. */
export const DEFAULT_ENDING_SOON_MS = 120_000;

/** The host's warning window (RENTAL_WARNING_MS), so `ending_soon` agrees with the host's own rental clock. */
function endingSoonMs(context: ToolContext): number {
  const window = context.rentalWarningMs;
  return typeof window === 'number' && Number.isFinite(window) && window >= 0 ? window : DEFAULT_ENDING_SOON_MS;
}

export function timeLeftTool() {
  return defineTool({
    name: 'time_left',
    description:
      'How much time is left in this rental. Use it before starting a long piece of work, and wrap up when it says ending_soon.',
    parameters: z.object({}),
    effects: 'none',
    async execute(_args, context) {
      const channel = context.channel;
      if (channel.kind !== 'rental') throw new ToolError('this conversation is not a rental; it has no clock');
      // Re-read the rental: an extension moves expires_at and fires no event (CONTRACT §4.6).
      let expiresAt = channel.expiresAt;
      let ended = false;
      let source: 'platform' | 'host' = 'host';
      try {
        const reply = await context.platform({
          method: 'GET',
          path: `/rentals/${encodeURIComponent(channel.rentalId)}`,
          ...(context.signal ? { signal: context.signal } : {}),
        });
        const body = reply.body as { expires_at?: unknown; status?: unknown } | null;
        if (reply.status === 200 && body && typeof body === 'object') {
          if (typeof body.expires_at === 'string' && !Number.isNaN(Date.parse(body.expires_at))) {
            expiresAt = body.expires_at;
            source = 'platform';
          }
          ended = body.status === 'ended';
        }
      } catch (error) {
        if (context.signal?.aborted) throw error;
        // unreachable: the expiry the host knows is the best answer
      }
      if (!expiresAt) return { known: false, message: 'The rental end time is not known yet.' };
      const msLeft = Math.max(0, Date.parse(expiresAt) - context.clock.now());
      return {
        known: true,
        expires_at: new Date(expiresAt).toISOString(),
        seconds_left: Math.floor(msLeft / 1000),
        minutes_left: Math.floor(msLeft / 60_000),
        ending_soon: msLeft <= endingSoonMs(context),
        ended: ended || msLeft === 0,
        source,
      };
    },
  });
}
