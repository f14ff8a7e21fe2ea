import { describe, expect, it } from 'vitest';
import { judgeScenario, type RecordedMessage, type RecordedRental, type ScenarioRecord } from '../../src/scenarios/judge-scenario.js';

const T0 = Date.parse('2026-05-04T14:00:00Z');
const S = 1000;
const MIN = 60_000;

let ids = 0;
const bot = (at: number, content = 'answer'): RecordedMessage => ({ id: `m${++ids}`, fromBot: true, author: '@helper', content, atMs: T0 + at });
const renter = (at: number, content = 'question'): RecordedMessage => ({ id: `m${++ids}`, fromBot: false, author: '@alice', content, atMs: T0 + at });

function rental(messages: RecordedMessage[], overrides: Partial<RecordedRental> = {}): RecordedRental {
  return {
    label: 'rental r1',
    kind: 'rental',
    messages,
    noReplyNeeded: new Set(),
    greetingExpected: true,
    workSteps: 0,
    expiries: [T0 + 15 * MIN],
    endedManuallyAtMs: T0 + 10 * S,
    botPosts: messages.filter((m) => m.fromBot).map((m) => ({ atMs: m.atMs, status: 201 })),
    ...overrides,
  };
}

function judge(rentals: RecordedRental[], extra: Partial<ScenarioRecord> = {}) {
  const checks = judgeScenario({ startMs: T0, rentals, conversations: [], firstReplyWithinMs: 60 * S, ...extra });
  return Object.fromEntries(checks.map((c) => [c.name, c]));
}

describe('scenario verdict', () => {
  it('passes a greeting followed by one answer per message', () => {
    const checks = judge([rental([bot(50), renter(1 * S), bot(1.2 * S), renter(2 * S), bot(2.1 * S)])]);
    expect(Object.values(checks).map((c) => c.passed)).toEqual([true, true, true, true]);
    expect(checks['answered once']!.lines).toEqual(['2 message(s), each answered exactly once']);
    expect(checks['first reply']!.lines).toEqual(['rental r1: 200 ms']);
  });

  it('fails a message answered twice, naming it and both answers', () => {
    const checks = judge([rental([renter(1 * S, 'What is BM25?'), bot(1.1 * S), bot(1.2 * S), renter(2 * S), bot(2.1 * S)], { greetingExpected: false })]);
    expect(checks['answered once']!.passed).toBe(false);
    expect(checks['answered once']!.lines).toEqual(['rental r1: +1.00s @alice "What is BM25?" was answered 2 times (+1.10s, +1.20s)']);
  });

  it('lets the greeting land after a message written at once, but only one greeting', () => {
    const late = judge([rental([renter(100, 'quick one'), bot(1 * S, 'Hi, I am helper'), bot(1.1 * S, 'the answer'), renter(2 * S), bot(2.1 * S)])]);
    expect(late['answered once']!.passed).toBe(true);
    const twice = judge([rental([renter(100, 'quick one'), bot(1 * S, 'Hi'), bot(1.1 * S, 'answer'), bot(1.2 * S, 'answer again')])]);
    expect(twice['answered once']!.lines).toEqual(['rental r1: +0.10s @alice "quick one" was answered 2 times (+1.10s, +1.20s)']);
    // Without a rental_request (auto-start) there is no greeting to excuse.
    const auto = judge([rental([renter(100, 'quick one'), bot(1 * S), bot(1.1 * S)], { greetingExpected: false })]);
    expect(auto['answered once']!.passed).toBe(false);
  });

  it('fails a message never answered, and a second greeting', () => {
    const checks = judge([rental([bot(10), bot(20), renter(1 * S, 'hello?'), renter(2 * S), bot(2.1 * S)])]);
    expect(checks['answered once']!.lines).toEqual([
      'rental r1: 2 bot message(s) before anyone wrote (at most 1: the greeting)',
      'rental r1: +1.00s @alice "hello?" was never answered',
    ]);
  });

  it('takes one extra message in the last 2 minutes before an expiry to be the wrap-up', () => {
    const expiry = T0 + 90 * S;
    const checks = judge([rental([bot(10), bot(20, 'wrap-up'), renter(1 * S), bot(1.1 * S)], { expiries: [expiry], endedManuallyAtMs: null })]);
    expect(checks['answered once']!.passed).toBe(true);
    // Far from the end there is no wrap-up to excuse it.
    const early = judge([rental([renter(1 * S), bot(1.1 * S), bot(1.2 * S)], { expiries: [T0 + 15 * MIN], greetingExpected: false })]);
    expect(early['answered once']!.passed).toBe(false);
  });

  it('takes up to workSteps extra messages in a rental with pre-loaded instructions as work steps, and no more', () => {
    const messages = [renter(0, 'Compare three vector databases'), bot(0.1 * S, 'plan and step 1'), bot(0.2 * S, 'step 2'), bot(0.3 * S, 'step 3'), renter(1 * S), bot(1.1 * S)];
    // An auto-start rental: no greeting, the instructions are the first message.
    const checks = judge([rental(messages, { workSteps: 2, greetingExpected: false })]);
    expect(checks['answered once']).toMatchObject({ passed: true, lines: ['2 message(s), each answered exactly once (and 2 work step(s) on pre-loaded instructions)'] });
    const tooMany = judge([rental(messages, { workSteps: 1, greetingExpected: false })]);
    expect(tooMany['answered once']!.lines).toEqual(['rental r1: +0.00s @alice "Compare three vector databases" was answered 2 times (+0.10s, +0.30s)']);
  });

  it('does not require answers to messages written after the end or marked expect_reply: false', () => {
    const late = renter(70 * S, 'after expiry');
    const bye = renter(5 * S, 'bye');
    const checks = judge([
      rental([renter(1 * S), bot(1.1 * S), bye, late], { expiries: [T0 + 60 * S], endedManuallyAtMs: null, noReplyNeeded: new Set([bye.id]) }),
    ]);
    expect(checks['answered once']).toMatchObject({ passed: true, lines: ['1 message(s), each answered exactly once (and 1 that needed no answer, answered at most once)'] });
  });

  it('fails any bot post at or after the end, whatever the platform answered', () => {
    const messages = [renter(1 * S), bot(1.1 * S)];
    const checks = judge([
      rental(messages, {
        expiries: [T0 + 5 * S],
        endedManuallyAtMs: null,
        botPosts: [
          { atMs: T0 + 1.1 * S, status: 201 },
          { atMs: T0 + 6 * S, status: 201 },
          { atMs: T0 + 7 * S, status: 400 },
        ],
      }),
    ]);
    expect(checks['nothing after the end']!.passed).toBe(false);
    expect(checks['nothing after the end']!.lines).toEqual([
      'rental r1: the bot posted at +6.00s, 1.0 s after the end (expires_at +5.00s, a clock end with no rental_ended); the platform answered 201',
      'rental r1: the bot posted at +7.00s, 2.0 s after the end (expires_at +5.00s, a clock end with no rental_ended); the platform answered 400',
    ]);
    const manual = judge([rental(messages, { endedManuallyAtMs: T0 + 2 * S, botPosts: [{ atMs: T0 + 2.5 * S, status: 400 }] })]);
    expect(manual['nothing after the end']!.lines[0]).toContain('after the end (ended by DELETE at +2.00s)');
  });

  it('fails the first reply over the limit, and rental-ready without a bot reply within 5 minutes', () => {
    const slow = judge([rental([renter(1 * S), bot(1 * S + 6 * MIN)], { greetingExpected: false, endedManuallyAtMs: null, expiries: [T0 + 30 * MIN] })]);
    expect(slow['first reply']).toMatchObject({ passed: false, lines: ['rental r1: 360.0 s, over the 60.0 s limit'] });
    expect(slow['rental-ready']).toMatchObject({ passed: false });
    expect(slow['rental-ready']!.lines[0]).toContain('no bot message directly follows a renter or owner message within 5 minutes');
  });

  it('says n/a rather than pass when there is nothing to judge', () => {
    const checks = judge([]);
    expect(Object.values(checks).map((c) => c.passed)).toEqual([null, null, null, null]);
  });

  it('judges DMs and the owner chat too: one answer per message, no bot message first', () => {
    const dm = { label: 'DM @bob ↔ @helper', kind: 'dm' as const, noReplyNeeded: new Set<string>(), messages: [bot(0, 'unprompted'), renter(1 * S), bot(1.1 * S)] };
    const checks = judgeScenario({ startMs: T0, rentals: [], conversations: [dm], firstReplyWithinMs: 60 * S });
    expect(checks[0]).toMatchObject({ name: 'answered once', passed: false, lines: ['DM @bob ↔ @helper: 1 bot message(s) before anyone wrote (at most 0: the greeting)'] });
  });
});
