/**
 * A turn redone after a crash must not repeat what its first attempt already did: a DM sent
 * twice, a (possibly paid) feed post published twice. So every call of a tool that changes
 * something is journaled (store/tool-call-journal-store.ts) per (turn, tool, canonical JSON of
 * the arguments): written 'started' before it runs, with each platform write it makes recorded
 * before the request goes out, and completed with its result after. When the redone turn's model
 * makes the same call again:
 * - a 'done' call is answered with its recorded result; nothing is sent;
 * - a 'started' call was interrupted. A tool whose only effects are platform writes
 *   (`effects: 'platform'`) runs again if none of its writes can have landed (none was sent, or
 *   the platform shows it did not arrive); a write found on the platform makes it done; when the
 *   platform cannot tell (a top-level feed post), or the tool's effects are unknown, it is not
 *   run again and the model is told the action may already have happened (at most once).
 * Progress posts are outbox rows of the turn; postToChat does not add the same text twice to one
 * turn (turn-tool-context.ts), so a redone progress post reuses the row of the first attempt.
 * Only a call with the same arguments is recognised here; so that a model that words its DM
 * differently the second time does not send another, the redone turn is also shown the calls its
 * earlier attempt finished (settleInterruptedCalls, earlier-attempt-messages.ts).
 */
import type { Logger } from 'pino';
import { canonicalArguments } from '../agent/canonical-json.js';
import type { Bot } from '../config/bot-config.js';
import type { ToolCallRow } from '../store/tool-call-journal-store.js';
import { ForbiddenPlatformCallError } from '../tools/guard-platform-request.js';
import type { ToolSet } from '../tools/resolve-bot-tools.js';
import { ToolError, type AnyTool } from '../tools/tool.js';
import type { PlatformRequestFn, ToolContext } from '../tools/tool-context.js';
import { isoNow } from '../time.js';
import { checkToolWrite, type WriteCheck } from './check-tool-write.js';
import { failpoint } from './failpoints.js';
import type { RuntimeDeps } from './runtime-deps.js';

/** What the model reads for an interrupted call whose effect the platform confirms. */
export const DONE_BEFORE_RESTART = {
  done_before_restart: true,
  note: 'This was already done before the host restarted (it is on the platform), so it was not done again. Do not repeat it.',
};

/** What the model reads for an interrupted call that may or may not have happened. */
export const NOT_REPEATED_AFTER_RESTART = {
  not_repeated: true,
  note:
    'The host restarted while this action was being carried out, so it may already have happened. It was not repeated, ' +
    'so that it cannot happen twice. Do not try it again; if it matters, say that it may need checking.',
};

type Recorded = { ok: true; value: unknown } | { ok: false; error: string };

export function journalToolCalls(deps: RuntimeDeps, bot: Bot, turnId: number, tools: ToolSet, log: Logger): ToolSet {
  return new Map([...tools].map(([name, tool]) => [name, (tool.effects ?? 'unknown') === 'none' ? tool : journaled(deps, bot, turnId, tool, log)]));
}

function journaled(deps: RuntimeDeps, bot: Bot, turnId: number, tool: AnyTool, log: Logger): AnyTool {
  const { stores, clock } = deps;
  return {
    ...tool,
    async execute(args: unknown, context: ToolContext): Promise<unknown> {
      const { row, isNew } = stores.toolCalls.begin({
        turnId,
        botId: bot.profileId,
        tool: tool.name,
        args: canonicalArguments(JSON.stringify(args ?? {})),
        at: isoNow(clock),
      });
      const callLog = log.child({ tool: tool.name, toolCallId: row.id });
      if (row.status === 'done') {
        callLog.info('a redone turn made a tool call its earlier attempt finished: answered from the journal, not run again');
        return replay(JSON.parse(row.result ?? 'null') as Recorded);
      }
      if (!isNew) {
        const settled = await settleInterrupted(deps, bot, tool, row, callLog);
        if (settled !== 'run') {
          stores.toolCalls.finish(row.id, { ok: true, value: settled }, isoNow(clock));
          return settled;
        }
        callLog.info('a tool call interrupted by a restart had not reached the platform: running it again');
      }

      let value: unknown;
      try {
        value = await tool.execute(args, { ...context, platform: recordWrites(deps, bot, row.id, context.platform) });
      } catch (err) {
        // A refusal the tool reported is its result. Anything else (no answer, an abort) leaves
        // the call 'started': its writes say what may have happened, if the turn is redone.
        if (err instanceof ToolError) stores.toolCalls.finish(row.id, { ok: false, error: err.message }, isoNow(clock));
        throw err;
      }
      stores.toolCalls.finish(row.id, { ok: true, value: value ?? null }, isoNow(clock));
      return value;
    },
  };
}

/**
 * Before a redone turn asks the model again: each call its earlier attempt left interrupted is
 * settled where the platform can tell (found there: done; cannot be checked: not repeated), so
 * the model is shown it as done (earlier-attempt-messages.ts). One that certainly did not happen
 * stays open and is not shown: the model makes it again, and the journal runs it once.
 */
export async function settleInterruptedCalls(deps: RuntimeDeps, bot: Bot, turnId: number, tools: ToolSet, log: Logger): Promise<void> {
  for (const row of deps.stores.toolCalls.forTurn(turnId)) {
    const tool = tools.get(row.tool);
    if (row.status !== 'started' || !tool) continue;
    const callLog = log.child({ tool: tool.name, toolCallId: row.id });
    try {
      const settled = await settleInterrupted(deps, bot, tool, row, callLog);
      if (settled !== 'run') deps.stores.toolCalls.finish(row.id, { ok: true, value: settled }, isoNow(deps.clock));
    } catch {
      // The platform cannot be reached to check: the call stays open, and the same call checks again.
    }
  }
}

function replay(recorded: Recorded | null): unknown {
  if (recorded && !recorded.ok) throw new ToolError(recorded.error);
  return recorded?.value ?? null;
}

/** An interrupted call: 'run' it again, or the result to answer with instead. */
async function settleInterrupted(deps: RuntimeDeps, bot: Bot, tool: AnyTool, row: ToolCallRow, log: Logger): Promise<'run' | object> {
  if ((tool.effects ?? 'unknown') !== 'platform') {
    log.warn('a tool call with effects the host cannot check was interrupted by a restart: not running it again');
    return NOT_REPEATED_AFTER_RESTART;
  }
  const writes = deps.stores.toolCalls.writesOf(row.id);
  const checks: WriteCheck[] = [];
  for (const write of writes.filter((w) => w.outcome === 'sending')) {
    let check: WriteCheck;
    try {
      check = await checkToolWrite(deps, bot, write);
    } catch (err) {
      // The platform is unreachable right now: that says nothing about the write. The call stays
      // 'started', so the same call later looks again.
      log.warn({ err, path: write.path }, 'could not look for an interrupted tool write on the platform');
      throw new ToolError(
        'The host restarted while this action was being carried out, and the platform cannot be reached right now to check whether it happened. It was not repeated. Try the same call again later.',
      );
    }
    if (check !== 'unknown') deps.stores.toolCalls.settleWrite(write.id, check === 'landed' ? 'accepted' : 'absent');
    checks.push(check);
  }
  if (checks.includes('unknown')) {
    log.warn('a tool call interrupted by a restart may have reached the platform, which cannot tell: not running it again');
    return NOT_REPEATED_AFTER_RESTART;
  }
  if (checks.includes('landed') || writes.some((w) => w.outcome === 'accepted')) {
    log.info('a tool call interrupted by a restart had reached the platform: not running it again');
    return DONE_BEFORE_RESTART;
  }
  return 'run';
}

/** The tool's platform function, with every write journaled before it is sent and settled when it is answered. */
function recordWrites(deps: RuntimeDeps, bot: Bot, callId: number, platform: PlatformRequestFn): PlatformRequestFn {
  const { stores, clock } = deps;
  return async (call) => {
    if (call.method === 'GET') return platform(call);
    const writeId = stores.toolCalls.addWrite({ callId, botId: bot.profileId, method: call.method, path: call.path, body: call.body, at: isoNow(clock) });
    failpoint('before-tool-write');
    let reply;
    try {
      reply = await platform(call);
    } catch (err) {
      // The guard refuses before anything is sent; no answer (a timeout) stays 'sending': it may have landed.
      if (err instanceof ForbiddenPlatformCallError) stores.toolCalls.settleWrite(writeId, 'refused');
      throw err;
    }
    failpoint('after-tool-write');
    // A 5xx (a gateway timing out, say) may have been written all the same: it stays 'sending'.
    if (reply.status < 500) stores.toolCalls.settleWrite(writeId, reply.status >= 200 && reply.status < 300 ? 'accepted' : 'refused', reply.status);
    return reply;
  };
}
