/**
 * A DM conversation or a bot's owner chat: every incoming message asks for one reply turn.
 * Pure logic, like the rental machine; the runtime carries out `startTurn`.
 */
import { setup } from 'xstate';
import type { StartTurnParams } from './rental-machine.js';

export interface ConversationContext {
  botId: string;
  channel: 'dm' | 'owner';
  /** The conversation id (DM) or the bot id (owner chat). */
  subjectId: string;
}

export type ConversationEvent = { type: 'conversation.message'; messageRowId: number; senderId: string };

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
      },
    },
  },
});
