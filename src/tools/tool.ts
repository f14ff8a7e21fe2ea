/**
 * The shape of a tool: one zod schema that both validates the model's arguments and becomes the JSON
 * schema the model sees, a description, and `execute`. Built-in and owner-provided tools are the same shape.
 */
import { z } from 'zod';
import { AaHostError } from '../errors.js';
import type { ToolDefinition } from '../llm/chat-model.js';
import type { ToolContext } from './tool-context.js';

/** OpenAI's rule for function names; other servers accept at least this. */
export const TOOL_NAME_PATTERN = /^[a-zA-Z0-9_-]{1,64}$/;

/**
 * What a tool changes outside the turn, which decides what a turn redone after a crash does with
 * its calls (src/runtime/journal-tool-calls.ts):
 * - `none`: it only reads (the time left, the transcript); it simply runs again.
 * - `platform`: its only effects are writes through `context.platform` and `context.postToChat`.
 *   A finished call is answered from the journal; an interrupted one is looked for on the platform
 *   and run again only when its writes are known not to have landed.
 * - `unknown` (the default, e.g. an owner's tool that calls another service): a finished call is
 *   answered from the journal; an interrupted one is not run again (at most once).
 */
export type ToolEffects = 'none' | 'platform' | 'unknown';
export const TOOL_EFFECTS: readonly ToolEffects[] = ['none', 'platform', 'unknown'];

export interface Tool<Args = any> {
  readonly name: string;
  /** What the model reads to decide when to call it. */
  readonly description: string;
  /** A zod object schema. Its input shape is sent to the model; its output is what `execute` receives. */
  readonly parameters: z.ZodType<Args>;
  /** The agent loop refuses calls beyond this many in one turn (a model that spams progress posts). */
  readonly maxCallsPerTurn?: number;
  /** @default 'unknown' */
  readonly effects?: ToolEffects;
  /**
   * Runs the call. The returned value goes back to the model (a string as is, anything else as JSON).
   * Throw ToolError for an expected failure the model should read and adapt to.
   */
  execute(args: Args, context: ToolContext): unknown;
}

export type AnyTool = Tool<any>;

/** Builds a tool with `execute`'s argument type inferred from the schema. */
export function defineTool<S extends z.ZodObject>(tool: {
  name: string;
  description: string;
  parameters: S;
  maxCallsPerTurn?: number;
  effects?: ToolEffects;
  execute(args: z.output<S>, context: ToolContext): unknown;
}): Tool<z.output<S>> {
  // S is a ZodType whose output is z.output<S>; TypeScript cannot see that through the generic.
  return tool as unknown as Tool<z.output<S>>;
}

/** A failure the model should see and may recover from (quota reached, wrong channel, platform said no). */
export class ToolError extends AaHostError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('AA_TOOL', message, options);
  }
}

/** What the model is sent for a tool: the schema's input side, as JSON schema without the `$schema` marker. */
export function toToolDefinition(tool: AnyTool): ToolDefinition {
  const { $schema: _ignored, ...parameters } = z.toJSONSchema(tool.parameters, { io: 'input', unrepresentable: 'any' }) as Record<
    string,
    unknown
  >;
  return { name: tool.name, description: tool.description, parameters };
}
