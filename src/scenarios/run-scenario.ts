/**
 * `aa-host sim run`: an emulator, the scenario's cast on it, a host (one started here, or
 * yours at a URL), the timeline, a quiet period, then the transcript and the verdict.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BotWorkSchema } from '../config/bot-config.js';
import { ConfigError } from '../errors.js';
import { parseTsDb, startSim, type Sim, type SimProfile } from '../sim/index.js';
import { collectRecord } from './collect-record.js';
import { judgeScenario, type Check } from './judge-scenario.js';
import type { LoadedScenario } from './load-scenario.js';
import { playTimeline, type Cast } from './play-timeline.js';
import { failedChecks, formatTranscript, formatVerdict } from './print-verdict.js';
import { HOST_FEATURES, type Scenario } from './scenario-schema.js';
import { busyActors, describeModel, newApiKey, openWork, startLocalHost, writeBotFiles, type LocalHost } from './start-local-host.js';

/** aa-host's own default for `work.max_work_steps`, for a host at --host-url that does not say. */
const DEFAULT_WORK_STEPS = BotWorkSchema.parse({}).max_work_steps;

/** How long the timeline waits for the host's first poll. */
const STARTUP_POLL_WAIT_MS = 1500;

/** However busy the host stays, the verdict comes at most this long after the settle period. */
const MAX_SETTLE_EXTRA_MS = 60_000;

export interface RunScenarioOptions {
  loaded: LoadedScenario;
  /** Drive the host at this URL instead of starting one. */
  hostUrl?: string | undefined;
  /** Bot name → webhook URL, over the scenario's (with --host-url). */
  webhooks?: Record<string, string> | undefined;
  /** The emulator's port. @default 0 (any free port) */
  port?: number | undefined;
  /** Over the scenario's time_scale. */
  timeScale?: number | undefined;
  /** The user's environment: the in-process host takes its model settings from it. */
  env: Record<string, string | undefined>;
  write: (line: string) => void;
  /** The emulator's request log, both ways. */
  log?: ((line: string) => void) | undefined;
  /** Keep the in-process host's database and log when a check fails. @default true */
  keepFailedRuns?: boolean | undefined;
}

export interface ScenarioOutcome {
  passed: boolean;
  checks: Check[];
  /** The failed checks' names, e.g. ['nothing after the end']. */
  failed: string[];
}

export async function runScenario(options: RunScenarioOptions): Promise<ScenarioOutcome> {
  const { loaded, write } = options;
  const { scenario } = loaded;
  const external = options.hostUrl ? checkExternalBots(scenario, options.hostUrl, options.webhooks ?? {}, loaded.file) : undefined;
  const timeScale = options.timeScale ?? scenario.time_scale;
  const sim = await startSim({ timeScale, port: options.port ?? 0, log: options.log });
  let local: LocalHost | undefined;
  let workDir: string | undefined;
  let passed = false;
  try {
    const owner = sim.createHuman({ username: scenario.owner.name, displayName: scenario.owner.display_name, id: scenario.owner.id ?? randomUUID() });
    const humans = new Map<string, SimProfile>(
      scenario.renters.map((r) => [r.name, sim.createHuman({ username: r.name, displayName: r.display_name, id: r.id })]),
    );
    write(`scenario ${scenario.name}${scenario.description ? `: ${scenario.description.trim()}` : ''}`);
    write(`  emulator: ${sim.url} (webhook timeout ${10 * timeScale} s, retry after ${30 * timeScale} s)`);

    const bots = new Map<string, SimProfile>();
    if (external) {
      for (const bot of scenario.bots) {
        const { id, apiKey, webhookUrl } = external.get(bot.name)!;
        bots.set(bot.name, sim.createBot({ ownerId: owner.id, username: bot.name, displayName: bot.display_name, id, apiKey, webhookUrl }));
      }
      write(`  host:     ${options.hostUrl} (yours; bots ${scenario.bots.map((b) => b.name).join(', ')})`);
    } else {
      workDir = mkdtempSync(join(tmpdir(), 'aa-host-scenario-'));
      const specs = scenario.bots.map((bot) => ({
        name: bot.name,
        profileId: bot.profile_id ?? randomUUID(),
        ownerId: owner.id,
        persona: loaded.personas.get(bot.name)!,
        fallback: bot.fallback,
        extra: { limits: scaledBotLimits(timeScale), ...bot.bot_file },
        apiKey: bot.api_key ?? newApiKey(),
      }));
      // The bots exist on the platform before the host starts, as in production: its first
      // poll then authenticates, and finds nothing yet.
      for (const [i, spec] of specs.entries()) {
        const displayName = scenario.bots[i]!.display_name ?? spec.name;
        bots.set(spec.name, sim.createBot({ ownerId: owner.id, username: spec.name, displayName, id: spec.profileId, apiKey: spec.apiKey }));
      }
      const files = writeBotFiles(workDir, specs);
      const timing = scaledHostTiming(timeScale);
      local = await startLocalHost({ sim, workDir, ...files, baseEnv: options.env, extraEnv: { ...timing, ...scenario.host_env } });
      for (const bot of local.host.bots.all) sim.setWebhookUrl(bot.profileId, local.webhookUrl(bot));
      await startupPolls(sim, [...bots.values()].map((b) => b.id));
      write(`  host:     ${local.host.url} (in this process; log ${local.logFile})`);
      write(`  model:    ${describeModel(local.env)}`);
      write(`  timers:   ${Object.entries({ ...timing, ...scenario.host_env }).map(([k, v]) => `${k}=${v}`).join(' ')}`);
    }
    if (scenario.requires.length > 0) {
      write(`  requires: ${scenario.requires.map((f) => `${f} (${HOST_FEATURES[f]})`).join('; ')}`);
    }
    write('');
    const cast: Cast = { owner, humans, bots };

    const startedAt = Date.now();
    const startMs = sim.now().getTime();
    const host = local?.host;
    const hostBusyWith = host ? (subjectId: string) => busyActors(host).some((key) => key.endsWith(`:${subjectId}`)) : undefined;
    const played = await playTimeline({ sim, scenario, cast, startedAt, write, hostBusyWith });
    await waitForClockEnds(sim, [...played.rentals.values()].filter((r) => r.endedManuallyAtMs === null).map((r) => r.id), write, startedAt);
    await settle(sim, local, [...bots.values()].map((b) => b.id), scenario.settle, write);

    const workStepsOf = (botId: string): number => {
      const hostBot = local?.host.bots.byId(botId);
      if (hostBot) return hostBot.work.max_work_steps;
      const named = scenario.bots.find((b) => bots.get(b.name)?.id === botId);
      const configured = (named?.bot_file?.work as { max_work_steps?: unknown } | undefined)?.max_work_steps;
      return typeof configured === 'number' ? configured : DEFAULT_WORK_STEPS;
    };
    const record = collectRecord(sim, played, { startMs, firstReplyWithinMs: scenario.first_reply_within, workStepsOf });
    const checks = judgeScenario(record);
    for (const line of [...formatTranscript(record), ...formatVerdict(checks)]) write(line);
    const failed = failedChecks(checks).map((c) => c.name);
    passed = failed.length === 0;
    write('');
    if (passed) {
      write(`PASS ${scenario.name}`);
    } else {
      const needs = scenario.requires.length > 0 ? ` (this scenario needs ${scenario.requires.join(', ')})` : '';
      write(`FAIL ${scenario.name}: ${failed.join(', ')}${needs}`);
      if (local && options.keepFailedRuns !== false) write(`  host log: ${local.logFile}`);
    }
    return { passed, checks, failed };
  } finally {
    await local?.host.stop(3000);
    await sim.close();
    // Keep the host's database and log when something failed: they say why.
    if (workDir && (passed || options.keepFailedRuns === false)) rmSync(workDir, { recursive: true, force: true });
  }
}

/**
 * The in-process host's own timers, scaled like the platform's delays so a scenario runs in
 * seconds: its rental clock (warning 2 min before the end, ticks), and its polling (busy, idle,
 * notifications). Over the user's environment; the scenario's `host_env` goes over these.
 */
export function scaledHostTiming(timeScale: number): Record<string, string> {
  const scaled = (ms: number, floor: number) => String(Math.max(floor, Math.round(ms * timeScale)));
  return {
    RENTAL_WARNING_MS: scaled(120_000, 0),
    TIMER_TICK_MS: scaled(1000, 20),
    RECONCILE_INTERVAL_MS: scaled(60_000, 100),
    RECONCILE_IDLE_INTERVAL_MS: scaled(900_000, 100),
    NOTIFICATIONS_INTERVAL_MS: scaled(300_000, 100),
  };
}

/**
 * A bot's per-minute cap on platform calls, scaled the same way: the host polls 1/time_scale
 * times as often, and the emulator costs nothing. (Model calls keep their caps: they may cost.)
 * A scenario's `bot_file.limits` replaces this.
 */
export function scaledBotLimits(timeScale: number): Record<string, number> {
  return { platform_requests_per_minute: Math.ceil(60 / timeScale) };
}

/** With --host-url every bot needs the id and key your host has, and a webhook URL. */
function checkExternalBots(
  scenario: Scenario,
  hostUrl: string,
  webhooks: Record<string, string>,
  file: string,
): Map<string, { id: string; apiKey: string; webhookUrl: string }> {
  const problems: string[] = [];
  const result = new Map<string, { id: string; apiKey: string; webhookUrl: string }>();
  for (const name of Object.keys(webhooks)) {
    if (!scenario.bots.some((b) => b.name === name)) problems.push(`--webhook ${name}=…: the scenario has no bot named ${name}`);
  }
  for (const bot of scenario.bots) {
    const webhookUrl = webhooks[bot.name] ?? bot.webhook_url ?? (bot.webhook_token ? `${hostUrl.replace(/\/+$/, '')}/webhooks/${bot.webhook_token}` : undefined);
    if (!bot.profile_id) problems.push(`bots.${bot.name}: profile_id is needed with --host-url (your host's bot file names it)`);
    if (!bot.api_key) problems.push(`bots.${bot.name}: api_key is needed with --host-url (the key your host uses for this bot)`);
    if (!webhookUrl) problems.push(`bots.${bot.name}: give webhook_url or webhook_token in the scenario, or --webhook ${bot.name}=URL`);
    if (bot.profile_id && bot.api_key && webhookUrl) result.set(bot.name, { id: bot.profile_id, apiKey: bot.api_key, webhookUrl });
  }
  if (problems.length > 0) throw new ConfigError(`${file}: cannot drive the host at ${hostUrl}:\n${problems.map((p) => `  ${p}`).join('\n')}`, { file });
  return result;
}

/**
 * A host polls the platform when it starts. The timeline begins after that first poll (or after
 * STARTUP_POLL_WAIT_MS, for a host that does not poll), so a scenario's first events never race
 * it and each run sees the same order.
 */
async function startupPolls(sim: Sim, botIds: string[]): Promise<void> {
  const deadline = Date.now() + STARTUP_POLL_WAIT_MS;
  const polled = () => botIds.every((id) => sim.requests.some((r) => r.profileId === id && r.path === '/api/agents/me/pending' && r.status === 200));
  while (!polled() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
}

/** Rentals without an end step end by the clock: wait (on the platform clock) until they have. */
async function waitForClockEnds(sim: Sim, rentalIds: string[], write: (line: string) => void, startedAt: number): Promise<void> {
  const latest = Math.max(0, ...rentalIds.map((id) => parseTsDb(sim.getRental(id)!.expires_at) / 1000));
  const remaining = latest - sim.now().getTime();
  if (remaining <= 0) return;
  write(`  +${((Date.now() - startedAt) / 1000).toFixed(2)}s waiting ${(remaining / 1000).toFixed(1)} s for the last rental to run out (no event will say so)`);
  await new Promise((resolve) => setTimeout(resolve, remaining + 1));
}

/**
 * Waits until nothing moves: no webhook in flight or waiting for its retry, no work left in an
 * in-process host (posts waiting for a retry included), and no bot post for `quietMs`.
 */
async function settle(sim: Sim, local: LocalHost | undefined, botIds: string[], quietMs: number, write: (line: string) => void): Promise<void> {
  const bots = new Set(botIds);
  const deadline = Date.now() + quietMs + MAX_SETTLE_EXTRA_MS;
  for (;;) {
    await sim.waitForDeliveries();
    if (local) await local.host.runtime.whenIdle();
    // Posts only: a polling host's GETs (and its marking notifications read) never stop.
    const lastWrite = sim.requests.filter((r) => r.method === 'POST' && r.profileId !== undefined && bots.has(r.profileId)).at(-1)?.at.getTime() ?? 0;
    const lastDelivery = sim.deliveries.at(-1)?.finishedAt?.getTime() ?? 0;
    const busy = local ? openWork(local.host) > 0 : false;
    if (!busy && Date.now() - Math.max(lastWrite, lastDelivery) >= quietMs) return;
    if (Date.now() > deadline) {
      const still = local ? busyActors(local.host) : [];
      write(`  (the host was still busy ${MAX_SETTLE_EXTRA_MS / 1000} s after the scenario${still.length > 0 ? ` with ${still.join(', ')}` : ''}; judging what is there)`);
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
