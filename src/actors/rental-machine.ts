/**
 * One rental's lifecycle: requested → active → ending_soon → ended. Pure logic: effects are
 * named actions (`startTurn`, `cancelPendingWork`) that the runtime carries out in the same
 * SQLite transaction that stores the new snapshot.
 */
import { assign, setup } from 'xstate';

/**
 * greet: the rental starts (with instructions: greet, plan, first step); reply: answer chat
 * messages; instructions: late pre-loaded instructions; work: the next step of autonomous work;
 * wrap_up: the final minutes; event: answer another platform event (events actor).
 */
export type TurnKind = 'greet' | 'reply' | 'instructions' | 'work' | 'wrap_up' | 'event';

export interface RentalContext {
  rentalId: string;
  botId: string;
  renterId: string | null;
  ownerId: string | null;
  /** ISO time the platform says the rental ends; null until read from GET /api/rentals/{id}. */
  expiresAt: string | null;
  /** ISO time the rental started, once read from the platform. */
  startedAt?: string | null;
  instructions: string | null;
  instructionsHandled: boolean;
  endedReason: string | null;
}

export type RentalEvent =
  | { type: 'rental.request'; renterId: string; instructions: string | null }
  | { type: 'rental.message'; messageRowId: number; senderId: string }
  | { type: 'rental.ending_soon'; renterId: string | null; ownerId: string | null; expiresAt: string | null }
  | { type: 'rental.ended'; reason: string }
  /**
   * The rental row as read from the platform. `reopened`: it now ends later than the warning
   * window from now (an extension), so a wrapped-up rental goes back to work.
   */
  | {
      type: 'rental.info';
      renterId: string;
      ownerId: string | null;
      expiresAt: string | null;
      startedAt?: string | null;
      ended: boolean;
      reopened: boolean;
    }
  /** The host's own clock: the warning window has begun (whether or not the platform warned). */
  | { type: 'rental.clock_warning' }
  /** The host's own clock: expires_at has passed (the platform sends no rental_ended for this). */
  | { type: 'rental.clock_expired' };

export interface StartTurnParams {
  kind: TurnKind;
  messageRowId: number | null;
  /** For event turns: the inbox row of the event to answer. */
  inboxSeq?: number;
}

const endedTransition = { target: '#rental.ended', actions: ['rememberEnd', 'cancelPendingWork'] } as const;

export const rentalMachine = setup({
  types: {
    context: {} as RentalContext,
    events: {} as RentalEvent,
    input: {} as { rentalId: string; botId: string },
  },
  actions: {
    // Implemented by the runtime (it writes a turn row); declared here so the machine names it.
    startTurn: (_, _params: StartTurnParams) => {},
    cancelPendingWork: () => {},
    rememberRequest: assign(({ event, context }) => {
      if (event.type !== 'rental.request') return {};
      return { renterId: event.renterId, instructions: event.instructions ?? context.instructions };
    }),
    rememberInfo: assign(({ event, context }) => {
      if (event.type === 'rental.info') {
        return { renterId: event.renterId, ownerId: event.ownerId, expiresAt: event.expiresAt, startedAt: event.startedAt ?? context.startedAt ?? null };
      }
      if (event.type === 'rental.ending_soon') {
        return {
          renterId: context.renterId ?? event.renterId,
          ownerId: context.ownerId ?? event.ownerId,
          expiresAt: event.expiresAt ?? context.expiresAt,
        };
      }
      return {};
    }),
    markInstructionsHandled: assign({ instructionsHandled: true }),
    rememberEnd: assign({
      endedReason: ({ event }) =>
        event.type === 'rental.ended'
          ? event.reason
          : event.type === 'rental.clock_expired'
            ? 'expires_at has passed'
            : 'the platform says the rental has ended',
    }),
  },
  guards: {
    hasNewInstructions: ({ context, event }) =>
      event.type === 'rental.request' && !context.instructionsHandled && !!(event.instructions ?? context.instructions),
    platformSaysEnded: ({ event }) => event.type === 'rental.info' && event.ended,
    // An extension: expires_at moved later than the host knew, far enough to be worth more work.
    // (Not just "more than the window left": the platform may have warned earlier than the host would.)
    extended: ({ context, event }) =>
      event.type === 'rental.info' &&
      !event.ended &&
      event.reopened &&
      event.expiresAt !== null &&
      context.expiresAt !== null &&
      Date.parse(event.expiresAt) > Date.parse(context.expiresAt),
  },
}).createMachine({
  id: 'rental',
  initial: 'requested',
  context: ({ input }) => ({
    rentalId: input.rentalId,
    botId: input.botId,
    renterId: null,
    ownerId: null,
    expiresAt: null,
    instructions: null,
    instructionsHandled: false,
    endedReason: null,
  }),
  states: {
    requested: {
      on: {
        // The greeting turn also starts work on pre-loaded instructions, so both come in one reply.
        'rental.request': {
          target: 'active',
          actions: ['rememberRequest', 'markInstructionsHandled', { type: 'startTurn', params: { kind: 'greet', messageRowId: null } }],
        },
        // A message before its rental_request (§1.5) is answered, not held.
        'rental.message': {
          target: 'active',
          actions: { type: 'startTurn', params: ({ event }) => ({ kind: 'reply', messageRowId: event.messageRowId }) },
        },
        'rental.ending_soon': {
          target: 'ending_soon',
          actions: ['rememberInfo', { type: 'startTurn', params: { kind: 'wrap_up', messageRowId: null } }],
        },
        'rental.clock_warning': { target: 'ending_soon', actions: { type: 'startTurn', params: { kind: 'wrap_up', messageRowId: null } } },
        'rental.info': [{ guard: 'platformSaysEnded', ...endedTransition }, { actions: 'rememberInfo' }],
        'rental.ended': endedTransition,
        'rental.clock_expired': endedTransition,
      },
    },
    active: {
      on: {
        // A late rental_request: no second greeting, but instructions we have not seen yet are started.
        'rental.request': [
          {
            guard: 'hasNewInstructions',
            actions: ['rememberRequest', 'markInstructionsHandled', { type: 'startTurn', params: { kind: 'instructions', messageRowId: null } }],
          },
          { actions: 'rememberRequest' },
        ],
        'rental.message': {
          actions: { type: 'startTurn', params: ({ event }) => ({ kind: 'reply', messageRowId: event.messageRowId }) },
        },
        'rental.ending_soon': {
          target: 'ending_soon',
          actions: ['rememberInfo', { type: 'startTurn', params: { kind: 'wrap_up', messageRowId: null } }],
        },
        'rental.clock_warning': { target: 'ending_soon', actions: { type: 'startTurn', params: { kind: 'wrap_up', messageRowId: null } } },
        'rental.info': [{ guard: 'platformSaysEnded', ...endedTransition }, { actions: 'rememberInfo' }],
        'rental.ended': endedTransition,
        'rental.clock_expired': endedTransition,
      },
    },
    ending_soon: {
      on: {
        'rental.request': { actions: 'rememberRequest' },
        'rental.message': {
          actions: { type: 'startTurn', params: ({ event }) => ({ kind: 'reply', messageRowId: event.messageRowId }) },
        },
        // One wrap-up per warning: a second warning (the platform's after ours, or ours after
        // the platform's) changes nothing.
        'rental.ending_soon': { actions: 'rememberInfo' },
        'rental.clock_warning': {},
        // An extension re-arms the warning: back to work, and a new wrap-up near the new end.
        'rental.info': [
          { guard: 'platformSaysEnded', ...endedTransition },
          { guard: 'extended', target: 'active', actions: 'rememberInfo' },
          { actions: 'rememberInfo' },
        ],
        'rental.ended': endedTransition,
        'rental.clock_expired': endedTransition,
      },
    },
    ended: { type: 'final' },
  },
});
