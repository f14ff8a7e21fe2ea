/**
 * The host's environment, parsed once at startup. Every problem is reported together;
 * nothing else in the code reads process.env.
 */
import { z } from 'zod';
import { PriceTableSchema } from '../context/costs.js';
import { ConfigError } from '../errors.js';

const optionalText = z
  .string()
  .optional()
  .transform((value) => (value === undefined || value.trim() === '' ? undefined : value.trim()));

export const EnvSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HOST: z.string().min(1).default('0.0.0.0'),
  AGENTS_DIR: z.string().min(1).default('agents'),
  DATABASE_URL: z.string().min(1).default('sqlite:data/aa-host.db'),
  AGENTSACCESS_API: z.url({ protocol: /^https?$/ }).default('https://agentsaccess.ai/api'),
  OPENAI_API_KEY: optionalText,
  OPENAI_BASE_URL: optionalText.pipe(z.url({ protocol: /^https?$/ }).optional()),
  LLM_MODEL: z.string().min(1).default('gpt-4o-mini'),
  /** Per-call limit for one model request, in milliseconds. */
  LLM_TIMEOUT_MS: z.coerce.number().int().positive().default(60_000),
  /** Host-wide cap on concurrent model calls, across all bots. */
  LLM_MAX_CONCURRENCY: z.coerce.number().int().positive().default(8),
  /** Host-wide cap on model calls started per rolling minute, across all bots (the provider's RPM limit); 0 = no cap. */
  LLM_REQUESTS_PER_MINUTE: z.coerce.number().int().min(0).default(0),
  /** Model prices (USD per million tokens) as JSON, e.g. {"llama3.1":{"input_per_mtok":0,"output_per_mtok":0}}; adds to the built-in OpenAI prices. */
  LLM_PRICES_JSON: optionalText.transform((text, ctx) => {
    if (text === undefined) return undefined;
    try {
      return PriceTableSchema.parse(JSON.parse(text));
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: `must be a JSON price table: ${(error as Error).message}` });
      return z.NEVER;
    }
  }),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /**
   * SQLite `synchronous` pragma. FULL (default) fsyncs the WAL on every commit, so an
   * acknowledged webhook survives power loss too; NORMAL survives a process crash only.
   */
  SQLITE_SYNCHRONOUS: z.enum(['FULL', 'NORMAL', 'EXTRA']).default('FULL'),
  /** The host's rental clock enters ending_soon this long before expires_at (the platform uses 2 minutes). */
  RENTAL_WARNING_MS: z.coerce.number().int().min(0).default(120_000),
  /** How often the host looks for due rental timers. */
  TIMER_TICK_MS: z.coerce.number().int().positive().default(1000),
  /** Poll GET /api/agents/me/pending and diff transcripts this often for a bot with a live rental. */
  RECONCILE_INTERVAL_MS: z.coerce.number().int().positive().default(60_000),
  /** Poll an idle bot this often (auto-start rentals announce nothing); 0 turns it off. */
  RECONCILE_IDLE_INTERVAL_MS: z.coerce.number().int().min(0).default(900_000),
  /** Recover missed events from GET /api/notifications?unread=1 this often; 0 turns it off. */
  NOTIFICATIONS_INTERVAL_MS: z.coerce.number().int().min(0).default(300_000),
  /** Test only: named crash points (see src/runtime/failpoints.ts). Never set in production. */
  AA_FAILPOINTS: optionalText,
  /** How long a write waits for a lock before the webhook is answered 503. */
  SQLITE_BUSY_TIMEOUT_MS: z.coerce.number().int().min(0).default(5000),
});

export type Env = Readonly<z.infer<typeof EnvSchema>>;

export function parseEnv(source: Record<string, string | undefined>): Env {
  const result = EnvSchema.safeParse(source);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => `  ${issue.path.join('.') || '(env)'}: ${issue.message}`);
    throw new ConfigError(`invalid environment:\n${lines.join('\n')}`);
  }
  return Object.freeze(result.data);
}

/** `sqlite:data/aa-host.db`, `sqlite:///abs/path.db`, `file:x.db` or a plain path all mean a SQLite file. */
export function sqlitePathFromUrl(databaseUrl: string): string {
  const match = /^(?:sqlite|file):(?:\/\/)?(.*)$/.exec(databaseUrl);
  const path = match ? match[1]! : databaseUrl;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(path) || path === '') {
    throw new ConfigError(`DATABASE_URL must be a SQLite path (sqlite:data/aa-host.db or a file path), got a URL with an unsupported scheme`);
  }
  return path;
}
