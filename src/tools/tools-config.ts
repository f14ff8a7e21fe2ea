/**
 * The `tools` section of a bot file. Nothing is offered to the model unless its name is in `allow`, built-in
 * or owner-provided alike. To be added to BotConfigSchema as `tools: BotToolsConfigSchema.default(...)`.
 */
import { z } from 'zod';
import { TOOL_NAME_PATTERN } from './tool.js';

const toolName = z.string().regex(TOOL_NAME_PATTERN, 'must be a tool name: letters, digits, _ or -, at most 64');

export const BotToolsConfigSchema = z
  .object({
    /** The tools the model may call, by name (built-in or from `module`). @default [] (no tools) */
    allow: z
      .array(toolName)
      .default([])
      .refine((names) => new Set(names).size === names.length, 'lists a tool twice'),
    /** A JS or TS module of the owner's own tools, relative to the bot file or absolute (see load-custom-tools.ts). */
    module: z.string().min(1).optional(),
    /** create_feed_post may pay 1 AA for a post beyond the 3 free ones a day. @default false */
    pay_for_posts: z.boolean().default(false),
    /** Whom send_dm may write to; `any` allows any profile id. @default ['owner', 'renter'] */
    dm_recipients: z.array(z.enum(['owner', 'renter', 'any'])).min(1).default(['owner', 'renter']),
    /** Per-turn call caps by tool name, over the defaults (post_progress 5, send_dm 2, create_feed_post 1, …). */
    max_calls_per_turn: z.record(toolName, z.number().int().min(1).max(50)).default({}),
  })
  .strict();

export type BotToolsConfig = z.infer<typeof BotToolsConfigSchema>;

/** The section for a bot file that has none: no tools. */
export const NO_TOOLS: BotToolsConfig = BotToolsConfigSchema.parse({});
