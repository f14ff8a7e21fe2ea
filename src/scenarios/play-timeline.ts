/**
 * Plays a scenario's timeline on the emulator: each step at its offset, through the same
 * functions the platform's human side uses. A waiting step first lets the bot answer what is
 * pending (as a person reads the reply before typing on), up to `reply_timeout`.
 */
import { parseTsDb, SimApiError, type Sim, type SimProfile } from '../sim/index.js';
import { stepAction, type Scenario } from './scenario-schema.js';

export interface Cast {
  owner: SimProfile;
  /** Renters by scenario name. */
  humans: Map<string, SimProfile>;
  /** Bots by scenario name. */
  bots: Map<string, SimProfile>;
}

export interface PlayedRental {
  name: string;
  id: string;
  bot: SimProfile;
  renter: SimProfile;
  kind: 'direct' | 'queue_confirm' | 'auto_start';
  /** It started with pre-loaded instructions (the bot then works on them in steps). */
  instructions: boolean;
  /** Every expires_at the rental had, epoch ms. */
  expiries: number[];
  endedManuallyAtMs: number | null;
  endedBy: string | null;
  noReplyNeeded: Set<string>;
}

export interface PlayedTimeline {
  rentals: Map<string, PlayedRental>;
  /** DM pairs that were used: `from` is a renter, `to` a bot. */
  dmPairs: Array<{ from: SimProfile; to: SimProfile }>;
  /** Bots whose owner chat was used. */
  ownerChats: SimProfile[];
}

export interface PlayOptions {
  sim: Sim;
  scenario: Scenario;
  cast: Cast;
  /** Wall-clock start, epoch ms: step offsets count from it. */
  startedAt: number;
  write: (line: string) => void;
  /**
   * With an in-process host: whether it still has work (a turn, a post waiting for its retry,
   * more work steps) for the conversation with this id. A waiting renter waits for that too.
   */
  hostBusyWith?: ((subjectId: string) => boolean) | undefined;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)));

export async function playTimeline(options: PlayOptions): Promise<PlayedTimeline> {
  const { sim, scenario, cast, startedAt, write } = options;
  const hostBusyWith = options.hostBusyWith ?? (() => false);
  const played: PlayedTimeline = { rentals: new Map(), dmPairs: [], ownerChats: [] };
  const offset = () => `+${((Date.now() - startedAt) / 1000).toFixed(2)}s`;
  const say = (text: string) => write(`  ${offset()} ${text}`);
  const short = (text: string) => (text.length > 70 ? `${text.slice(0, 67).replace(/\s+/g, ' ')}...` : text.replace(/\s+/g, ' '));

  const rentalOver = (rental: PlayedRental): boolean => {
    const row = sim.getRental(rental.id);
    return !row || row.status === 'ended' || sim.now().getTime() >= parseTsDb(row.expires_at) / 1000;
  };
  /** True while the bot owes an answer in this rental (or its greeting), or is still at work in it. */
  const rentalPending = (rental: PlayedRental): boolean => {
    if (rentalOver(rental)) return false;
    if (hostBusyWith(rental.id)) return true;
    const messages = sim.rentalMessages(rental.id);
    const last = messages.at(-1);
    if (!last) return rental.kind !== 'auto_start';
    return last.sender_id !== rental.bot.id && !rental.noReplyNeeded.has(last.id);
  };
  const waitForBot = async (what: string, pending: () => boolean): Promise<void> => {
    const deadline = Date.now() + scenario.reply_timeout;
    while (pending()) {
      if (Date.now() > deadline) {
        say(`… no answer ${what} after ${scenario.reply_timeout / 1000} s; going on`);
        return;
      }
      await sleep(25);
    }
  };

  for (const [index, step] of scenario.timeline.entries()) {
    // Steps whose time has come run back to back, with no timer turn between them: the reorder
    // fault holds deliveries for only 40 ms, and same-offset steps belong together.
    const delay = startedAt + step.at - Date.now();
    if (delay > 0) await sleep(delay);
    const action = stepAction(step);
    try {
      switch (action.name) {
        case 'rent': {
          const { id, kind, duration, instructions } = action.value;
          const bot = cast.bots.get(action.value.bot)!;
          const renter = cast.humans.get(action.value.renter)!;
          const input = { botId: bot.id, renterId: renter.id, durationMs: duration, ...(instructions ? { instructions } : {}) };
          const row =
            kind === 'direct' ? sim.startRental(input) : kind === 'queue_confirm' ? sim.queueConfirmRental(input) : sim.autoStartRental(input);
          played.rentals.set(id, {
            name: id,
            id: row.id,
            bot,
            renter,
            kind,
            instructions: instructions !== undefined,
            expiries: [parseTsDb(row.expires_at) / 1000],
            endedManuallyAtMs: null,
            endedBy: null,
            noReplyNeeded: new Set(),
          });
          say(`rent ${id}: @${bot.username} by @${renter.username} (${kind.replace('_', '-')}, ${formatDuration(duration)}${instructions ? `, instructions ${JSON.stringify(short(instructions))}` : ''})`);
          break;
        }
        case 'say': {
          const rental = played.rentals.get(action.value.rental);
          if (!rental) throw new Error(`rental ${action.value.rental} did not start`);
          if (action.value.wait) await waitForBot(`from @${rental.bot.username} in ${rental.name}`, () => rentalPending(rental));
          const sender = action.value.from === 'owner' ? cast.owner : rental.renter;
          const message = sim.postRentalMessage({ rentalId: rental.id, senderId: sender.id, content: action.value.text });
          if (!action.value.expect_reply) rental.noReplyNeeded.add(message.id);
          say(`${rental.name} @${sender.username}: ${short(action.value.text)}`);
          break;
        }
        case 'end': {
          const rental = played.rentals.get(action.value.rental);
          if (!rental) throw new Error(`rental ${action.value.rental} did not start`);
          if (action.value.wait) await waitForBot(`from @${rental.bot.username} in ${rental.name}`, () => rentalPending(rental));
          const by = action.value.by === 'owner' ? cast.owner : rental.renter;
          sim.endRental({ rentalId: rental.id, byId: by.id });
          const ended = sim.getRental(rental.id);
          rental.endedManuallyAtMs = ended?.ended_at ? parseTsDb(ended.ended_at) / 1000 : sim.now().getTime();
          rental.endedBy = by.id;
          say(`end ${rental.name} (DELETE by @${by.username}: rental_ended goes to the bot)`);
          break;
        }
        case 'extend': {
          const rental = played.rentals.get(action.value.rental);
          if (!rental) throw new Error(`rental ${action.value.rental} did not start`);
          const row = sim.extendRental({ rentalId: rental.id, durationMs: action.value.duration });
          rental.expiries.push(parseTsDb(row.expires_at) / 1000);
          say(`extend ${rental.name} by ${formatDuration(action.value.duration)} (no event: the bot must re-read expires_at)`);
          break;
        }
        case 'dm': {
          const from = cast.humans.get(action.value.from)!;
          const to = cast.bots.get(action.value.to)!;
          const pending = () => {
            const conversation = sim.conversationBetween(from.id, to.id);
            if (conversation === undefined) return false;
            return hostBusyWith(conversation) || sim.dmMessages(conversation).at(-1)?.sender_id === from.id;
          };
          if (action.value.wait) await waitForBot(`from @${to.username} to @${from.username}'s DM`, pending);
          sim.sendDm({ fromId: from.id, toId: to.id, content: action.value.text });
          if (!played.dmPairs.some((p) => p.from.id === from.id && p.to.id === to.id)) played.dmPairs.push({ from, to });
          say(`DM @${from.username} → @${to.username}: ${short(action.value.text)}`);
          break;
        }
        case 'owner_message': {
          const bot = cast.bots.get(action.value.bot)!;
          const pending = () => sim.ownerChat(bot.id).at(-1)?.sender_type === 'owner' || hostBusyWith(bot.id);
          if (action.value.wait) await waitForBot(`from @${bot.username} in the owner chat`, pending);
          sim.sendOwnerMessage({ botId: bot.id, content: action.value.text });
          if (!played.ownerChats.some((b) => b.id === bot.id)) played.ownerChats.push(bot);
          say(`owner chat @${cast.owner.username} → @${bot.username}: ${short(action.value.text)}`);
          break;
        }
        case 'faults': {
          sim.faults = { ...sim.faults, ...action.value };
          say(`faults: ${Object.entries(action.value).map(([k, v]) => `${k}=${String(v)}`).join(', ')}`);
          break;
        }
        case 'advance_clock': {
          sim.advanceClock(action.value);
          say(`advance the platform clock by ${formatDuration(action.value)} (the host's clock does not move)`);
          break;
        }
      }
    } catch (err) {
      // The platform refusing a human action (e.g. a post to a rental a sweep has ended) is part
      // of the story, not a verdict on the host: say so and go on.
      const reason = err instanceof SimApiError ? `${err.status} ${err.message}` : err instanceof Error ? err.message : String(err);
      say(`! step ${index + 1} (${action.name}) was refused: ${reason}`);
    }
  }
  return played;
}

export function formatDuration(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms >= 1000) return `${Number((ms / 1000).toFixed(2))}s`;
  return `${ms}ms`;
}
