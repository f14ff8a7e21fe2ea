/** The end of a `sim run`: the transcripts as the platform holds them, then the checks. */
import { effectiveEnd, type Check, type RecordedRental, type ScenarioRecord } from './judge-scenario.js';

const offset = (record: ScenarioRecord, atMs: number) => `+${((atMs - record.startMs) / 1000).toFixed(2)}s`;

export function formatTranscript(record: ScenarioRecord): string[] {
  const lines = ['', 'Transcript'];
  for (const conversation of [...record.rentals, ...record.conversations]) {
    let heading = conversation.label;
    if (conversation.kind === 'rental') {
      const rental = conversation as RecordedRental;
      const end = effectiveEnd(rental);
      heading += rental.endedManuallyAtMs === end ? ` (ended by DELETE at ${offset(record, end)})` : ` (expires_at ${offset(record, end)}, a clock end)`;
    }
    lines.push(`  ${heading}`);
    if (conversation.messages.length === 0) lines.push('    (no messages)');
    for (const message of conversation.messages) {
      const text = message.content.replace(/\n/g, '\n      ');
      lines.push(`    ${offset(record, message.atMs)} ${message.author}: ${text}`);
    }
  }
  return lines;
}

export function formatVerdict(checks: Check[]): string[] {
  const lines = ['', 'Verdict'];
  for (const check of checks) {
    const mark = check.passed === null ? 'n/a ' : check.passed ? 'PASS' : 'FAIL';
    const [first = '', ...rest] = check.lines;
    lines.push(`  ${mark}  ${check.name}: ${first}`);
    for (const line of rest) lines.push(`        ${' '.repeat(check.name.length + 2)}${line}`);
  }
  return lines;
}

export function failedChecks(checks: Check[]): Check[] {
  return checks.filter((check) => check.passed === false);
}
