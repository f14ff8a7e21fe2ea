import { describe, expect, it } from 'vitest';
import type { FakeModelScript } from '../fakes/fake-openai-server.js';
import { answerScript, startStack } from '../helpers/stack.js';
import { FIXTURE_BOT_ID, waitFor } from '../helpers/test-host.js';

/** No polling: the platform never gets a chance to send its own warning. */
const QUIET = { TIMER_TICK_MS: '25', RECONCILE_IDLE_INTERVAL_MS: '0', RECONCILE_INTERVAL_MS: '3600000', NOTIFICATIONS_INTERVAL_MS: '0' };

describe('the host owns the rental clock', () => {
  it('wraps up a rental 90 s from its end without any platform warning, and posts nothing after expires_at', async () => {
    const s = await startStack({ env: QUIET });
    const rental = s.sim.startRental({ botId: FIXTURE_BOT_ID, renterId: s.renterId, durationMs: 90_000 });
    await waitFor('greeting and wrap-up', () => s.botMessages(rental.id).length === 2);
    expect(s.botMessages(rental.id)[1]).toMatch(/^model: The rental ends in less than two minutes/);
    expect(s.sim.deliveries.some((d) => d.event === 'rental_ending_soon')).toBe(false);

    s.sim.postRentalMessage({ rentalId: rental.id, senderId: s.renterId, content: 'one more thing' });
    await waitFor('the reply', () => s.botMessages(rental.id).length === 3);

    // Past expires_at: the platform sends nothing, and has not swept the rental yet.
    s.advance(91_000);
    await waitFor('the actor to end', () => {
      const row = s.host.host.stores.db.prepare(`SELECT done FROM actors WHERE kind = 'rental'`).get() as { done: number };
      return row.done === 1;
    });
    const postsAtEnd = s.rentalPosts(rental.id).length;
    // A renter message whose webhook comes late, after expires_at: acknowledged, not answered.
    const late = JSON.parse(s.sim.deliveries.filter((d) => d.event === 'rental_message').at(-1)!.body);
    late.data.id = '00000000-0000-4000-8000-00000000000a';
    late.data.data.message_id = '00000000-0000-4000-8000-00000000000b';
    late.data.data.content = 'are you still there?';
    expect((await s.host.post(s.bot, late)).status).toBe(200);
    await s.host.host.runtime.whenIdle();
    await new Promise((r) => setTimeout(r, 150));
    expect(s.rentalPosts(rental.id)).toHaveLength(postsAtEnd);
    expect(s.botMessages(rental.id)).toHaveLength(3);
  });

  it("treats the platform's own warning after the host's wrap-up as a no-op", async () => {
    const s = await startStack({ env: QUIET });
    const rental = s.sim.startRental({ botId: FIXTURE_BOT_ID, renterId: s.renterId, durationMs: 100_000 });
    await waitFor('greeting and wrap-up', () => s.botMessages(rental.id).length === 2);
    // Someone polls: the platform now sends its own rental_ending_soon.
    const bot = s.sim.getProfile(FIXTURE_BOT_ID)!;
    await fetch(`${s.sim.url}/agents/me/pending`, { headers: { Authorization: `Bearer ${s.bot.apiKey}` } });
    await s.sim.waitForDeliveries();
    expect(s.sim.deliveries.some((d) => d.event === 'rental_ending_soon' && d.status === 200)).toBe(true);
    await s.host.host.runtime.whenIdle();
    expect(s.botMessages(rental.id)).toHaveLength(2);
    expect(bot.id).toBe(FIXTURE_BOT_ID);
  });

  it('re-arms the clock and the warning after an extension, which the platform does not announce', async () => {
    const s = await startStack({ env: QUIET });
    const rental = s.sim.startRental({ botId: FIXTURE_BOT_ID, renterId: s.renterId, minutes: 15 });
    await waitFor('the greeting', () => s.botMessages(rental.id).length === 1);
    s.advance(13.5 * 60_000);
    await waitFor('the first wrap-up', () => s.botMessages(rental.id).length === 2);
    s.sim.extendRental({ rentalId: rental.id, minutes: 15 });
    // The old deadline passes: the host re-reads the rental, sees the extension and carries on.
    s.advance(2 * 60_000);
    await waitFor('the expire timer to be re-armed', () =>
      s.host.host.stores.db.prepare(`SELECT 1 FROM timers WHERE kind = 'warn' AND status = 'pending'`).get(),
    );
    s.sim.postRentalMessage({ rentalId: rental.id, senderId: s.renterId, content: 'thanks for staying' });
    await waitFor('the reply after the extension', () => s.botMessages(rental.id).length === 3);
    expect(s.botMessages(rental.id)[2]).toBe('answer to: thanks for staying');
    s.advance(13 * 60_000);
    await waitFor('the second wrap-up', () => s.botMessages(rental.id).length === 4);
    expect(s.botMessages(rental.id)[3]).toMatch(/^model: The rental ends in less than two minutes/);
    s.advance(3 * 60_000);
    await waitFor('the end', () => (s.host.host.stores.db.prepare(`SELECT done FROM actors WHERE kind = 'rental'`).get() as { done: number }).done === 1);
  });

  it('uses the configured warning window in the wrap-up instruction and in the ending_soon of time_left', async () => {
    const script: FakeModelScript = (request, index) => {
      const messages = request.body.messages as { role: string; content: string | null }[];
      const task = messages.findLast((m) => m.role === 'system' && /wrap-up/.test(m.content ?? '') && m !== messages[0]);
      if (!task) return answerScript(request, index);
      const result = messages.find((m) => m.role === 'tool');
      if (!result) return { content: null, tool_calls: [{ name: 'time_left', arguments: '{}' }] };
      return { content: `${task.content!.split('.')[0]} | ${result.content}` };
    };
    // Five minutes' warning: a rental with 4.5 minutes left is ending soon at once.
    const s = await startStack({ script, env: { ...QUIET, RENTAL_WARNING_MS: '300000' }, botExtra: 'tools:\n  allow: [time_left]' });
    const rental = s.sim.startRental({ botId: FIXTURE_BOT_ID, renterId: s.renterId, durationMs: 270_000 });
    await waitFor('greeting and wrap-up', () => s.botMessages(rental.id).length === 2);
    const [instruction, toolResult] = s.botMessages(rental.id)[1]!.split(' | ');
    expect(instruction).toBe('The rental ends in less than five minutes');
    expect(JSON.parse(toolResult!)).toMatchObject({ known: true, ending_soon: true, minutes_left: 4 });
  });
});

describe('a post that waited in the rate limit', () => {
  it('is not sent once the rental has reached expires_at while it waited', async () => {
    const s = await startStack({ env: QUIET });
    const rental = s.sim.startRental({ botId: FIXTURE_BOT_ID, renterId: s.renterId, minutes: 30 });
    await waitFor('the greeting', () => s.botMessages(rental.id).length === 1);
    await s.host.host.runtime.whenIdle();
    const key = `rental:${FIXTURE_BOT_ID}:${rental.id}`;
    const { host } = s.host;
    host.stores.outbox.add({
      actorKey: key,
      botId: FIXTURE_BOT_ID,
      turnId: null,
      part: 0,
      method: 'POST',
      path: `/rentals/${rental.id}/messages`,
      body: { content: 'a late reply' },
      at: new Date().toISOString(),
    });
    // The bot's platform queue holds the post until the rental is over (time moves while it waits).
    const deps = {
      ...host.deps,
      queues: {
        ...host.deps.queues,
        runPlatform: <T>(bot: Parameters<typeof host.deps.queues.runPlatform>[0], priority: number, task: () => Promise<T>) =>
          host.deps.queues.runPlatform(bot, priority, async () => {
            s.advance(31 * 60_000);
            return task();
          }),
      },
    };
    const { sendNextPost } = await import('../../src/runtime/send-outbox.js');
    const outcome = await sendNextPost(deps, key);
    expect(outcome.kind).toBe('ended');
    expect(s.botMessages(rental.id)).toHaveLength(1);
    expect(s.rentalPosts(rental.id).filter((p) => p.status === 201)).toHaveLength(1);
  });
});
