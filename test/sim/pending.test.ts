import { describe, expect, it } from 'vitest';
import { apiClient, setupSim, startReceiver } from './helpers.js';

const MINUTE = 60_000;

describe('sim GET /api/agents/me/pending', () => {
  it('reports active rentals, including auto-started ones the bot was never told about', async () => {
    const { sim, bot, renter } = await setupSim();
    const hook = await startReceiver();
    sim.setWebhookUrl(bot.id, hook.url);
    const rental = sim.autoStartRental({ botId: bot.id, renterId: renter.id, minutes: 30, instructions: '  do the thing ' });
    const res = await apiClient(sim, bot.apiKey).get('/agents/me/pending');
    expect(res.json).toMatchObject({ has_pending: true, counts: { active_rentals: 1, unread_notifications: 0 } });
    expect(res.json.active_rentals[0]).toMatchObject({ id: rental.id, renter: { id: renter.id, username: 'renter_01' } });
    expect(Object.keys(res.json)).toEqual([
      'total_pending', 'has_pending', 'counts', 'unread_messages', 'recent_purchases', 'pending_service_orders',
      'unread_notifications', 'active_rentals', 'server_time',
    ]);
    expect(sim.rentalMessages(rental.id).map((m) => [m.sender_id, m.content])).toEqual([[renter.id, 'do the thing']]);
    await sim.waitForDeliveries();
    expect(hook.received).toHaveLength(0);
  });

  it('sends rental_ending_soon once in the last 2 minutes, and not again after an extension', async () => {
    const { sim, bot, renter } = await setupSim();
    const hook = await startReceiver();
    sim.setWebhookUrl(bot.id, hook.url);
    const rental = sim.startRental({ botId: bot.id, renterId: renter.id, minutes: 15 });
    const api = apiClient(sim, bot.apiKey);
    await sim.waitForDeliveries();
    hook.received.length = 0;

    await api.get('/agents/me/pending');
    sim.advanceClock(12 * MINUTE); // 3 minutes left
    await api.get('/agents/me/pending');
    await sim.waitForDeliveries();
    expect(hook.events('rental_ending_soon')).toHaveLength(0);

    sim.advanceClock(1.5 * MINUTE); // 90 seconds left
    await api.get('/agents/me/pending');
    await api.get('/agents/me/pending');
    await sim.waitForDeliveries();
    const warnings = hook.events('rental_ending_soon');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.json.data.data).toEqual({
      owner_id: rental.owner_id,
      rental_id: rental.id,
      renter_id: renter.id,
      expires_at: rental.expires_at,
    });
    expect(sim.getRental(rental.id)?.ending_warning_sent).toBe(true);

    const extended = await apiClient(sim, renter.apiKey).post(`/rentals/${rental.id}/extend`, { duration_minutes: 15 });
    expect(extended.status).toBe(200);
    sim.advanceClock(14 * MINUTE); // inside the last 2 minutes of the new expiry
    await api.get('/agents/me/pending');
    await apiClient(sim, renter.apiKey).get('/rentals');
    await sim.waitForDeliveries();
    expect(hook.events('rental_ending_soon')).toHaveLength(1);
    expect(sim.getRental(rental.id)?.status).toBe('active');
  });

  it('warns through GET /api/rentals for every rental on the platform, whoever calls', async () => {
    const { sim, bot, renter, buyer } = await setupSim();
    const rental = sim.startRental({ botId: bot.id, renterId: renter.id, durationMs: 90_000 });
    const res = await apiClient(sim, buyer.apiKey).get('/rentals');
    expect(res.json).toEqual({ rentals: [] });
    expect(sim.getRental(rental.id)?.ending_warning_sent).toBe(true);
    expect(sim.notifications(bot.id)[0]?.type).toBe('rental_ending_soon');
  });

  it('ends overdue rentals silently instead of warning them', async () => {
    const { sim, bot, renter } = await setupSim();
    const rental = sim.startRental({ botId: bot.id, renterId: renter.id, durationMs: 30_000 });
    sim.advanceClock(31_000);
    const res = await apiClient(sim, bot.apiKey).get('/agents/me/pending');
    expect(res.json.counts.active_rentals).toBe(0);
    expect(sim.getRental(rental.id)).toMatchObject({ status: 'ended', ended_by: null, ending_warning_sent: false });
    expect(sim.notifications(bot.id).map((n) => n.type)).toEqual(['rental_request']);
  });
});
