/**
 * Starts the emulator: state, clock, deliverer and HTTP app, listening on 127.0.0.1 by
 * default. The returned `Sim` drives the human side (rentals, DMs, owner messages) with
 * the same functions the HTTP routes call, so both paths fire the same events.
 */
import type { AddressInfo } from 'node:net';
import { buildSimApp } from './build-sim-app.js';
import { createSimClock } from './clock.js';
import { createNotifier } from './create-notification.js';
import { createDeliverer } from './deliver-webhook.js';
import { resolveFaults, type SimFaults } from './faults.js';
import type { SimPlatform } from './platform/context.js';
import { conversationBetween, sendDm } from './platform/direct-messages.js';
import { createPost, reactToPost, repliesTo } from './platform/feed.js';
import { inboxOf } from './platform/inbox.js';
import { ownerChatThread, sendOwnerMessage } from './platform/owner-chat.js';
import { createBot, createHuman, requireProfile, setWebhookUrl } from './platform/profiles.js';
import { postRentalMessage, rentalTranscript } from './platform/rental-chat.js';
import { autoStartRental, endRental, extendRental, queueConfirmRental, startRental } from './platform/rentals.js';
import { SimApiError } from './sim-api-error.js';
import { createSimState } from './sim-state.js';
import { restoreState, snapshotState } from './sim-snapshot.js';
import { createSleeper } from './sleeper.js';
import type { Sim, SimDelivery, SimOptions, SimPost, SimRequest, SimRental } from './types.js';

export async function startSim(options: SimOptions = {}): Promise<Sim> {
  const timeScale = options.timeScale ?? 1;
  if (!(timeScale > 0)) throw new RangeError(`timeScale must be a positive number, got ${timeScale}`);
  let faults: SimFaults = resolveFaults(options.faults);
  const random = options.random ?? Math.random;
  const log = options.log;
  const deliveries: SimDelivery[] = [];
  const requests: SimRequest[] = [];

  const state = createSimState();
  const restored = options.state === undefined ? undefined : restoreState(state, options.state);
  const clock = createSimClock(() => faults.clockDriftMs, restored?.clock_advanced_ms ?? 0);
  const deliverer = createDeliverer({ timeScale, faults: () => faults, random, record: (d) => deliveries.push(d), log });
  const platform: SimPlatform = { state, clock, notify: createNotifier({ state, clock, deliverer }) };
  const sleeper = createSleeper();
  const exportState = () => snapshotState(state, clock.advancedMs(), clock.nowIso());
  const app = buildSimApp({
    platform,
    deliverer,
    faults: () => faults,
    random,
    sleeper,
    recordRequest: (r) => requests.push(r),
    log,
    control: options.control
      ? {
          platform,
          getFaults: () => faults,
          setFaults: (next) => {
            faults = resolveFaults(next);
          },
          requests,
          deliveries,
          exportState,
        }
      : undefined,
  });

  const host = options.host ?? '127.0.0.1';
  await app.listen({ port: options.port ?? 0, host });
  const { port } = app.server.address() as AddressInfo;
  const origin = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  log?.(`sim listening on ${origin}/api (timeScale ${timeScale})${options.control ? `, control API on ${origin}/_sim` : ''}`);

  const copyRental = (rental: SimRental): SimRental => ({ ...rental });
  const copyPost = (post: SimPost): SimPost => ({ ...post, tags: [...post.tags] });
  let closing: Promise<void> | undefined;

  return {
    url: `${origin}/api`,
    origin,
    get faults() {
      return faults;
    },
    set faults(next: SimFaults) {
      faults = resolveFaults(next);
    },
    now: () => clock.now(),
    advanceClock: (ms) => clock.advance(ms),

    createHuman: (input) => createHuman(platform, input),
    createBot: (input) => createBot(platform, input),
    setWebhookUrl: (profileId, url) => setWebhookUrl(platform, profileId, url),

    startRental: (input) => copyRental(startRental(platform, input).rental),
    queueConfirmRental: (input) => copyRental(queueConfirmRental(platform, input).rental),
    autoStartRental: (input) => copyRental(autoStartRental(platform, input).rental),
    postRentalMessage: (input) => ({ ...postRentalMessage(platform, input) }),
    endRental: (input) => {
      endRental(platform, input);
    },
    extendRental: (input) => {
      const { rentalId, minutes, durationMs } = input;
      extendRental(platform, { rentalId, minutes, durationMs });
      return copyRental(state.rentals.get(rentalId) as SimRental);
    },
    sendDm: (input) => {
      const { message, conversationId } = sendDm(platform, input);
      return { conversationId, messageId: message.id };
    },
    sendOwnerMessage: (input) => ({ messageId: sendOwnerMessage(platform, input).id }),
    createPost: (input) => {
      const result = createPost(platform, {
        authorId: input.authorId,
        content: input.content,
        tags: input.tags,
        parentId: input.parentId,
        payForPost: input.payForPost,
        id: input.id,
      });
      if (result.status === 402) throw new SimApiError(402, result.body.message);
      return copyPost(result.post);
    },
    reactToPost: (input) => {
      reactToPost(platform, { postId: input.postId, user: requireProfile(platform, input.userId), reaction: input.reaction });
    },

    getProfile: (id) => {
      const profile = state.profiles.get(id);
      return profile && { ...profile };
    },
    getRental: (id) => {
      const rental = state.rentals.get(id);
      return rental && copyRental(rental);
    },
    rentalMessages: (rentalId) => rentalTranscript(platform, rentalId).map((m) => ({ ...m })),
    dmMessages: (conversationId) => state.dms.filter((m) => m.conversation_id === conversationId).map((m) => ({ ...m })),
    conversationBetween: (a, b) => conversationBetween(platform, a, b)?.id,
    ownerChat: (botId) => ownerChatThread(platform, botId).map((m) => ({ ...m })),
    notifications: (profileId) => inboxOf(platform, profileId).map((n) => ({ ...n })),
    getPost: (id) => {
      const post = state.posts.get(id);
      return post && copyPost(post);
    },
    postReplies: (postId) => repliesTo(platform, postId).map(copyPost),
    feedPosts: (authorId) => [...state.posts.values()].filter((p) => authorId === undefined || p.author_id === authorId).map(copyPost),

    deliveries,
    requests,
    exportState,
    waitForDeliveries: () => deliverer.idle(),
    close: () => {
      closing ??= (async () => {
        deliverer.close();
        sleeper.wakeAll();
        await app.close();
        await deliverer.idle();
        log?.('sim closed');
      })();
      return closing;
    },
  };
}
