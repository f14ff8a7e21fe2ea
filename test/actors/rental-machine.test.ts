import { describe, expect, it } from 'vitest';
import { startActor, stepActor, type ActorState } from '../../src/actors/actor-logic.js';
import type { RentalEvent } from '../../src/actors/rental-machine.js';

const KEY = 'rental:3c02559b-3c42-4cdd-b64e-2ec636ec8a8f:9496dae6-e9c7-4f9b-8e24-76e73998f16c';
const RENTER = '3bb30ba1-5a0e-48cf-9ad6-93465bfcc464';

function run(events: RentalEvent[]) {
  let actor: ActorState = startActor(KEY);
  const effects: string[] = [];
  for (const event of events) {
    const step = stepActor(actor, event);
    actor = step.next;
    effects.push(...step.effects.map((e) => (e.type === 'startTurn' ? `turn:${e.params.kind}` : 'cancel')));
  }
  return { state: actor.snapshot.value, done: actor.done, context: actor.snapshot.context, effects };
}

const request = (instructions: string | null = null): RentalEvent => ({ type: 'rental.request', renterId: RENTER, instructions });
const message = (id: number): RentalEvent => ({ type: 'rental.message', messageRowId: id, senderId: RENTER });
const endingSoon: RentalEvent = { type: 'rental.ending_soon', renterId: RENTER, ownerId: null, expiresAt: '2026-05-04T14:15:03.512Z' };
const ended: RentalEvent = { type: 'rental.ended', reason: 'rental_ended' };

describe('rental machine', () => {
  it('starts in requested and knows its rental and bot from the key', () => {
    const actor = startActor(KEY);
    expect(actor.snapshot.value).toBe('requested');
    expect(actor.snapshot.context).toMatchObject({ rentalId: '9496dae6-e9c7-4f9b-8e24-76e73998f16c', botId: '3c02559b-3c42-4cdd-b64e-2ec636ec8a8f' });
  });

  it('greets on request, replies to each message, wraps up once, and ends', () => {
    const result = run([request(), message(1), message(2), endingSoon, message(3), endingSoon, ended]);
    expect(result.effects).toEqual(['turn:greet', 'turn:reply', 'turn:reply', 'turn:wrap_up', 'turn:reply', 'cancel']);
    expect(result.state).toBe('ended');
    expect(result.done).toBe(true);
  });

  it('answers a message that arrives before its request, and does not greet when the request comes late', () => {
    const result = run([message(1), request()]);
    expect(result.effects).toEqual(['turn:reply']);
    expect(result.state).toBe('active');
    expect(result.context.renterId).toBe(RENTER);
  });

  it('starts on late pre-loaded instructions once', () => {
    const result = run([message(1), request('Rank the proposals'), request('Rank the proposals')]);
    expect(result.effects).toEqual(['turn:reply', 'turn:instructions']);
  });

  it('greets and takes up instructions in one turn when the request comes first', () => {
    const result = run([request('Rank the proposals')]);
    expect(result.effects).toEqual(['turn:greet']);
    expect(result.context).toMatchObject({ instructions: 'Rank the proposals', instructionsHandled: true });
  });

  it('ignores everything after the end', () => {
    const ending = run([request(), ended]);
    let actor = startActor(KEY);
    for (const e of [request(), ended]) actor = stepActor(actor, e).next;
    const after = stepActor(actor, message(5));
    expect(ending.done).toBe(true);
    expect(after.effects).toEqual([]);
    expect(after.next.snapshot.value).toBe('ended');
  });

  it('ends when the platform says the rental has ended', () => {
    const result = run([request(), { type: 'rental.info', renterId: RENTER, ownerId: null, expiresAt: null, ended: true, reopened: false }]);
    expect(result.state).toBe('ended');
    expect(result.effects).toEqual(['turn:greet', 'cancel']);
  });

  it('remembers the expiry read from the platform', () => {
    const result = run([request(), { type: 'rental.info', renterId: RENTER, ownerId: 'o', expiresAt: '2026-05-04T14:15:03.512Z', ended: false, reopened: true }]);
    expect(result.context).toMatchObject({ expiresAt: '2026-05-04T14:15:03.512Z', ownerId: 'o' });
    expect(result.state).toBe('active');
  });
});

describe('rental machine: the host-owned clock', () => {
  const info = (expiresAt: string, reopened: boolean): RentalEvent => ({ type: 'rental.info', renterId: RENTER, ownerId: null, expiresAt, ended: false, reopened });

  it('wraps up on its own clock without any platform warning, and a later platform warning is a no-op', () => {
    const result = run([request(), { type: 'rental.clock_warning' }, endingSoon, { type: 'rental.clock_warning' }]);
    expect(result.effects).toEqual(['turn:greet', 'turn:wrap_up']);
    expect(result.state).toBe('ending_soon');
  });

  it('a platform warning first makes the clock warning a no-op', () => {
    expect(run([request(), endingSoon, { type: 'rental.clock_warning' }]).effects).toEqual(['turn:greet', 'turn:wrap_up']);
  });

  it('ends at expires_at and ignores a later rental_ended', () => {
    const result = run([request(), { type: 'rental.clock_expired' }, ended, message(9)]);
    expect(result.effects).toEqual(['turn:greet', 'cancel']);
    expect(result.context.endedReason).toBe('expires_at has passed');
  });

  it('goes back to work after an extension, and wraps up again near the new end', () => {
    const result = run([
      request(),
      info('2026-05-04T14:15:03.512Z', false),
      { type: 'rental.clock_warning' },
      info('2026-05-04T15:00:00.000Z', true),
      message(1),
      { type: 'rental.clock_warning' },
    ]);
    expect(result.effects).toEqual(['turn:greet', 'turn:wrap_up', 'turn:reply', 'turn:wrap_up']);
    expect(result.state).toBe('ending_soon');
  });

  it('stays wrapping up when the re-read shows no extension', () => {
    const result = run([request(), { type: 'rental.clock_warning' }, info('2026-05-04T14:15:03.512Z', false)]);
    expect(result.state).toBe('ending_soon');
  });
});

describe('rental machine: an early platform warning', () => {
  it('is not mistaken for an extension when the rental row is read again', () => {
    const expiresAt = '2026-05-04T14:15:03.512Z';
    const result = run([
      request(),
      { type: 'rental.info', renterId: RENTER, ownerId: null, expiresAt, ended: false, reopened: true },
      { ...endingSoon, expiresAt } as RentalEvent,
      // Re-read: same expires_at, still more than the host's window away.
      { type: 'rental.info', renterId: RENTER, ownerId: null, expiresAt, ended: false, reopened: true },
      { type: 'rental.clock_warning' },
    ]);
    expect(result.effects).toEqual(['turn:greet', 'turn:wrap_up']);
    expect(result.state).toBe('ending_soon');
  });
});
