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

export interface Tool<Args = any> {
  readonly name: string;
  /** What the model reads to decide when to call it. */
  readonly description: string;
  /** A zod object schema. Its input shape is sent to the model; its output is what `execute` receives. */
  readonly parameters: z.ZodType<Args>;
  /** The agent loop refuses calls beyond this many in one turn (a model that spams progress posts). */
  readonly maxCallsPerTurn?: number;
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
