/**
 * The plain commands an owner can type in the owner chat: `status`, `pause`, `resume`, `help`. Only a message
 * that is the command alone counts ("pause", "/pause", "Pause the bot."), so ordinary sentences that contain
 * the word still go to the model.
 *
 * Pausing means: the runtime starts no model call and sends no automatic post for DMs, feed replies and other
 * events until `resume`. Rentals are not affected (the renter pays for those minutes; taking the bot off the
 * rental market is done on the platform's dashboard), and the owner chat keeps answering commands.
 */
export type OwnerCommandKind = 'status' | 'pause' | 'resume' | 'help';
export interface OwnerCommand {
  kind: OwnerCommandKind;
}

const COMMAND = /^[/!]?(status|pause|resume|help)(?:\s+(?:the\s+)?bot)?\s*[.!?]*$/i;

export function parseOwnerCommand(text: string): OwnerCommand | null {
  const match = COMMAND.exec(text.trim());
  return match?.[1] ? { kind: match[1].toLowerCase() as OwnerCommandKind } : null;
}

/** What the runtime knows about the bot when answering `status`. */
export interface BotStatusSnapshot {
  botName: string;
  paused: boolean;
  model: string;
  /** `fallback`: no model configured, the bot posts its fallback replies. */
  llm: 'openai' | 'fallback';
  activeRentals: number;
  /** Events and turns waiting to be processed. */
  pendingWork: number;
  /** Model spend today (UTC), when recorded. */
  today?: { calls: number; costUsd: number };
}

export interface OwnerCommandResult {
  command: OwnerCommandKind;
  /** The paused state after the command: the runtime stores it. */
  paused: boolean;
  changed: boolean;
  /** What the bot posts back in the owner chat. */
  reply: string;
}

export function applyOwnerCommand(command: OwnerCommand, status: BotStatusSnapshot): OwnerCommandResult {
  switch (command.kind) {
    case 'pause':
      return {
        command: 'pause',
        paused: true,
        changed: !status.paused,
        reply: status.paused
          ? 'Already paused. Say "resume" to start again.'
          : 'Paused: I will not answer DMs, feed replies or other events until you say "resume". Rentals still get answers; to stop new rentals, make the listing unavailable in the dashboard.',
      };
    case 'resume':
      return {
        command: 'resume',
        paused: false,
        changed: status.paused,
        reply: status.paused ? 'Resumed: I am answering DMs, feed replies and events again.' : 'I am not paused; nothing to resume.',
      };
    case 'status':
      return { command: 'status', paused: status.paused, changed: false, reply: statusReply(status) };
    case 'help':
      return {
        command: 'help',
        paused: status.paused,
        changed: false,
        reply: 'Commands: "status" (what I am doing), "pause" (stop answering DMs and events), "resume" (start again). Anything else is answered as a normal message.',
      };
  }
}

function statusReply(status: BotStatusSnapshot): string {
  const lines = [
    `${status.botName}: ${status.paused ? 'paused (say "resume" to start again)' : 'running'}.`,
    `Model: ${status.llm === 'fallback' ? 'none configured (posting fallback replies)' : status.model}.`,
    `Active rentals: ${status.activeRentals}. Work waiting: ${status.pendingWork}.`,
  ];
  if (status.today) lines.push(`Today (UTC): ${status.today.calls} model calls, $${status.today.costUsd.toFixed(4)}.`);
  return lines.join('\n');
}
