/**
 * The verdict on a scenario run, from what the platform saw: the transcripts (timestamps on the
 * platform clock) and the bot's own requests. Pure, so each check is tested on hand-made records
 * and can be seen to fail.
 */

/** CONTRACT §5: a bot message at most 5 minutes after the non-bot message it follows. */
export const RENTAL_READY_WINDOW_MS = 5 * 60_000;
/** CONTRACT §4.5: the platform warns 2 minutes before expires_at, and a host wraps up then. */
export const WRAP_UP_WINDOW_MS = 2 * 60_000;

export interface RecordedMessage {
  id: string;
  fromBot: boolean;
  /** Who wrote it, for the report (`@alice`, `@owner`). */
  author: string;
  content: string;
  /** Platform clock, epoch ms. */
  atMs: number;
}

export interface RecordedConversation {
  /** e.g. `rental r1`, `DM @bob → @helper`, `owner chat @helper`. */
  label: string;
  kind: 'rental' | 'dm' | 'owner';
  messages: RecordedMessage[];
  /** Non-bot messages that need no answer (`expect_reply: false`). */
  noReplyNeeded: ReadonlySet<string>;
}

export interface RecordedRental extends RecordedConversation {
  kind: 'rental';
  /** A rental_request went to the bot (direct, queue_confirm), so one greeting may open the chat. */
  greetingExpected: boolean;
  /**
   * With pre-loaded instructions the bot works on its own, posting progress steps nobody asked
   * for: this many bot messages beyond one per message are those steps (aa-host:
   * `work.max_work_steps`). 0 without instructions.
   */
  workSteps: number;
  /** Every expires_at the rental had, oldest first (extensions add one). Epoch ms. */
  expiries: number[];
  /** When a renter or owner ended it (DELETE); null for a clock end. Epoch ms. */
  endedManuallyAtMs: number | null;
  /** The bot's POSTs to this rental's transcript, as the platform logged them. */
  botPosts: Array<{ atMs: number; status: number }>;
}

export interface ScenarioRecord {
  /** Platform clock at the start, epoch ms: report times are offsets from it. */
  startMs: number;
  rentals: RecordedRental[];
  conversations: RecordedConversation[];
  firstReplyWithinMs: number;
}

export interface Check {
  name: 'answered once' | 'first reply' | 'nothing after the end' | 'rental-ready';
  /** null: nothing to check in this run (e.g. no rentals). */
  passed: boolean | null;
  lines: string[];
}

/** Where a rental stops: the first of its last expires_at and a manual end. */
export function effectiveEnd(rental: RecordedRental): number {
  const expiry = rental.expiries.at(-1) ?? Number.POSITIVE_INFINITY;
  return rental.endedManuallyAtMs === null ? expiry : Math.min(expiry, rental.endedManuallyAtMs);
}

export function judgeScenario(record: ScenarioRecord): Check[] {
  const all = [...record.rentals, ...record.conversations];
  return [answeredOnce(record, all), firstReply(record, all), nothingAfterEnd(record), rentalReady(record)];
}

const at = (record: ScenarioRecord, ms: number): string => `+${((ms - record.startMs) / 1000).toFixed(2)}s`;
const quote = (text: string): string => {
  const line = text.replace(/\s+/g, ' ').trim();
  return `"${line.length > 48 ? `${line.slice(0, 45)}...` : line}"`;
};
const seconds = (ms: number): string => (ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`);

/** Non-bot messages that still need an answer: written before the end, and not marked otherwise. */
function answerable(conversation: RecordedConversation): RecordedMessage[] {
  const end = conversation.kind === 'rental' ? effectiveEnd(conversation as RecordedRental) : Number.POSITIVE_INFINITY;
  return conversation.messages.filter((m) => !m.fromBot && m.atMs < end && !conversation.noReplyNeeded.has(m.id));
}

/**
 * Exactly one bot message between each non-bot message and the next one (or the end). A rental
 * may also hold one greeting (before the first non-bot message, or just after it). One extra message per warning
 * window (the last 2 minutes before each expires_at the rental had) is taken to be the wrap-up,
 * and in a rental with pre-loaded instructions up to `workSteps` extra messages are work steps.
 */
function answeredOnce(record: ScenarioRecord, conversations: RecordedConversation[]): Check {
  const lines: string[] = [];
  let failed = false;
  let counted = 0;
  let optionalCount = 0;
  let workStepsSeen = 0;
  for (const conversation of conversations) {
    const rental = conversation.kind === 'rental' ? (conversation as RecordedRental) : undefined;
    const end = rental ? effectiveEnd(rental) : Number.POSITIVE_INFINITY;
    const windows: Array<{ opener: RecordedMessage | null; replies: RecordedMessage[] }> = [{ opener: null, replies: [] }];
    for (const message of conversation.messages) {
      if (message.fromBot) windows.at(-1)!.replies.push(message);
      else windows.push({ opener: message, replies: [] });
    }
    const unusedWrapUps = (rental?.expiries ?? []).map((expiry) => ({ from: expiry - WRAP_UP_WINDOW_MS, to: expiry }));
    let workStepsLeft = rental?.workSteps ?? 0;
    const excuseWrapUp = (extra: RecordedMessage[]): RecordedMessage[] =>
      extra.filter((message) => {
        const window = unusedWrapUps.findIndex((w) => message.atMs >= w.from && message.atMs <= w.to);
        if (window !== -1) {
          unusedWrapUps.splice(window, 1);
          return false;
        }
        if (workStepsLeft > 0 && message.atMs < end) {
          workStepsLeft--;
          workStepsSeen++;
          return false;
        }
        return true;
      });

    // The greeting is the rental's first bot message. A renter who writes at once may see it
    // after their message (the host orders a late rental_request by created_at): one greeting is
    // excused wherever it lands, never a second one.
    let greetingLeft = rental?.greetingExpected ? 1 : 0;
    const greeting = conversation.messages.find((m) => m.fromBot);
    const problems: string[] = [];
    for (const { opener, replies } of windows) {
      if (opener === null) {
        const extra = excuseWrapUp(replies.slice(greetingLeft));
        if (replies.length > 0) greetingLeft = 0;
        if (extra.length > 0) problems.push(`${replies.length} bot message(s) before anyone wrote (at most ${rental?.greetingExpected ? 1 : 0}: the greeting)`);
        continue;
      }
      if (opener.atMs >= end) continue;
      const optional = conversation.noReplyNeeded.has(opener.id);
      if (optional) optionalCount++;
      else counted++;
      if (replies.length === 0 && !optional) {
        problems.push(`${at(record, opener.atMs)} ${opener.author} ${quote(opener.content)} was never answered`);
        continue;
      }
      let extra = replies.slice(1);
      let answers = replies;
      if (greetingLeft > 0 && greeting && replies.includes(greeting)) {
        greetingLeft = 0;
        answers = replies.filter((m) => m !== greeting);
        // Greeting and answer, or a greeting that also answers: one message each at most.
        extra = replies.filter((m) => m !== greeting).slice(1);
      }
      const unexcused = excuseWrapUp(extra);
      if (unexcused.length > 0) {
        problems.push(
          `${at(record, opener.atMs)} ${opener.author} ${quote(opener.content)} was answered ${unexcused.length + 1} times ` +
            `(${[answers.find((r) => !unexcused.includes(r)) ?? replies[0]!, ...unexcused].map((r) => at(record, r.atMs)).join(', ')})`,
        );
      }
    }
    if (problems.length > 0) {
      failed = true;
      lines.push(...problems.map((p) => `${conversation.label}: ${p}`));
    }
  }
  if (counted === 0 && !failed) return { name: 'answered once', passed: null, lines: ['no message needed an answer'] };
  if (!failed) {
    const notes = [
      ...(optionalCount > 0 ? [`${optionalCount} that needed no answer, answered at most once`] : []),
      ...(workStepsSeen > 0 ? [`${workStepsSeen} work step(s) on pre-loaded instructions`] : []),
    ];
    lines.push(`${counted} message(s), each answered exactly once${notes.length > 0 ? ` (and ${notes.join('; ')})` : ''}`);
  }
  return { name: 'answered once', passed: !failed, lines };
}

/** The first answerable message of each conversation gets its first answer within the limit. */
function firstReply(record: ScenarioRecord, conversations: RecordedConversation[]): Check {
  // Failures first: the verdict line shows the first one.
  const failures: string[] = [];
  const lines: string[] = [];
  let failed = false;
  for (const conversation of conversations) {
    const first = answerable(conversation)[0];
    if (!first) continue;
    const reply = conversation.messages.find((m) => m.fromBot && m.atMs >= first.atMs);
    if (!reply) {
      failed = true;
      failures.push(`${conversation.label}: no reply to ${first.author} ${quote(first.content)}`);
      continue;
    }
    const latency = reply.atMs - first.atMs;
    const ok = latency <= record.firstReplyWithinMs;
    failed ||= !ok;
    (ok ? lines : failures).push(`${conversation.label}: ${seconds(latency)}${ok ? '' : `, over the ${seconds(record.firstReplyWithinMs)} limit`}`);
  }
  if (lines.length === 0 && failures.length === 0) return { name: 'first reply', passed: null, lines: ['no message needed an answer'] };
  return { name: 'first reply', passed: !failed, lines: [...failures, ...lines] };
}

/**
 * No bot POST to a rental at or after its end (the DELETE, or expires_at: a clock end sends no
 * event), whatever the platform answered: a 201 on an overdue rental and a 400 "ended" both count.
 */
function nothingAfterEnd(record: ScenarioRecord): Check {
  if (record.rentals.length === 0) return { name: 'nothing after the end', passed: null, lines: ['no rentals'] };
  const lines: string[] = [];
  for (const rental of record.rentals) {
    const end = effectiveEnd(rental);
    const manual = rental.endedManuallyAtMs !== null && rental.endedManuallyAtMs === end;
    const how = manual ? `ended by DELETE at ${at(record, end)}` : `expires_at ${at(record, end)}, a clock end with no rental_ended`;
    for (const post of rental.botPosts) {
      if (post.atMs < end) continue;
      lines.push(`${rental.label}: the bot posted at ${at(record, post.atMs)}, ${seconds(post.atMs - end)} after the end (${how}); the platform answered ${post.status}`);
    }
  }
  if (lines.length > 0) return { name: 'nothing after the end', passed: false, lines };
  return { name: 'nothing after the end', passed: true, lines: [`${record.rentals.length} rental(s): no bot post at or after the end`] };
}

/** CONTRACT §5 "fast_reply": a bot message directly after a non-bot message, within 5 minutes. */
function rentalReady(record: ScenarioRecord): Check {
  const failures: string[] = [];
  const lines: string[] = [];
  let failed = false;
  for (const rental of record.rentals) {
    if (answerable(rental).length === 0) continue;
    let best: number | undefined;
    rental.messages.forEach((message, i) => {
      const previous = rental.messages[i - 1];
      if (!message.fromBot || !previous || previous.fromBot) return;
      const gap = message.atMs - previous.atMs;
      if (gap <= RENTAL_READY_WINDOW_MS) best = best === undefined ? gap : Math.min(best, gap);
    });
    if (best === undefined) {
      failed = true;
      failures.push(`${rental.label}: no bot message directly follows a renter or owner message within 5 minutes (CONTRACT §5)`);
    } else {
      lines.push(`${rental.label}: a bot reply ${seconds(best)} after a non-bot message`);
    }
  }
  if (lines.length === 0 && failures.length === 0) return { name: 'rental-ready', passed: null, lines: ['no rental had a message to answer'] };
  return { name: 'rental-ready', passed: !failed, lines: [...failures, ...lines] };
}
