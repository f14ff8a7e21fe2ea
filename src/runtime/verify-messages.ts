/**
 * Webhooks are unsigned and the URL is not secret (CONTRACT §1.1, §6.7): before a message gets
 * an answer, the host checks that it is really in the conversation on the platform, from the
 * sender the webhook named. One GET covers every message a (merged) turn answers.
 */
import type { ActorState } from '../actors/actor-logic.js';
import type { Bot } from '../config/bot-config.js';
import { PRIORITY } from '../queue/bot-queues.js';
import type { MessageRow } from '../store/message-store.js';
import { rentalContext } from './apply-actor-event.js';
import type { RuntimeDeps } from './runtime-deps.js';

type Listed = { id: string; sender_id?: string; sender_type?: string; owner_id?: string };

/**
 * The ids (messages.id) of the rows confirmed on the platform, or null when the platform could
 * not be asked (the answer then goes ahead: refusing to talk during an outage helps no one).
 */
export async function verifyMessages(deps: RuntimeDeps, bot: Bot, actor: ActorState, rows: MessageRow[]): Promise<Set<number> | null> {
  const toCheck = rows.filter((row) => row.external_id !== null);
  if (toCheck.length === 0) return new Set(rows.map((row) => row.id));
  const client = deps.platformFor(bot);
  let listed: Listed[];
  try {
    listed = await deps.queues.runPlatform(bot, actor.kind === 'rental' ? PRIORITY.rental : PRIORITY.conversation, async () => {
      if (actor.kind === 'rental') {
        return (await client.request<{ messages: Listed[] }>({ method: 'GET', path: `/rentals/${encodeURIComponent(rentalContext(actor)!.rentalId)}/messages` })).messages;
      }
      if (actor.kind === 'dm') {
        const conversation = encodeURIComponent(String(actor.snapshot.context.subjectId));
        return (await client.request<{ messages: Listed[] }>({ method: 'GET', path: `/messages/${conversation}?limit=200` })).messages;
      }
      return (await client.request<{ messages: Listed[] }>({ method: 'GET', path: `/bots/${encodeURIComponent(bot.profileId)}/owner-chat?limit=200` })).messages;
    });
  } catch (err) {
    deps.log.warn({ err, actorKey: actor.key }, 'could not check the message on the platform; answering anyway');
    return null;
  }
  const byId = new Map(listed.map((m) => [m.id, m]));
  const confirmed = new Set<number>(rows.filter((row) => row.external_id === null).map((row) => row.id));
  for (const row of toCheck) {
    const found = byId.get(row.external_id!);
    if (!found) continue;
    const sender = found.sender_type === 'owner' ? (found.owner_id ?? bot.ownerId) : found.sender_id;
    if (actor.kind === 'owner' ? found.sender_type === 'owner' : sender === row.author_id) confirmed.add(row.id);
  }
  return confirmed;
}
