/**
 * A DM conversation, a bot's owner chat, or a bot's other events (follows, sales, post
 * replies…): every incoming message or event asks for one turn. Pure logic, like the rental
 * machine; the runtime carries out `startTurn`.
 */
import { setup } from 'xstate';
import type { StartTurnParams } from './rental-machine.js';

export interface ConversationContext {
  botId: string;
  channel: 'dm' | 'owner' | 'events';
  /** The conversation id (DM) or the bot id (owner chat). */
  subjectId: string;
}

export type ConversationEvent =
  | { type: 'conversation.message'; messageRowId: number; senderId: string }
  /** An event whose resolved action needs a post or a model turn (src/agent/event-policies.ts). */
  | { type: 'event.received'; inboxSeq: number };

export const conversationMachine = setup({
  types: {
    context: {} as ConversationContext,
    events: {} as ConversationEvent,
    input: {} as ConversationContext,
  },
  actions: {
    startTurn: (_, _params: StartTurnParams) => {},
  },
}).createMachine({
  id: 'conversation',
  initial: 'open',
  context: ({ input }) => ({ ...input }),
  states: {
    open: {
      on: {
        'conversation.message': {
          actions: { type: 'startTurn', params: ({ event }) => ({ kind: 'reply', messageRowId: event.messageRowId }) },
        },
        'event.received': {
          actions: { type: 'startTurn', params: ({ event }) => ({ kind: 'event', messageRowId: null, inboxSeq: event.inboxSeq }) },
        },
      },
    },
  },
});
