/**
 * Loads an actor's state from its persisted snapshot (or starts it) and computes its next state
 * with XState's pure `transition`, returning the named effects for the runtime to carry out.
 */
import { initialTransition, transition, type AnyStateMachine } from 'xstate';
import { parseActorKey, type ActorKind } from './actor-keys.js';
import { conversationMachine } from './conversation-machine.js';
import { rentalMachine, type StartTurnParams } from './rental-machine.js';
import type { ActorEvent } from './route-inbox-event.js';

export interface PersistedActor {
  value: unknown;
  context: Record<string, unknown>;
  status: string;
}

export type ActorEffect = { type: 'startTurn'; params: StartTurnParams } | { type: 'cancelPendingWork' };

export interface ActorState {
  key: string;
  kind: ActorKind;
  botId: string;
  snapshot: PersistedActor;
  done: boolean;
}

function machineFor(kind: ActorKind): AnyStateMachine {
  return kind === 'rental' ? rentalMachine : conversationMachine;
}

function persist(snapshot: { value: unknown; context: unknown; status: string }): PersistedActor {
  return { value: snapshot.value, context: snapshot.context as Record<string, unknown>, status: snapshot.status };
}

export function startActor(key: string): ActorState {
  const { kind, botId, subjectId } = parseActorKey(key);
  const input = kind === 'rental' ? { rentalId: subjectId, botId } : { botId, channel: kind, subjectId };

  const [snapshot] = initialTransition(machineFor(kind), input);
  return { key, kind, botId, snapshot: persist(snapshot), done: false };
}

export function restoreActor(key: string, stored: PersistedActor): ActorState {
  const { kind, botId } = parseActorKey(key);
  return { key, kind, botId, snapshot: stored, done: stored.status === 'done' };
}

export function stepActor(actor: ActorState, event: ActorEvent): { next: ActorState; effects: ActorEffect[] } {
  const machine = machineFor(actor.kind);
  const current = machine.resolveState({ value: actor.snapshot.value as never, context: actor.snapshot.context });
  const [snapshot, actions] = transition(machine, current, event as never);
  const effects: ActorEffect[] = [];
  for (const action of actions as { type: string; params?: unknown }[]) {
    if (action.type === 'startTurn') effects.push({ type: 'startTurn', params: action.params as StartTurnParams });
    else if (action.type === 'cancelPendingWork') effects.push({ type: 'cancelPendingWork' });
  }
  const next = persist(snapshot);
  return { next: { ...actor, snapshot: next, done: next.status === 'done' }, effects };
}
