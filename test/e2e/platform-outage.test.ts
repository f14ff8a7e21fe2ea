import { describe, expect, it } from 'vitest';
import { retryDelayMs } from '../../src/runtime/send-outbox.js';
import { startStack } from '../helpers/stack.js';
import { FIXTURE_BOT_ID, waitFor } from '../helpers/test-host.js';
import { startToggleProxy } from '../helpers/toggle-proxy.js';

describe('when the platform is unreachable', () => {
  it('keeps the reply in the outbox, retries with backoff, and posts it once when the platform is back', async () => {
    let proxy!: Awaited<ReturnType<typeof startToggleProxy>>;
    const s = await startStack({
      env: { RECONCILE_IDLE_INTERVAL_MS: '0', NOTIFICATIONS_INTERVAL_MS: '0' },
      platformUrl: async (simUrl) => {
        proxy = await startToggleProxy(Number(new URL(simUrl).port));
        return `http://127.0.0.1:${proxy.port}/api`;
      },
    });
    const rental = s.sim.startRental({ botId: FIXTURE_BOT_ID, renterId: s.renterId, minutes: 30 });
    await waitFor('the greeting', () => s.botMessages(rental.id).length === 1);

    proxy.down();
    s.sim.postRentalMessage({ rentalId: rental.id, senderId: s.renterId, content: 'still there?' });
    await waitFor('a failed attempt', () => {
      const row = s.host.host.stores.db.prepare(`SELECT last_error FROM outbox WHERE status = 'pending' AND attempts >= 1`).get() as
        | { last_error: string }
        | undefined;
      return row?.last_error.includes('unreachable');
    });
    expect(proxy.refused).toBeGreaterThan(0);
    proxy.up();
    await waitFor('the reply', () => s.botMessages(rental.id).length === 2, 10_000);
    await s.host.host.runtime.whenIdle();
    expect(s.botMessages(rental.id)).toEqual([expect.any(String), 'answer to: still there?']);
    const row = s.host.host.stores.db.prepare(`SELECT status, attempts FROM outbox ORDER BY id DESC LIMIT 1`).get() as { status: string; attempts: number };
    expect(row.status).toBe('sent');
    expect(row.attempts).toBeGreaterThanOrEqual(2);
  });

  it('backs off from 1 s, doubling, capped at 60 s', () => {
    expect([1, 2, 3, 4, 6, 7, 8, 20].map(retryDelayMs)).toEqual([1000, 2000, 4000, 8000, 32000, 60000, 60000, 60000]);
  });
});
