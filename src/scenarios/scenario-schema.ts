/**
 * The scenario file format (`aa-host sim run <file.yaml>`): a cast (bots, renters, an owner) and
 * a timeline of human-side actions at offsets from the start. This schema is the format's only
 * definition; the README example and the shipped scenarios/ are checked against it.
 */
import { z } from 'zod';
import { BotFallbackSchema } from '../config/bot-config.js';
import { simFaultsSchema } from '../sim/index.js';

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, min: 60_000, h: 3_600_000 } as const;

/** `250ms`, `1.5s`, `2m`, `15min`, `1h`, or a bare number of seconds. Parsed to milliseconds. */
export const durationSchema = z
  .union([
    z.number().nonnegative(),
    z.string().regex(/^\d+(\.\d+)?\s*(ms|s|m|min|h)$/, 'a duration like 250ms, 1.5s, 2m or 1h'),
  ])
  .transform((value) => {
    if (typeof value === 'number') return Math.round(value * 1000);
    const [, amount = '0', unit = 's'] = /^(\d+(?:\.\d+)?)\s*(ms|s|m|min|h)$/.exec(value) ?? [];
    return Math.round(Number(amount) * UNIT_MS[unit as keyof typeof UNIT_MS]);
  });

const positiveDuration = durationSchema.refine((ms) => ms > 0, 'must be longer than 0');

const name = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,40}$/, 'lowercase letters, digits, - and _ (a name to refer to)');

/** What the in-process host must do that it may not do yet; `sim run` prints it next to the verdict. */
export const HOST_FEATURES = {
  'host-clock': 'the host keeps its own rental clock: it stops posting at expires_at without waiting for rental_ended',
  'host-polling': 'the host polls the platform: it finds auto-started rentals and events whose webhooks were lost',
} as const;

/** The scenario writes these itself (the secrets are generated); `bot_file` may not set them. */
const RESERVED_BOT_FILE_KEYS = new Set(['name', 'profile_id', 'owner_id', 'api_key_env', 'webhook_token_env', 'persona', 'fallback']);

export const botSchema = z
  .strictObject({
    /** How the timeline refers to the bot; also its username on the emulator and its bot file name. */
    name,
    display_name: z.string().min(1).optional(),
    /** @default a random UUID. Give it when the host is yours (`--host-url`): its bot file names it. */
    profile_id: z.uuid().optional(),
    /** The persona prompt, inline. */
    persona: z.string().min(1).optional(),
    /** The persona prompt in a file, relative to the scenario file. */
    persona_file: z.string().min(1).optional(),
    /** The replies without a model; as in a bot file (`agents/*.yaml`). */
    fallback: BotFallbackSchema.optional(),
    /** With `--host-url`: the bot's API key on the emulator, as your host has it. @default generated */
    api_key: z.string().regex(/^aa_[0-9a-f]{64}$/, 'aa_ + 64 lowercase hex').optional(),
    /** With `--host-url`: where the emulator sends this bot's webhooks. */
    webhook_url: z.url({ protocol: /^https?$/ }).optional(),
    /** With `--host-url`: the webhook URL is `<host-url>/webhooks/<webhook_token>` (aa-host's scheme). */
    webhook_token: z.string().min(32).optional(),
    /**
     * More fields for the bot's file (agents/*.yaml), e.g. `work`, `limits`, `agent`, `tools`:
     * written as given for an in-process host, which validates them at start. With --host-url
     * only `work.max_work_steps` is read, to know how many autonomous steps to expect.
     */
    bot_file: z.record(z.string(), z.unknown()).optional(),
  })
  .refine((bot) => !(bot.persona && bot.persona_file), { message: 'give persona or persona_file, not both', path: ['persona_file'] })
  .refine((bot) => !Object.keys(bot.bot_file ?? {}).some((key) => RESERVED_BOT_FILE_KEYS.has(key)), {
    message: `set ${[...RESERVED_BOT_FILE_KEYS].join(', ')} with the scenario's own fields`,
    path: ['bot_file'],
  });

export const humanSchema = z.strictObject({
  name,
  display_name: z.string().min(1).optional(),
  /** @default a random UUID */
  id: z.uuid().optional(),
});

const rentStep = z.strictObject({
  /** How later steps refer to this rental. */
  id: name,
  bot: name,
  renter: name,
  /** direct: POST /api/rentals. queue_confirm: a queued renter confirms (rental_request with source queue_confirm).
   *  auto_start: a queue entry starts and nobody tells the bot (CONTRACT §4.3). */
  kind: z.enum(['direct', 'queue_confirm', 'auto_start']).default('direct'),
  /** Exact length on the platform clock. Without an `end` step the rental ends by the clock (no event). */
  duration: positiveDuration.default(15 * 60_000),
  /** Pre-loaded instructions (queue kinds only): the renter's first chat message, sent with no rental_message. */
  instructions: z.string().min(1).optional(),
});

/** The renter waits for the bot to answer what is pending before acting, as a person would. */
const wait = z.boolean().default(true);

const sayStep = z.strictObject({
  rental: name,
  from: z.enum(['renter', 'owner']).default('renter'),
  text: z.string().min(1),
  wait,
  /** false: the verdict does not require an answer (e.g. a message right before the end). */
  expect_reply: z.boolean().default(true),
});

const endStep = z.strictObject({ rental: name, by: z.enum(['renter', 'owner']).default('renter'), wait });
const extendStep = z.strictObject({ rental: name, duration: positiveDuration });
const dmStep = z.strictObject({ from: name, to: name, text: z.string().min(1), wait });
const ownerMessageStep = z.strictObject({ bot: name, text: z.string().min(1), wait });

export const ACTIONS = ['rent', 'say', 'end', 'extend', 'dm', 'owner_message', 'faults', 'advance_clock'] as const;
export type ActionName = (typeof ACTIONS)[number];

export const stepSchema = z
  .strictObject({
    /** Offset from the start of the scenario (wall clock). Steps at the same offset run in file order. */
    at: durationSchema,
    rent: rentStep.optional(),
    say: sayStep.optional(),
    end: endStep.optional(),
    extend: extendStep.optional(),
    dm: dmStep.optional(),
    owner_message: ownerMessageStep.optional(),
    /** Fault knobs from here on (the others keep their values): duplicate, reorder, dropFirst, api5xx, ... */
    faults: simFaultsSchema.partial().strict().optional(),
    /** Moves the platform clock (not the host's). */
    advance_clock: durationSchema.optional(),
  })
  .superRefine((step, ctx) => {
    const present = ACTIONS.filter((action) => step[action] !== undefined);
    if (present.length !== 1) {
      ctx.addIssue({ code: 'custom', message: `each step has "at" and exactly one of ${ACTIONS.join(', ')}; found ${present.join(', ') || 'none'}` });
    }
  });

const scenarioObject = z.strictObject({
  name: z.string().min(1),
  description: z.string().optional(),
  /** Host features the scenario needs to pass; see HOST_FEATURES. */
  requires: z.array(z.enum(Object.keys(HOST_FEATURES) as [keyof typeof HOST_FEATURES])).default([]),
  /** Multiplies the platform's webhook timeout (10 s) and retry delay (30 s). @default 0.01 */
  time_scale: z.number().positive().max(1).default(0.01),
  /** How long a waiting renter waits for the bot before acting anyway. @default 30s */
  reply_timeout: positiveDuration.default(30_000),
  /** After the last step and the last end: how long nothing may be posted before the verdict. @default 1s */
  settle: positiveDuration.default(1000),
  /** The first-reply latency check fails above this. @default 60s */
  first_reply_within: positiveDuration.default(60_000),
  /** Extra environment for an in-process host (ignored with --host-url), e.g. RENTAL_WARNING_MS. */
  host_env: z.record(z.string(), z.string()).default({}),
  /** The human who owns every bot. */
  owner: humanSchema.default({ name: 'owner' }),
  bots: z.array(botSchema).min(1),
  renters: z.array(humanSchema).default([]),
  timeline: z.array(stepSchema).min(1),
});

export const scenarioSchema = scenarioObject.superRefine(checkReferences);

export type Scenario = z.infer<typeof scenarioObject>;
export type ScenarioBot = z.infer<typeof botSchema>;
export type ScenarioStep = z.infer<typeof stepSchema>;
export type RentStep = z.infer<typeof rentStep>;

/** The action a step carries, with its name (the schema guarantees exactly one). */
export function stepAction(step: ScenarioStep): { [K in ActionName]: { name: K; value: NonNullable<ScenarioStep[K]> } }[ActionName] {
  for (const action of ACTIONS) {
    if (step[action] !== undefined) return { name: action, value: step[action] } as never;
  }
  throw new Error('a step without an action passed validation');
}

/** Names resolve, rentals are started before they are used, and steps are in time order. */
function checkReferences(s: Scenario, ctx: z.RefinementCtx): void {
  const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message });
  const bots = new Set(s.bots.map((b) => b.name));
  const renters = new Set(s.renters.map((r) => r.name));
  const seen = new Map<string, string>();
  for (const [kind, list] of [['bots', s.bots], ['renters', s.renters]] as const) {
    list.forEach((entry, i) => {
      const other = seen.get(entry.name) ?? (entry.name === s.owner.name ? 'owner' : undefined);
      if (other) issue([kind, i, 'name'], `"${entry.name}" is already used by ${other}`);
      seen.set(entry.name, kind);
    });
  }

  const rentals = new Map<string, { ended: boolean; kind: string }>();
  const rental = (path: (string | number)[], id: string) => {
    const found = rentals.get(id);
    if (!found) issue(path, `no rental "${id}" is started (rent: {id: ${id}}) before this step`);
    return found;
  };
  let previousAt = 0;
  s.timeline.forEach((step, i) => {
    if (step.at < previousAt) issue(['timeline', i, 'at'], 'steps must be in time order');
    previousAt = Math.max(previousAt, step.at);
    if (step.rent) {
      const { id, bot, renter, kind, instructions } = step.rent;
      if (rentals.has(id)) issue(['timeline', i, 'rent', 'id'], `rental "${id}" is already started`);
      if (!bots.has(bot)) issue(['timeline', i, 'rent', 'bot'], `no bot named "${bot}"`);
      if (!renters.has(renter)) issue(['timeline', i, 'rent', 'renter'], `no renter named "${renter}"`);
      if (instructions !== undefined && kind === 'direct') {
        issue(['timeline', i, 'rent', 'instructions'], 'only queue rentals (queue_confirm, auto_start) carry instructions');
      }
      rentals.set(id, { ended: false, kind });
    }
    if (step.say) rental(['timeline', i, 'say', 'rental'], step.say.rental);
    if (step.extend) rental(['timeline', i, 'extend', 'rental'], step.extend.rental);
    if (step.end) {
      const found = rental(['timeline', i, 'end', 'rental'], step.end.rental);
      if (found?.ended) issue(['timeline', i, 'end', 'rental'], `rental "${step.end.rental}" is already ended`);
      if (found) found.ended = true;
    }
    if (step.dm) {
      if (!renters.has(step.dm.from)) issue(['timeline', i, 'dm', 'from'], `no renter named "${step.dm.from}"`);
      if (!bots.has(step.dm.to)) issue(['timeline', i, 'dm', 'to'], `no bot named "${step.dm.to}"`);
    }
    if (step.owner_message && !bots.has(step.owner_message.bot)) {
      issue(['timeline', i, 'owner_message', 'bot'], `no bot named "${step.owner_message.bot}"`);
    }
  });
}
