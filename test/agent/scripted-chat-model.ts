/**
 * A ChatModel that answers from a script and records every request (a copy, as sent), for agent-loop tests
 * with no I/O boundary. Tests that exercise the SDK use the fake OpenAI server instead.
 */
import type { ChatModel, ChatRequest, ChatResult, ToolCall } from '../../src/llm/chat-model.js';

export type ScriptedReply = { text?: string; toolCalls?: ToolCall[]; usage?: { promptTokens: number; completionTokens: number } } | Error;
export type Script = (request: ChatRequest, index: number) => ScriptedReply;

export interface ScriptedChatModel extends ChatModel {
  requests: ChatRequest[];
}

/** `script` is a list (one reply per call; running past its end fails the test) or a function. */
export function scriptedChatModel(script: ScriptedReply[] | Script): ScriptedChatModel {
  const requests: ChatRequest[] = [];
  return {
    kind: 'openai',
    requests,
    async complete(request) {
      const index = requests.length;
      requests.push(structuredClone({ ...request, signal: undefined }));
      const reply = typeof script === 'function' ? script(request, index) : script[index];
      if (reply === undefined) throw new Error(`scripted model: no reply for call #${index}`);
      if (reply instanceof Error) throw reply;
      const toolCalls = reply.toolCalls ?? [];
      const result: ChatResult = {
        text: reply.text ?? '',
        model: request.model,
        toolCalls,
        finishReason: toolCalls.length > 0 ? 'tool_calls' : 'stop',
        ...(reply.usage ? { usage: reply.usage } : {}),
      };
      return result;
    },
  };
}

let nextId = 0;
/** A native tool call with a fresh id. */
export function call(name: string, args: unknown = {}): ToolCall {
  return { id: `call_${++nextId}`, name, arguments: typeof args === 'string' ? args : JSON.stringify(args) };
}
