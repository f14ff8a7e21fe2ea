import { describe, expect, it } from 'vitest';
import { apiClient, setupSim, startReceiver } from './helpers.js';

describe('sim rentals: starting and reading', () => {
  it('starts a direct rental with POST /api/rentals and returns the full row from GET /api/rentals/{id}', async () => {
    const { sim, bot, renter, owner } = await setupSim();
    const start = await apiClient(sim, renter.apiKey).post('/rentals', { bot_id: bot.id, duration_minutes: 30 });
    expect(start.status).toBe(201);
    expect(start.json).toEqual({
      ok: true,
      rental_id: expect.any(String),
      cost_aa: 10,
      fee_aa: 1,
      owner_gets_aa: 9,
      minutes: 30,
    });
    const row = await apiClient(sim, bot.apiKey).get(`/rentals/${start.json.rental_id}`);
    expect(row.status).toBe(200);
    expect(row.json).toMatchObject({
      id: start.json.rental_id,
      bot_id: bot.id,
      owner_id: owner.id,
      renter_id: renter.id,
      status: 'active',
      ended_by: null,
      total_minutes: 30,
      ending_warning_sent: false,
      bot: { id: bot.id, username: bot.username, bio: null },
      renter: { id: renter.id, username: 'renter_01' },
      review: null,
    });
    const lengthMs = Date.parse(row.json.expires_at) - Date.parse(row.json.started_at);
    expect(lengthMs).toBe(30 * 60_000);

    const again = await apiClient(sim, renter.apiKey).post('/rentals', { bot_id: bot.id });
    expect(again.json).toEqual({ error: 'Bot is not available for rent' });
    const own = await apiClient(sim, owner.apiKey).post('/rentals', { bot_id: bot.id });
    expect(own.status).toBe(400);
    const short = await apiClient(sim, renter.apiKey).post('/rentals', { bot_id: bot.id, duration_minutes: 10 });
    expect(short.json).toEqual({ error: 'duration_minutes must be at least 15' });
  });

  it('keeps the transcript to participants: 404 for an unknown rental, 403 for a stranger', async () => {
    const { sim, bot, renter, buyer } = await setupSim();
    const rental = sim.startRental({ botId: bot.id, renterId: renter.id });
    expect((await apiClient(sim, buyer.apiKey).get(`/rentals/${rental.id}/messages`)).json).toEqual({ error: 'Not authorized' });
    const missing = await apiClient(sim, bot.apiKey).get('/rentals/00000000-0000-4000-8000-000000000000/messages');
    expect(missing.status).toBe(404);
    expect(missing.json).toEqual({ error: 'Rental not found' });
  });
});

describe('sim rentals: queue starts', () => {
  it('fails a queue start whose instructions exceed the 2000-char chat limit, creating nothing', async () => {
    const { sim, bot, renter2 } = await setupSim();
    expect(() => sim.queueConfirmRental({ botId: bot.id, renterId: renter2.id, instructions: 'i'.repeat(2001) })).toThrow(
      expect.objectContaining({ status: 500 }),
    );
    expect(sim.notifications(bot.id)).toHaveLength(0);
    const list = await apiClient(sim, bot.apiKey).get('/rentals');
    expect(list.json).toEqual({ rentals: [] });
  });

  it('lists rentals for the bot, newest first, including ended ones', async () => {
    const { sim, bot, renter, renter2 } = await setupSim();
    const first = sim.startRental({ botId: bot.id, renterId: renter.id });
    sim.endRental({ rentalId: first.id, byId: renter.id });
    const second = sim.autoStartRental({ botId: bot.id, renterId: renter2.id });
    const list = await apiClient(sim, bot.apiKey).get('/rentals');
    expect(list.json.rentals.map((r: { id: string; status: string }) => [r.id, r.status])).toEqual([
      [second.id, 'active'],
      [first.id, 'ended'],
    ]);
    expect(Object.keys(list.json.rentals[0].bot)).toEqual(['id', 'username', 'display_name', 'avatar_url', 'capabilities']);
  });
});

describe('sim rentals: transcript POST rules', () => {
  it('accepts 2000 characters once trimmed and refuses 2001', async () => {
    const { sim, bot, renter } = await setupSim();
    const rental = sim.startRental({ botId: bot.id, renterId: renter.id });
    const api = apiClient(sim, bot.apiKey);
    const exact = 'x'.repeat(2000);
    const accepted = await api.post(`/rentals/${rental.id}/messages`, { content: `  ${exact}\n ` });
    expect(accepted.status).toBe(201);
    expect(accepted.json.message).toMatchObject({ rental_id: rental.id, sender_id: bot.id, content: exact });
    expect(accepted.json.message.sender).toEqual({
      id: bot.id,
      username: bot.username,
      display_name: 'Research Helper',
      user_type: 'agent',
      avatar_url: null,
    });
    const refused = await api.post(`/rentals/${rental.id}/messages`, { content: 'x'.repeat(2001) });
    expect(refused.status).toBe(400);
    expect(refused.json).toEqual({ error: 'Message too long (max 2000 characters)' });
    expect((await api.post(`/rentals/${rental.id}/messages`, { content: '   ' })).json).toEqual({ error: 'content is required' });
    expect((await api.post(`/rentals/${rental.id}/messages`, '{not json')).json).toEqual({ error: 'Invalid JSON body' });
  });

  it('refuses posts to an ended rental before parsing the body', async () => {
    const { sim, bot, renter } = await setupSim();
    const rental = sim.startRental({ botId: bot.id, renterId: renter.id });
    expect((await apiClient(sim, renter.apiKey).delete(`/rentals/${rental.id}`)).json).toEqual({
      ok: true,
      promotion: { ok: false, reason: 'queue_empty' },
    });
    const res = await apiClient(sim, bot.apiKey).post(`/rentals/${rental.id}/messages`, '{not json');
    expect(res.status).toBe(400);
    expect(res.json).toEqual({ error: 'Cannot message in an ended rental' });
  });

  it('still accepts posts after expires_at until a sweeping GET ends the rental silently', async () => {
    const { sim, bot, renter } = await setupSim();
    const hook = await startReceiver();
    sim.setWebhookUrl(bot.id, hook.url);
    const rental = sim.startRental({ botId: bot.id, renterId: renter.id, durationMs: 60_000 });
    const api = apiClient(sim, bot.apiKey);
    sim.advanceClock(61_000);

    const overdue = await api.post(`/rentals/${rental.id}/messages`, { content: 'still here' });
    expect(overdue.status).toBe(201);
    // The transcript GET does not sweep.
    await api.get(`/rentals/${rental.id}/messages`);
    expect(sim.getRental(rental.id)?.status).toBe('active');

    const swept = await api.get(`/rentals/${rental.id}`);
    expect(swept.json).toMatchObject({ status: 'ended', ended_by: null });
    expect(Date.parse(swept.json.ended_at)).toBeGreaterThanOrEqual(Date.parse(swept.json.expires_at));
    const after = await api.post(`/rentals/${rental.id}/messages`, { content: 'too late' });
    expect(after.status).toBe(400);
    expect(after.json).toEqual({ error: 'Cannot message in an ended rental' });

    await sim.waitForDeliveries();
    expect(hook.events('rental_ended')).toHaveLength(0);
  });

  it('tells the bot about renter and owner posts, never about its own', async () => {
    const { sim, bot, renter, owner } = await setupSim();
    const rental = sim.startRental({ botId: bot.id, renterId: renter.id });
    const before = sim.notifications(bot.id).length;
    await apiClient(sim, renter.apiKey).post(`/rentals/${rental.id}/messages`, { content: 'from the renter' });
    await apiClient(sim, owner.apiKey).post(`/rentals/${rental.id}/messages`, { content: 'from the owner' });
    await apiClient(sim, bot.apiKey).post(`/rentals/${rental.id}/messages`, { content: 'from the bot' });
    const events = sim.notifications(bot.id).slice(0, sim.notifications(bot.id).length - before);
    expect(events.map((n) => [n.type, n.data?.content])).toEqual([
      ['rental_message', 'from the owner'],
      ['rental_message', 'from the renter'],
    ]);
    expect(sim.rentalMessages(rental.id).map((m) => m.content)).toEqual(['from the renter', 'from the owner', 'from the bot']);
  });
});

describe('sim rentals: ending and extending', () => {
  it('lets the renter or owner end a rental, not the bot', async () => {
    const { sim, bot, renter, owner } = await setupSim();
    const rental = sim.startRental({ botId: bot.id, renterId: renter.id });
    const byBot = await apiClient(sim, bot.apiKey).delete(`/rentals/${rental.id}`);
    expect(byBot.status).toBe(400);
    expect(byBot.json).toEqual({ error: 'Not authorized' });
    expect((await apiClient(sim, owner.apiKey).delete(`/rentals/${rental.id}`)).status).toBe(200);
    expect(sim.getRental(rental.id)).toMatchObject({ status: 'ended', ended_by: owner.id });
    expect((await apiClient(sim, renter.apiKey).delete(`/rentals/${rental.id}`)).json).toEqual({ error: 'Rental is not active' });
    const ended = sim.notifications(bot.id)[0];
    expect(ended).toMatchObject({ type: 'rental_ended', data: { ended_by: owner.id, rental_id: rental.id } });
  });

  it('extends for the renter only, from the current expiry, without any event', async () => {
    const { sim, bot, renter } = await setupSim();
    const rental = sim.startRental({ botId: bot.id, renterId: renter.id, minutes: 15 });
    const inboxBefore = sim.notifications(bot.id).length;
    expect((await apiClient(sim, bot.apiKey).post(`/rentals/${rental.id}/extend`, { duration_minutes: 15 })).json).toEqual({
      error: 'Only the renter can extend',
    });
    const res = await apiClient(sim, renter.apiKey).post(`/rentals/${rental.id}/extend`, { duration_minutes: 30 });
    expect(res.json).toMatchObject({ ok: true, minutes_added: 30, cost_aa: 10, fee_aa: 1 });
    expect(Date.parse(res.json.new_expires_at) - Date.parse(rental.expires_at)).toBe(30 * 60_000);
    expect(sim.getRental(rental.id)?.total_minutes).toBe(45);
    expect(sim.notifications(bot.id)).toHaveLength(inboxBefore);
  });
});
