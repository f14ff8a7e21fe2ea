/**
 * A turn redone after a crash starts its agent loop again from the same conversation. So that a
 * model that words things differently the second time does not act twice (a second DM in other
 * words), the redone turn is shown what its earlier attempt already did: each tool call that
 * attempt finished (journal-tool-calls.ts; interrupted ones are settled first by
 * settleInterruptedCalls) becomes an assistant tool call with its recorded result, after the
 * conversation and before the model is asked again. Calls still open (they certainly did not
 * happen, or could not be checked yet) are left out: the model makes them again, and the journal
 * runs or checks them once.
 */
import type { ChatMessage, ToolCall } from '../llm/chat-model.js';
import type { ToolCallRow } from '../store/tool-call-journal-store.js';

/**
 * Said by the assistant message that holds the earlier calls, so the conversation's last user
 * message stays the one being answered.
 */
export const EARLIER_ATTEMPT_NOTE =
  'The host restarted while I was working on this. These are the tool calls I had already made, with their results; I carry on from there and do not repeat what is done.';

export function earlierAttemptMessages(journaled: readonly ToolCallRow[]): ChatMessage[] {
  const calls = journaled.filter((call) => call.status === 'done' && call.result !== null);
  if (calls.length === 0) return [];
  const toolCalls: ToolCall[] = calls.map((call) => ({ id: `earlier-attempt-${call.id}`, name: call.tool, arguments: call.args }));
  return [
    { role: 'assistant', content: EARLIER_ATTEMPT_NOTE, tool_calls: toolCalls },
    ...calls.map((call): ChatMessage => ({ role: 'tool', tool_call_id: `earlier-attempt-${call.id}`, content: resultText(call) })),
  ];
}

function resultText(call: ToolCallRow): string {
  const recorded = JSON.parse(call.result!) as { ok: true; value: unknown } | { ok: false; error: string };
  if (!recorded.ok) return JSON.stringify({ error: recorded.error });
  return typeof recorded.value === 'string' ? recorded.value : (JSON.stringify(recorded.value ?? null) ?? 'null');
}
