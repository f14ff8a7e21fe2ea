import { describe, expect, it } from 'vitest';
import { FIXTURE_BOT_ID } from '../helpers/test-host.js';
import { completingScript, startStack } from '../helpers/stack.js';
import { waitFor } from '../helpers/test-host.js';

describe('a rental from request to end, on the emulator', () => {
  it('greets, answers each renter message once with the model output, and posts nothing after the end', async () => {
    const s = await startStack({ ownerWebhookToBot: true });
    const rental = s.sim.startRental({ botId: FIXTURE_BOT_ID, renterId: s.renterId, minutes: 30 });
    await waitFor('the greeting', () => s.botMessages(rental.id).length === 1);
    expect(s.botMessages(rental.id)[0]).toMatch(/^model: The rental has just started/);

    for (const n of [1, 2, 3]) {
      s.sim.postRentalMessage({ rentalId: rental.id, senderId: s.renterId, content: `question ${n}` });
      await waitFor(`reply ${n}`, () => s.botMessages(rental.id).length === n + 1);
    }
    expect(s.botMessages(rental.id)).toEqual([expect.any(String), 'answer to: question 1', 'answer to: question 2', 'answer to: question 3']);

    s.sim.endRental({ rentalId: rental.id, byId: s.renterId });
    await s.sim.waitForDeliveries();
    await waitFor('rental_ended processed', () =>
      s.host.host.stores.db.prepare(`SELECT 1 FROM inbox WHERE event = 'rental_ended' AND status = 'done'`).get(),
    );
    const postsAtEnd = s.rentalPosts(rental.id).length;

    // A late message event (e.g. a retry that was in flight) after the end: acknowledged, ignored.
    const lastMessage = s.sim.deliveries.filter((d) => d.event === 'rental_message' && d.url.includes('/webhooks/')).at(-1)!;
    const late = JSON.parse(lastMessage.body);
    late.data.id = '00000000-0000-4000-8000-000000000001';
    late.data.data.message_id = '00000000-0000-4000-8000-000000000002';
    late.data.created_at = new Date().toISOString();
    const answer = await s.host.post(s.bot, late);
    expect(answer.status).toBe(200);
    await s.host.host.runtime.whenIdle();
    expect(s.rentalPosts(rental.id)).toHaveLength(postsAtEnd);
    expect(s.rentalPosts(rental.id).every((p) => p.status === 201)).toBe(true);
    expect(s.host.host.stores.db.prepare(`SELECT status, note FROM inbox WHERE json_extract(body, '$.data.id') = ?`).get(late.data.id)).toEqual({
      status: 'ignored',
      note: 'the actor has ended',
    });

    // The owner's copies (owner webhook pointed at the bot URL) were stored, never answered.
    const ownerCopies = s.host.host.stores.db.prepare(`SELECT event FROM inbox WHERE kind = 'owner_copy'`).all() as { event: string }[];
    expect(ownerCopies.map((r) => r.event)).toEqual(expect.arrayContaining(['rental_request', 'bot_rental_request', 'bot_rental_message']));
    expect(s.botMessages(rental.id)).toHaveLength(4);
  });

  it('reads the rental from the platform, since a direct request carries no expiry, and tells the model the time left', async () => {
    const s = await startStack();
    const rental = s.sim.startRental({ botId: FIXTURE_BOT_ID, renterId: s.renterId, minutes: 30 });
    await waitFor('the greeting', () => s.botMessages(rental.id).length === 1);
    // Learnt from GET /api/rentals/{id}, or from the pending poll if that ran first.
    expect(s.sim.requests.some((r) => r.method === 'GET' && (r.path === `/api/rentals/${rental.id}` || r.path === '/api/agents/me/pending'))).toBe(true);
    const system = s.model!.requests[0]!.body.messages[0].content as string;
    expect(system).toMatch(/Time left in this rental: (29|30) min/);
    expect(system).toContain('You are research-helper, a careful research assistant.');
  });

  it('tells the renter from the owner by sender_id', async () => {
    const s = await startStack();
    const rental = s.sim.startRental({ botId: FIXTURE_BOT_ID, renterId: s.renterId, minutes: 30 });
    await waitFor('the greeting', () => s.botMessages(rental.id).length === 1);
    s.sim.postRentalMessage({ rentalId: rental.id, senderId: s.ownerId, content: 'keep it short' });
    await waitFor('reply to the owner', () => s.botMessages(rental.id).length === 2);
    s.sim.postRentalMessage({ rentalId: rental.id, senderId: s.renterId, content: 'what is RAG?' });
    await waitFor('reply to the renter', () => s.botMessages(rental.id).length === 3);
    const last = s.model!.requests.at(-1)!.body.messages as { role: string; content: string }[];
    const users = last.filter((m) => m.role === 'user').map((m) => m.content);
    expect(users).toEqual(['[owner] keep it short', '[renter] what is RAG?']);
  });

  it('starts on pre-loaded instructions at once for a queue-confirmed rental', async () => {
    const s = await startStack({ script: completingScript });
    const rental = s.sim.queueConfirmRental({ botId: FIXTURE_BOT_ID, renterId: s.renterId, minutes: 30, instructions: 'Rank the three vendor proposals.' });
    await waitFor('the first reply', () => s.botMessages(rental.id).length === 1);
    const messages = s.model!.requests[0]!.body.messages as { role: string; content: string }[];
    // Renter-written text: a user turn, never the system prompt.
    expect(messages.filter((m) => m.role === 'user').map((m) => m.content)).toEqual(["[renter's pre-loaded instructions] Rank the three vendor proposals."]);
    expect(messages[0]!.content).not.toContain('Rank the three vendor proposals.');
    expect(s.model!.requests[0]!.body.messages.at(-1).content).toMatch(/post a short numbered plan .* carry out step 1 right away/);
  });
});

describe('duplicates and disorder', () => {
  it('answers the same rental_message once when it is delivered twice at once and again later', async () => {
    const s = await startStack();
    const rental = s.sim.startRental({ botId: FIXTURE_BOT_ID, renterId: s.renterId, minutes: 30 });
    await waitFor('the greeting', () => s.botMessages(rental.id).length === 1);
    s.sim.postRentalMessage({ rentalId: rental.id, senderId: s.renterId, content: 'only once please' });
    await s.sim.waitForDeliveries();
    const delivery = s.sim.deliveries.find((d) => d.event === 'rental_message')!;
    const again = await Promise.all([s.host.post(s.bot, delivery.body), s.host.post(s.bot, delivery.body), s.host.post(s.bot, delivery.body)]);
    expect(again.map((a) => a.body.duplicate)).toEqual([true, true, true]);
    await waitFor('the reply', () => s.botMessages(rental.id).length === 2);
    await new Promise((r) => setTimeout(r, 200));
    await s.host.host.runtime.whenIdle();
    expect((await s.host.post(s.bot, delivery.body)).body.duplicate).toBe(true);
    await s.host.host.runtime.whenIdle();
    expect(s.botMessages(rental.id)).toEqual([expect.any(String), 'answer to: only once please']);
  });

  it('answers a message that arrives before its rental_request, once', async () => {
    const s = await startStack();
    // The first delivery of rental_request fails; its retry comes 30 s (scaled) later.
    s.sim.faults.dropFirst = 1;
    const rental = s.sim.startRental({ botId: FIXTURE_BOT_ID, renterId: s.renterId, minutes: 30 });
    await waitFor('the failed first attempt', () => s.sim.deliveries.some((d) => d.event === 'rental_request' && d.attempt === 1 && d.url.includes('/webhooks/')));
    s.sim.faults.dropFirst = 0;
    s.sim.postRentalMessage({ rentalId: rental.id, senderId: s.renterId, content: 'hello, are you there?' });
    await s.sim.waitForDeliveries();
    const order = s.sim.deliveries.filter((d) => d.url.includes('/webhooks/') && d.status === 200).map((d) => d.event);
    expect(order).toEqual(['rental_message', 'rental_request']);
    await waitFor('the reply', () => s.botMessages(rental.id).length >= 1);
    await s.host.host.runtime.whenIdle();
    expect(s.botMessages(rental.id)).toEqual(['answer to: hello, are you there?']);
  });
});
