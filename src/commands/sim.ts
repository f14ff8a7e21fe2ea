/**
 * `aa-host sim`: the local AgentsAccess emulator on its own (with the `/_sim` control API and
 * an optional state file), and `aa-host sim run <scenario.yaml>`, which drives a host through a
 * scenario and prints the transcript and a verdict.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ZodError } from 'zod';
import { ConfigError } from '../errors.js';
import { loadScenario } from '../scenarios/load-scenario.js';
import { runScenario } from '../scenarios/run-scenario.js';
import { startSim } from '../sim/index.js';

export const SIM_HELP = `aa-host sim: a local AgentsAccess (the bot-facing API and its webhooks) on 127.0.0.1

Usage:
  aa-host sim [--port N] [--time-scale X] [--state FILE] [--quiet]
      Runs the emulator until Ctrl-C. Prints its URL and every request both ways.
      --state FILE   load FILE at start (if it exists) and save to it on exit
      --time-scale   multiplies the webhook timeout (10 s) and retry delay (30 s); default 1
      Create profiles, rentals and messages with the control API: GET <url>/_sim lists it.

  aa-host sim run <scenario.yaml> [--host-url URL] [--webhook BOT=URL]... [--port N] [--time-scale X] [--log]
      Plays a scenario against a host: one started here (with a model if OPENAI_API_KEY or
      OPENAI_BASE_URL is set, otherwise the bots' fallback replies), or yours at --host-url.
      Prints the transcript and a verdict; exits 0 when every check passes, 1 when one fails,
      2 when the scenario or the arguments are wrong.
`;

export interface CommandIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: Record<string, string | undefined>;
}

const processIo: CommandIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
};

export async function runSimCommand(args: string[], io: CommandIo = processIo): Promise<number> {
  try {
    if (args[0] === 'help' || args.includes('--help') || args.includes('-h')) {
      io.stdout(SIM_HELP);
      return 0;
    }
    if (args[0] === 'run') return await runScenarioCommand(args.slice(1), io);
    return await serveSim(args, io);
  } catch (err) {
    if (err instanceof ConfigError || err instanceof UsageError) {
      io.stderr(`aa-host sim: ${err.message}\n`);
      return 2;
    }
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      io.stderr(`aa-host sim: the port is in use (${(err as Error).message}); pick another with --port, or 0 for any free one\n`);
      return 2;
    }
    throw err;
  }
}

class UsageError extends Error {}

/** parseArgs with our usage text on a bad flag. */
function parse<const T extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: T) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError(`${(err as Error).message}\n\n${SIM_HELP}`);
  }
}

function numberOption(value: string | undefined, name: string, check: (n: number) => boolean): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || !check(n)) throw new UsageError(`${name}: not a valid value: ${value}`);
  return n;
}

async function runScenarioCommand(args: string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parse(args, {
    'host-url': { type: 'string' },
    webhook: { type: 'string', multiple: true },
    port: { type: 'string' },
    'time-scale': { type: 'string' },
    log: { type: 'boolean' },
  });
  if (positionals.length !== 1) throw new UsageError(`give one scenario file, e.g. aa-host sim run scenarios/happy-path.yaml\n\n${SIM_HELP}`);
  const webhooks: Record<string, string> = {};
  for (const entry of values.webhook ?? []) {
    const match = /^([^=]+)=(https?:\/\/.+)$/.exec(entry);
    if (!match) throw new UsageError(`--webhook ${entry}: expected BOT=http(s)://...`);
    webhooks[match[1]!] = match[2]!;
  }
  const hostUrl = values['host-url'];
  if (hostUrl !== undefined && !/^https?:\/\/[^/]+/.test(hostUrl)) throw new UsageError(`--host-url ${hostUrl}: expected http(s)://host:port`);
  if (hostUrl === undefined && Object.keys(webhooks).length > 0) throw new UsageError('--webhook only applies with --host-url');

  const loaded = loadScenario(positionals[0]!);
  const write = (line: string) => io.stdout(`${line}\n`);
  const outcome = await runScenario({
    loaded,
    hostUrl,
    webhooks,
    port: numberOption(values.port, '--port', (n) => Number.isInteger(n) && n >= 0 && n <= 65535),
    timeScale: numberOption(values['time-scale'], '--time-scale', (n) => n > 0),
    env: io.env,
    write,
    log: values.log ? (line) => write(`  [emulator] ${line}`) : undefined,
  });
  return outcome.passed ? 0 : 1;
}

/** Runs until SIGINT or SIGTERM; with --state, loads before and saves after. */
async function serveSim(args: string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parse(args, {
    port: { type: 'string' },
    host: { type: 'string' },
    'time-scale': { type: 'string' },
    state: { type: 'string' },
    quiet: { type: 'boolean' },
  });
  if (positionals.length > 0) throw new UsageError(`unknown argument ${positionals[0]}\n\n${SIM_HELP}`);
  const stateFile = values.state;
  let state: unknown;
  if (stateFile && existsSync(stateFile)) {
    try {
      state = JSON.parse(readFileSync(stateFile, 'utf8'));
    } catch (cause) {
      throw new ConfigError(`--state ${stateFile}: not a JSON file: ${(cause as Error).message}`, { cause });
    }
  }
  const line = (text: string) => io.stdout(`${text}\n`);
  let sim;
  try {
    sim = await startSim({
      port: numberOption(values.port, '--port', (n) => Number.isInteger(n) && n >= 0 && n <= 65535) ?? 0,
      host: values.host ?? '127.0.0.1',
      timeScale: numberOption(values['time-scale'], '--time-scale', (n) => n > 0) ?? 1,
      control: true,
      state,
      log: values.quiet ? undefined : (text) => line(`${new Date().toISOString().slice(11, 23)} ${text}`),
    });
  } catch (err) {
    if (err instanceof ZodError) {
      const issues = err.issues.slice(0, 5).map((i) => `  ${i.path.join('.') || '(file)'}: ${i.message}`);
      throw new ConfigError(`--state ${stateFile}: not a saved emulator state:\n${issues.join('\n')}`);
    }
    throw err;
  }
  const loadedProfiles = state === undefined ? 0 : sim.exportState().profiles.length;
  line(`AgentsAccess emulator: ${sim.url}`);
  line(`  control API: ${sim.origin}/_sim (GET it for the list of routes)`);
  if (stateFile) line(`  state: ${stateFile} (${state === undefined ? 'new' : `loaded ${loadedProfiles} profile(s)`}; saved on exit)`);
  line(`  try: curl -s -X POST ${sim.origin}/_sim/humans -d '{"username":"alice"}'`);

  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  line(`${signal}: stopping the emulator`);
  if (stateFile) {
    // Write beside the file, then rename: a crash mid-write never leaves half a state.
    writeFileSync(`${stateFile}.tmp`, `${JSON.stringify(sim.exportState(), null, 2)}\n`);
    renameSync(`${stateFile}.tmp`, stateFile);
    line(`  state saved to ${stateFile}`);
  }
  await sim.close();
  return 0;
}
