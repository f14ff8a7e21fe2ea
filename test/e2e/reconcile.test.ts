import { describe, expect, it } from 'vitest';
import { completingScript, startStack } from '../helpers/stack.js';
import { FIXTURE_BOT_ID, waitFor } from '../helpers/test-host.js';

const FAST_POLL = { TIMER_TICK_MS: '50', RECONCILE_INTERVAL_MS: '100', RECONCILE_IDLE_INTERVAL_MS: '100', NOTIFICATIONS_INTERVAL_MS: '0' };
const settle = async (s: Awaited<ReturnType<typeof startStack>>, ms = 400) => {
  await new Promise((r) => setTimeout(r, ms));
  await s.host.host.runtime.whenIdle();
};

describe('reconciliation: webhooks are hints', () => {
  it('discovers an auto-started rental (no rental_request) by polling and answers its instructions once', async () => {
    const s = await startStack({ env: FAST_POLL, script: completingScript });
    const rental = s.sim.autoStartRental({ botId: FIXTURE_BOT_ID, renterId: s.renterId, minutes: 30, instructions: 'Summarise the attached RFC in five bullets.' });
    expect(s.sim.deliveries.filter((d) => d.url.includes('/webhooks/'))).toEqual([]);
    await waitFor('the first reply', () => s.botMessages(rental.id).length >= 1);
    await settle(s);
    expect(s.botMessages(rental.id)).toHaveLength(1);
    const first = s.model!.requests[0]!.body.messages as { role: string; content: string }[];
    expect(first.filter((m) => m.role === 'user').map((m) => m.content)).toEqual(["[renter's pre-loaded instructions] Summarise the attached RFC in five bullets."]);
    expect(first[0]!.content).not.toContain('Summarise the attached RFC');
    expect(s.host.logs.some((l) => l.includes('found an active rental the platform never announced'))).toBe(true);
  });

  it('answers once a rental message whose both deliveries failed, found by the transcript diff, and not again when a copy arrives late', async () => {
    const s = await startStack({ env: FAST_POLL });
    const rental = s.sim.startRental({ botId: FIXTURE_BOT_ID, renterId: s.renterId, minutes: 30 });
    await waitFor('the greeting', () => s.botMessages(rental.id).length === 1);
    s.sim.faults.dropBoth = 1;
    s.sim.postRentalMessage({ rentalId: rental.id, senderId: s.renterId, content: 'did you get this?' });
    await s.sim.waitForDeliveries();
    s.sim.faults.dropBoth = 0;
    const lost = s.sim.deliveries.filter((d) => d.event === 'rental_message' && d.url.includes('/webhooks/'));
    expect(lost.map((d) => d.error)).toEqual(['lost (injected fault)', 'lost (injected fault)']);
    await waitFor('the reply', () => s.botMessages(rental.id).length === 2);
    expect(s.botMessages(rental.id)[1]).toBe('answer to: did you get this?');
    // The lost webhook turns up after all: acknowledged, and the message is not answered twice.
    const answer = await s.host.post(s.bot, lost[0]!.body);
    expect(answer.status).toBe(200);
    await settle(s);
    expect(s.botMessages(rental.id)).toHaveLength(2);
  });

  it('answers the first message of a direct rental it never heard of as a message, not as instructions', async () => {
    const s = await startStack({ env: FAST_POLL });
    // The host misses both the rental_request and the first message (say, during a deploy).
    s.sim.faults.dropBoth = 1;
    const rental = s.sim.startRental({ botId: FIXTURE_BOT_ID, renterId: s.renterId, minutes: 30 });
    s.advance(5000); // the renter types for a few seconds
    s.sim.postRentalMessage({ rentalId: rental.id, senderId: s.renterId, content: 'hi! quick one: what is BM25?' });
    await s.sim.waitForDeliveries();
    s.sim.faults.dropBoth = 0;
    await waitFor('the reply', () => s.botMessages(rental.id).length >= 1);
    await settle(s, 600);
    expect(s.botMessages(rental.id)).toEqual(['answer to: hi! quick one: what is BM25?']);
    for (const request of s.model!.requests) expect(request.body.messages[0].content).not.toContain('BM25');
  });

  it('does not answer the queue-confirm instructions twice (event and first chat message)', async () => {
    const s = await startStack({ env: FAST_POLL, script: completingScript });
    const rental = s.sim.queueConfirmRental({ botId: FIXTURE_BOT_ID, renterId: s.renterId, minutes: 30, instructions: 'Rank the three proposals.' });
    await waitFor('the first reply', () => s.botMessages(rental.id).length >= 1);
    await settle(s, 600);
    expect(s.botMessages(rental.id)).toHaveLength(1);
  });

  it('recovers a missed DM from notifications, and a late copy of its webhook is a duplicate', async () => {
    const s = await startStack({ env: { ...FAST_POLL, NOTIFICATIONS_INTERVAL_MS: '150' } });
    s.sim.faults.dropBoth = 1;
    const { conversationId } = s.sim.sendDm({ fromId: s.buyerId, toId: FIXTURE_BOT_ID, content: 'anyone home?' });
    await s.sim.waitForDeliveries();
    s.sim.faults.dropBoth = 0;
    await waitFor('the DM reply', () => s.sim.dmMessages(conversationId).length === 2);
    expect(s.sim.dmMessages(conversationId)[1]!.content).toBe('answer to: anyone home?');
    expect(s.sim.notifications(FIXTURE_BOT_ID).every((n) => n.is_read)).toBe(true);
    const lost = s.sim.deliveries.find((d) => d.event === 'new_message')!;
    expect((await s.host.post(s.bot, lost.body)).body).toEqual({ ok: true, duplicate: true });
    await settle(s);
    expect(s.sim.dmMessages(conversationId)).toHaveLength(2);
  });
});

describe('recovery from notifications: an unreadable row', () => {
  it('is left unread (never in the PATCH), warned about once over many passes, and does not stop the others being recovered', async () => {
    const badId = '6f1c2d3e-4a5b-4c6d-8e7f-901234567890';
    // A new_message row without its conversation: the host cannot read it as its event.
    const badRow = {
      id: badId,
      user_id: FIXTURE_BOT_ID,
      type: 'message',
      title: 'New message from @someone',
      body: 'hello',
      link: null,
      data: { content: 'hello', from_id: 'not-a-uuid' },
      is_read: false,
      created_at: '2026-05-04T09:00:00.000000+00:00',
    };
    const state = {
      format: 'aa-host-sim-state',
      version: 1,
      saved_at: '2026-05-04T09:00:00.000Z',
      clock_advanced_ms: 0,
      ...Object.fromEntries(['profiles', 'api_keys', 'listings', 'rentals', 'rental_messages', 'conversations', 'dms', 'owner_chat'].map((k) => [k, []])),
      notifications: [badRow],
    };
    const s = await startStack({ env: { ...FAST_POLL, NOTIFICATIONS_INTERVAL_MS: '100' }, sim: { state } });
    s.sim.faults.dropBoth = 1;
    const { conversationId } = s.sim.sendDm({ fromId: s.buyerId, toId: FIXTURE_BOT_ID, content: 'anyone home?' });
    await s.sim.waitForDeliveries();
    s.sim.faults.dropBoth = 0;
    await waitFor('the DM reply', () => s.sim.dmMessages(conversationId).length === 2);
    const polls = () => s.sim.requests.filter((r) => r.method === 'GET' && r.path === '/api/notifications').length;
    const after = polls();
    await waitFor('three more passes', () => polls() >= after + 3);
    await settle(s, 0);

    const inbox = s.sim.notifications(FIXTURE_BOT_ID);
    expect(inbox.find((n) => n.id === badId)?.is_read).toBe(false);
    expect(inbox.filter((n) => n.id !== badId).every((n) => n.is_read)).toBe(true);
    const patched = s.sim.requests.filter((r) => r.method === 'PATCH' && r.path === '/api/notifications');
    expect(patched.length).toBeGreaterThan(0);
    expect(patched.flatMap((r) => (r.body as { ids: string[] }).ids)).not.toContain(badId);
    const warnings = s.host.logs.filter((l) => l.includes(badId) && l.includes('unexpected shape'));
    expect(warnings).toHaveLength(1);
  });
});

describe('the daily API cap', () => {
  it('counts every call per bot per UTC day, shows it on /healthz, and stops polling at 95 % of the cap', async () => {
    const s = await startStack({ env: FAST_POLL, botExtra: 'limits:\n  api_calls_per_day: 20' });
    await waitFor('polling to stop near the cap', () => s.host.host.stores.apiUsage.today(FIXTURE_BOT_ID, Date.now()) >= 19);
    await settle(s, 500);
    const counted = s.host.host.stores.apiUsage.today(FIXTURE_BOT_ID, Date.now());
    const seen = s.sim.requests.filter((r) => r.profileId === FIXTURE_BOT_ID).length;
    expect(counted).toBe(seen);
    expect(counted).toBeLessThanOrEqual(20);
    expect(s.host.logs.some((l) => l.includes('close to the daily API cap'))).toBe(true);
    const health = (await (await fetch(`${s.host.url}/healthz`)).json()) as { apiCallsToday: Record<string, number> };
    expect(health.apiCallsToday).toEqual({ 'research-helper': counted });
  });
});
