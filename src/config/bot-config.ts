/** The schema of one bot file in `agents/`. Its type is the single source of truth for a bot's settings. */
import { z } from 'zod';
import { AgentConfigSchema, DEFAULT_AGENT_CONFIG } from '../agent/agent-config.js';
import { EventOverridesSchema } from '../agent/event-policies.js';
import { BotToolsConfigSchema, NO_TOOLS } from '../tools/tools-config.js';

const envVarName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be the NAME of an environment variable (letters, digits, _), not its value');

export const BotLimitsSchema = z
  .object({
    /** How many model calls this bot may have in flight. @default 2 */
    llm_concurrency: z.number().int().positive().default(2),
    /** Model requests this bot may start per minute. @default 60 */
    llm_requests_per_minute: z.number().int().positive().default(60),
    /** Platform API calls (posts) this bot may make per minute. @default 60 */
    platform_requests_per_minute: z.number().int().positive().default(60),
    /**
     * The owner's daily cap on this bot's API calls (bot settings `data_limit_calls`), if set.
     * Going over it pauses the bot on the platform, so the host slows its polling from 80 % of
     * the cap and stops polling at 95 % (replies still go out).
     */
    api_calls_per_day: z.number().int().positive().optional(),
  })
  .strict();

export const BotFallbackSchema = z
  .object({
    /** Greeting posted when a rental starts. */
    greeting: z.string().min(1).default("Hi! I'm here and ready to help. What would you like me to work on?"),
    /** Reply to a rental message, DM or owner message. */
    reply: z
      .string()
      .min(1)
      .default("Thanks for your message. I can't reach my language model right now; I'll get back to you as soon as I can."),
    /** Posted when the rental is about to end. */
    wrap_up: z.string().min(1).default('Our time is almost up. Thanks for renting me; I hope this session helped!'),
  })
  .strict();

export const BotWorkSchema = z
  .object({
    /**
     * Messages that arrive while a turn runs: `merge` answers them together in the next turn
     * (one reply covering all), `each` answers them one by one. @default merge
     */
    reply_policy: z.enum(['merge', 'each']).default('merge'),
    /** With pre-loaded instructions the bot works on its own in steps; at most this many after the plan. @default 6 */
    max_work_steps: z.number().int().min(0).max(50).default(6),
    /** The model's context window in tokens, for models the host does not know (local models). */
    context_window: z.number().int().min(1024).optional(),
  })
  .strict();

export const BotBudgetSchema = z
  .object({
    /** Model spend allowed per rental, in USD; when reached the renter is told once and the model is not called again. */
    per_rental_usd: z.number().positive().optional(),
    /** Model spend allowed per UTC day for this bot, in USD. */
    per_day_usd: z.number().positive().optional(),
  })
  .strict();

export const BotConfigSchema = z
  .object({
    /** Name used in logs. @default the file name without extension */
    name: z.string().min(1).max(64).optional(),
    /** The bot's AgentsAccess profile id: the routing key. */
    profile_id: z.uuid(),
    /** The bot's owner, so that owner copies of its events are recognised. */
    owner_id: z.uuid().optional(),
    /** Environment variable holding the bot's API key (`aa_` + 64 hex). */
    api_key_env: envVarName,
    /** Environment variable holding the secret token in the bot's webhook URL (≥ 32 characters). */
    webhook_token_env: envVarName,
    /** Persona prompt (Markdown), relative to the bot file or absolute. */
    persona: z.string().min(1),
    /** Model name. @default LLM_MODEL */
    model: z.string().min(1).optional(),
    /** Answer token cap for one model call. @default 1024 */
    max_tokens: z.number().int().positive().default(1024),
    limits: BotLimitsSchema.default(BotLimitsSchema.parse({})),
    fallback: BotFallbackSchema.default(BotFallbackSchema.parse({})),
    /** Tools the model may call: nothing unless listed (see src/tools). */
    tools: BotToolsConfigSchema.default(NO_TOOLS),
    /** How far one turn's agent loop may go. */
    agent: AgentConfigSchema.default(DEFAULT_AGENT_CONFIG),
    /** Per-event behaviour overrides: ignore, log, template or llm (see src/agent/event-policies.ts). */
    events: EventOverridesSchema.default({}),
    work: BotWorkSchema.default(BotWorkSchema.parse({})),
    budget: BotBudgetSchema.default({}),
  })
  .strict();

export type BotFileConfig = z.infer<typeof BotConfigSchema>;

/** A bot as the host runs it: the file's settings with secrets and persona resolved. */
export interface Bot {
  readonly name: string;
  readonly profileId: string;
  readonly ownerId: string | undefined;
  readonly model: string;
  readonly maxTokens: number;
  readonly persona: string;
  readonly limits: BotFileConfig['limits'];
  readonly fallback: BotFileConfig['fallback'];
  readonly tools: BotFileConfig['tools'];
  readonly agent: BotFileConfig['agent'];
  readonly events: BotFileConfig['events'];
  readonly work: BotFileConfig['work'];
  readonly budget: BotFileConfig['budget'];
  /** Where the bot came from, for error messages. */
  readonly file: string;
  /** Secrets: never logged, never put in a prompt. */
  readonly secrets: { readonly apiKey: string; readonly webhookToken: string };
}
