import { describe, expect, it } from 'vitest';
import { loadActor } from '../../src/runtime/apply-actor-event.js';
import { createTurnToolContext } from '../../src/runtime/turn-tool-context.js';
import type { TurnRow } from '../../src/store/turn-store.js';
import type { FakeModelScript } from '../fakes/fake-openai-server.js';
import { answerScript, startStack } from '../helpers/stack.js';
import { FIXTURE_BOT_ID, waitFor } from '../helpers/test-host.js';

/**
 * A progress post is an outbox row of its turn. A turn redone after a crash that posts the same
 * progress again (its journal entry was still 'started': the crash came between the outbox row
 * and the journal's 'done') reuses that row instead of adding a second one. The crash is
 * simulated in the database: the finished turn is made pending again, as it was mid-turn.
 */
describe('a progress post made again by a redone turn', () => {
  it('reuses the outbox row the turn already has, and still posts a new text', async () => {
    const script: FakeModelScript = (request, index) => {
      const messages = request.body.messages as { role: string; content: string }[];
      if (!messages.some((m) => m.role === 'user' && m.content.includes('research this'))) return answerScript(request, index);
      if (!messages.some((m) => m.role === 'tool')) return { content: null, tool_calls: [{ name: 'post_progress', arguments: '{"text":"Plan: read, then summarise."}' }] };
      return { content: 'Summary: done.' };
    };
    const s = await startStack({ script, botExtra: 'tools:\n  allow: [post_progress]' });
    const rental = s.sim.startRental({ botId: FIXTURE_BOT_ID, renterId: s.renterId, minutes: 30 });
    await waitFor('the greeting', () => s.botMessages(rental.id).length === 1);
    s.sim.postRentalMessage({ rentalId: rental.id, senderId: s.renterId, content: 'research this' });
    await waitFor('progress and answer', () => s.botMessages(rental.id).length === 3);
    await s.host.host.runtime.whenIdle();

    const { deps, stores } = s.host.host;
    const actorKey = `rental:${FIXTURE_BOT_ID}:${rental.id}`;
    const turn = stores.db.prepare(`SELECT * FROM turns WHERE actor_key = ? AND kind = 'reply'`).get(actorKey) as TurnRow;
    const rows = () => stores.db.prepare(`SELECT body FROM outbox WHERE turn_id = ? ORDER BY id`).all(turn.id) as { body: string }[];
    expect(rows()).toHaveLength(2);

    const context = createTurnToolContext(deps, deps.bots.byId(FIXTURE_BOT_ID)!, loadActor(stores, actorKey), turn, stores.messages.get(turn.message_id!), () => {});
    // postToChat's transaction runs before its first await: the turn is pending only meanwhile.
    const redo = (text: string) => {
      stores.db.prepare(`UPDATE turns SET status = 'pending' WHERE id = ?`).run(turn.id);
      const posted = context.postToChat(text);
      stores.db.prepare(`UPDATE turns SET status = 'done' WHERE id = ?`).run(turn.id);
      return posted;
    };
    await redo('Plan: read, then summarise.');
    expect(rows()).toHaveLength(2);
    await redo('Step 2: summarised.');
    expect(rows().map((r) => JSON.parse(r.body).content)).toEqual(['Plan: read, then summarise.', 'Summary: done.', 'Step 2: summarised.']);
  });
});
