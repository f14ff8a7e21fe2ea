import { describe, expect, it, onTestFinished } from 'vitest';
import { startSim, type Sim, type SimOptions } from '../../src/sim/index.js';
import { apiClient, startReceiver } from './helpers.js';

async function controlSim(options: SimOptions = {}): Promise<Sim> {
  const sim = await startSim({ timeScale: 0.02, control: true, ...options });
  onTestFinished(() => sim.close());
  return sim;
}

/** A client for /_sim: no key, JSON both ways. */
function control(sim: Sim) {
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${sim.origin}/_sim${path}`, {
      method,
      ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } }),
    });
    const text = await res.text();
    return { status: res.status, json: text ? JSON.parse(text) : undefined };
  };
  return {
    get: (path: string) => call('GET', path),
    post: (path: string, body?: unknown) => call('POST', path, body ?? {}),
    patch: (path: string, body: unknown) => call('PATCH', path, body),
  };
}

describe('sim control API (/_sim)', () => {
  it('is not served unless asked for: the platform has no such routes', async () => {
    const sim = await startSim({ timeScale: 0.02 });
    onTestFinished(() => sim.close());
    expect((await control(sim).get('')).status).toBe(404);
    expect((await control(sim).post('/humans', { username: 'alice' })).status).toBe(404);
  });

  it('lists its routes', async () => {
    const sim = await controlSim();
    const index = await control(sim).get('');
    expect(index.status).toBe(200);
    expect(index.json.routes).toEqual(expect.arrayContaining([expect.stringMatching(/^POST \/_sim\/rentals /), expect.stringMatching(/^PATCH \/_sim\/faults /)]));
  });

  it('creates humans and bots whose keys work on the bot-facing API, and refuses bad bodies with the field', async () => {
    const sim = await controlSim();
    const ctl = control(sim);
    const owner = await ctl.post('/humans', { username: 'owner' });
    expect(owner.status).toBe(201);
    expect(owner.json.api_key).toMatch(/^aa_[0-9a-f]{64}$/);
    const key = `aa_${'ab'.repeat(32)}`;
    const botId = '3c02559b-3c42-4cdd-b64e-2ec636ec8a8f';
    const bot = await ctl.post('/bots', { owner_id: owner.json.id, username: 'helper', id: botId, api_key: key, webhook_url: 'http://127.0.0.1:9/hook' });
    expect(bot.status).toBe(201);
    expect(bot.json).toMatchObject({ id: botId, user_type: 'agent', owner_id: owner.json.id, webhook_url: 'http://127.0.0.1:9/hook', api_key: key });

    const me = await apiClient(sim, key).get('/agents/me');
    expect(me.json.profile).toMatchObject({ id: botId, username: 'helper' });

    const bad = await ctl.post('/bots', { owner_id: 'not-a-uuid', username: 'x', api_key: 'aa_short' });
    expect(bad.status).toBe(400);
    expect(bad.json.issues).toEqual(expect.arrayContaining([expect.stringMatching(/^owner_id: /), expect.stringMatching(/^api_key: must be aa_ \+ 64 lowercase hex/)]));
    const taken = await ctl.post('/humans', { username: 'owner' });
    expect(taken).toMatchObject({ status: 400, json: { error: 'username owner is taken' } });
  });

  it('drives a rental from the human side: start, post as renter and owner, extend, end, with the real webhooks', async () => {
    const sim = await controlSim();
    const ctl = control(sim);
    const hook = await startReceiver();
    const owner = (await ctl.post('/humans', { username: 'owner' })).json;
    const renter = (await ctl.post('/humans', { username: 'alice' })).json;
    const bot = (await ctl.post('/bots', { owner_id: owner.id, username: 'helper', webhook_url: hook.url })).json;

    const rental = await ctl.post('/rentals', { bot_id: bot.id, renter_id: renter.id, minutes: 15 });
    expect(rental.status).toBe(201);
    expect(rental.json).toMatchObject({ bot_id: bot.id, renter_id: renter.id, status: 'active', total_minutes: 15 });
    expect((await ctl.post(`/rentals/${rental.json.id}/messages`, { sender_id: renter.id, content: 'hello' })).status).toBe(201);
    expect((await ctl.post(`/rentals/${rental.json.id}/messages`, { sender_id: owner.id, content: 'owner here' })).status).toBe(201);
    const extended = await ctl.post(`/rentals/${rental.json.id}/extend`, { minutes: 15 });
    expect(extended.json).toMatchObject({ ok: true, minutes_added: 15 });
    expect((await ctl.post(`/rentals/${rental.json.id}/end`)).json).toMatchObject({ ok: true });
    const after = await ctl.post(`/rentals/${rental.json.id}/messages`, { sender_id: renter.id, content: 'too late' });
    expect(after).toMatchObject({ status: 400, json: { error: 'Cannot message in an ended rental' } });

    const row = await ctl.get(`/rentals/${rental.json.id}`);
    expect(row.json).toMatchObject({ status: 'ended', ended_by: renter.id, total_minutes: 30 });
    expect(row.json.messages.map((m: { content: string }) => m.content)).toEqual(['hello', 'owner here']);
    await sim.waitForDeliveries();
    expect(hook.events().map((r) => r.json.event)).toEqual(['rental_request', 'rental_message', 'rental_message', 'rental_ended']);
  });

  it('starts queue rentals with instructions, and refuses instructions on a direct one', async () => {
    const sim = await controlSim();
    const ctl = control(sim);
    const owner = (await ctl.post('/humans', { username: 'owner' })).json;
    const renter = (await ctl.post('/humans', { username: 'carol' })).json;
    const bot = (await ctl.post('/bots', { owner_id: owner.id, username: 'helper' })).json;
    const refused = await ctl.post('/rentals', { bot_id: bot.id, renter_id: renter.id, instructions: 'x' });
    expect(refused.status).toBe(400);
    const queued = await ctl.post('/rentals', { bot_id: bot.id, renter_id: renter.id, kind: 'auto_start', minutes: 30, instructions: 'Do the thing' });
    expect(queued.status).toBe(201);
    expect(sim.rentalMessages(queued.json.id).map((m) => [m.sender_id, m.content])).toEqual([[renter.id, 'Do the thing']]);
  });

  it('sends DMs and owner messages, moves the clock, and dumps the state', async () => {
    const sim = await controlSim();
    const ctl = control(sim);
    const hook = await startReceiver();
    const owner = (await ctl.post('/humans', { username: 'owner' })).json;
    const bob = (await ctl.post('/humans', { username: 'bob' })).json;
    const bot = (await ctl.post('/bots', { owner_id: owner.id, username: 'helper', webhook_url: hook.url })).json;
    expect((await ctl.post('/dms', { from_id: bob.id, to_id: bot.id, content: 'hi' })).status).toBe(201);
    expect((await ctl.post(`/bots/${bot.id}/owner-messages`, { content: 'status?' })).status).toBe(201);
    await sim.waitForDeliveries();
    expect(hook.events().map((r) => r.json.event).sort()).toEqual(['new_message', 'owner_message']);

    const before = sim.now().getTime();
    const advanced = await ctl.post('/clock/advance', { ms: 3_600_000 });
    expect(Date.parse(advanced.json.now) - before).toBeGreaterThanOrEqual(3_600_000);

    const state = await ctl.get('/state');
    expect(state.json).toMatchObject({ format: 'aa-host-sim-state', version: 1 });
    expect(state.json.profiles.map((p: { username: string }) => p.username)).toEqual(['owner', 'bob', 'helper']);
    expect(state.json.dms).toHaveLength(1);
    expect(state.json.owner_chat).toHaveLength(1);
  });

  it('sets faults that hit the bot-facing API but never the control API, and keeps control calls out of the request log', async () => {
    const sim = await controlSim();
    const ctl = control(sim);
    const owner = (await ctl.post('/humans', { username: 'owner' })).json;
    const bot = (await ctl.post('/bots', { owner_id: owner.id, username: 'helper' })).json;
    const faults = await ctl.patch('/faults', { api5xx: 1 });
    expect(faults.json).toMatchObject({ api5xx: 1, dropFirst: 0 });
    expect((await apiClient(sim, bot.api_key).get('/agents/me')).status).toBe(503);
    expect((await ctl.get('/faults')).status).toBe(200);
    expect((await ctl.patch('/faults', { api5xx: 0 })).json.api5xx).toBe(0);
    expect((await apiClient(sim, bot.api_key).get('/agents/me')).status).toBe(200);
    expect((await ctl.patch('/faults', { api5xx: 2 })).status).toBe(400);

    expect(sim.requests.map((r) => [r.path, r.status])).toEqual([
      ['/api/agents/me', 503],
      ['/api/agents/me', 200],
    ]);
    const log = await ctl.get('/requests');
    expect(log.json.requests).toHaveLength(2);
  });
});

describe('sim state save and load', () => {
  it('restores profiles, keys, rentals, transcripts, DMs and the clock from exportState()', async () => {
    const first = await controlSim();
    const owner = first.createHuman({ username: 'owner' });
    const renter = first.createHuman({ username: 'alice' });
    const bot = first.createBot({ ownerId: owner.id, username: 'helper' });
    const rental = first.startRental({ botId: bot.id, renterId: renter.id, minutes: 15 });
    first.postRentalMessage({ rentalId: rental.id, senderId: renter.id, content: 'hello' });
    first.sendDm({ fromId: renter.id, toId: bot.id, content: 'a DM' });
    first.advanceClock(60_000);
    const saved = JSON.parse(JSON.stringify(first.exportState()));
    await first.close();

    const second = await controlSim({ state: saved });
    expect(second.getProfile(bot.id)).toMatchObject({ username: 'helper', owner_id: owner.id });
    expect(second.getRental(rental.id)).toMatchObject({ status: 'active', expires_at: rental.expires_at });
    expect(second.rentalMessages(rental.id).map((m) => m.content)).toEqual(['hello']);
    expect(second.dmMessages(second.conversationBetween(renter.id, bot.id)!).map((m) => m.content)).toEqual(['a DM']);
    expect(second.now().getTime() - Date.now()).toBeGreaterThanOrEqual(59_000);
    // The saved key still authenticates, and the bot can go on posting in its rental.
    const posted = await apiClient(second, bot.apiKey).post(`/rentals/${rental.id}/messages`, { content: 'back again' });
    expect(posted.status).toBe(201);
    // The listing is still taken by the active rental after the reload.
    expect(() => second.startRental({ botId: bot.id, renterId: renter.id, minutes: 15 })).toThrow('Bot is not available for rent');
  });

  it('refuses a file that is not a saved state, naming the field', async () => {
    await expect(startSim({ state: { name: 'happy-path', timeline: [] } })).rejects.toThrow(/format/);
  });
});
