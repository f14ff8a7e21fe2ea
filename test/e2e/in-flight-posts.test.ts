import { describe, expect, it } from 'vitest';
import { startStack } from '../helpers/stack.js';
import { FIXTURE_BOT_ID, waitFor } from '../helpers/test-host.js';

/**
 * A post found 'sending' was in flight when a previous process died: the host looks for it
 * where it would have landed before sending it again (the crash test covers rentals by SIGKILL;
 * these cover DMs and owner chat, with the crash simulated in the database).
 */
describe('posts that were in flight at a crash', () => {
  it('does not send a DM again when the thread shows it arrived, and sends one that did not', async () => {
    const s = await startStack();
    const { conversationId } = s.sim.sendDm({ fromId: s.buyerId, toId: FIXTURE_BOT_ID, content: 'hi there' });
    await waitFor('the reply', () => s.sim.dmMessages(conversationId).length === 2);
    await s.host.host.runtime.whenIdle();
    const db = s.host.host.stores.db;
    const key = `dm:${FIXTURE_BOT_ID}:${conversationId}`;

    // 1. The reply had reached the platform, but the process died before marking it sent.
    db.prepare(`UPDATE outbox SET status = 'sending' WHERE actor_key = ?`).run(key);
    s.host.host.runtime.wake(key);
    await waitFor('the row to be settled', () => (db.prepare(`SELECT status FROM outbox WHERE actor_key = ?`).get(key) as { status: string }).status === 'sent');
    expect(s.sim.dmMessages(conversationId)).toHaveLength(2);

    // 2. A second reply never reached the platform: it is sent, once.
    db.prepare(
      `INSERT INTO outbox (actor_key, bot_id, turn_id, part, method, path, body, status, attempts, created_at)
       VALUES (?, ?, NULL, 0, 'POST', '/messages', ?, 'sending', 1, datetime('now'))`,
    ).run(key, FIXTURE_BOT_ID, JSON.stringify({ to_id: s.buyerId, content: 'answer to: hi there' }));
    s.host.host.runtime.wake(key);
    await waitFor('the second post', () => s.sim.dmMessages(conversationId).length === 3);
    await s.host.host.runtime.whenIdle();
    expect(s.sim.dmMessages(conversationId).map((m) => m.content)).toEqual(['hi there', 'answer to: hi there', 'answer to: hi there']);
  });

  it('settles an owner-chat post the same way', async () => {
    const s = await startStack();
    s.sim.sendOwnerMessage({ botId: FIXTURE_BOT_ID, content: 'report please' });
    await waitFor('the reply', () => s.sim.ownerChat(FIXTURE_BOT_ID).length === 2);
    await s.host.host.runtime.whenIdle();
    const db = s.host.host.stores.db;
    const key = `owner:${FIXTURE_BOT_ID}`;
    db.prepare(`UPDATE outbox SET status = 'sending' WHERE actor_key = ?`).run(key);
    s.host.host.runtime.wake(key);
    await waitFor('the row to be settled', () => (db.prepare(`SELECT status FROM outbox WHERE actor_key = ?`).get(key) as { status: string }).status === 'sent');
    expect(s.sim.ownerChat(FIXTURE_BOT_ID)).toHaveLength(2);
  });
});
