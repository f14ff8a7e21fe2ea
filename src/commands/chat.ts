/**
 * `aa-host chat <bot>`: rent one of your own bots on a local AgentsAccess emulator, served by
 * a real host in this process, and talk to it as the renter. Every line goes through the
 * renter's API routes, so the bot sees the same webhooks as on the platform. Works on a
 * terminal and with stdin from a pipe: lines are sent one at a time, each after the bot's
 * reply (or the reply timeout), and at the end of input the rental is ended.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, extname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import type { Bot } from '../config/bot-config.js';
import { listBotFiles, parseBotFile } from '../config/load-bots.js';
import { ConfigError } from '../errors.js';
import { createRenterClient, RenterApiError } from '../scenarios/renter-client.js';
import { describeModel, newApiKey, newWebhookToken, registerBots, startLocalHost, type LocalHost } from '../scenarios/start-local-host.js';
import { parseTsDb, startSim, type Sim } from '../sim/index.js';

export const CHAT_HELP = `aa-host chat: rent one of your bots on a local emulator and talk to it as the renter

Usage:
  aa-host chat <bot> [--minutes N] [--reply-timeout SECONDS]

  <bot> is a bot's name (or file name) in AGENTS_DIR (default agents/). The bot answers with the
  model in OPENAI_API_KEY / OPENAI_BASE_URL / LLM_MODEL, or with its fallback replies.
  In the chat: /time (time left), /extend N (add N minutes, at least 15), /end (end the
  rental), /quit (leave without ending). Input from a pipe works too: at its end the chat waits
  for the bot's reply, then ends the rental.
  --minutes N          rental length in minutes (default 15, the platform's minimum)
  --reply-timeout S    seconds to wait for each reply before going on (default 120)
`;

/** The renter's chat page shows its extend prompt 2 minutes before the end (CONTRACT §4.5). */
const WARN_BEFORE_END_MS = 2 * 60_000;

export async function runChatCommand(args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: { minutes: { type: 'string', default: '15' }, 'reply-timeout': { type: 'string', default: '120' }, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
    });
  } catch (err) {
    process.stderr.write(`aa-host chat: ${(err as Error).message}\n\n${CHAT_HELP}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(CHAT_HELP);
    return 0;
  }
  const minutes = Number(values.minutes);
  const replyTimeoutMs = Number(values['reply-timeout']) * 1000;
  if (positionals.length !== 1 || !Number.isInteger(minutes) || minutes < 15 || !(replyTimeoutMs > 0)) {
    process.stderr.write(`aa-host chat: give one bot name, --minutes of at least 15 and a positive --reply-timeout\n\n${CHAT_HELP}`);
    return 2;
  }
  if (existsSync('.env')) process.loadEnvFile('.env');
  try {
    return await chat({ botName: positionals[0]!, minutes, replyTimeoutMs });
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`aa-host chat: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
}

interface ChatOptions {
  botName: string;
  minutes: number;
  replyTimeoutMs: number;
}

async function chat(options: ChatOptions): Promise<number> {
  const agentsDir = resolve(process.env.AGENTS_DIR ?? 'agents');
  const files = listBotFiles(agentsDir).map((file) => ({ file, config: parseBotFile(file) }));
  const nameOf = (entry: (typeof files)[number]) => entry.config.name ?? basename(entry.file, extname(entry.file));
  const target = files.find((entry) => nameOf(entry) === options.botName || basename(entry.file, extname(entry.file)) === options.botName);
  if (!target) {
    throw new ConfigError(`no bot named "${options.botName}" in ${agentsDir}; there are: ${files.map(nameOf).join(', ')}`);
  }
  // Fresh secrets for every bot in the directory: the host runs them all, the emulator knows them.
  const secretsEnv: Record<string, string> = {};
  for (const { config } of files) {
    secretsEnv[config.api_key_env] = newApiKey();
    secretsEnv[config.webhook_token_env] = newWebhookToken();
  }

  const workDir = mkdtempSync(join(tmpdir(), 'aa-host-chat-'));
  const sim = await startSim({ timeScale: 1 });
  let local: LocalHost | undefined;
  try {
    const defaultOwner = target.config.owner_id ?? randomUUID();
    const owners = new Set([defaultOwner, ...files.flatMap(({ config }) => (config.owner_id ? [config.owner_id] : []))]);
    [...owners].forEach((id, i) => sim.createHuman({ username: i === 0 ? 'owner' : `owner-${i + 1}`, id }));
    const renter = sim.createHuman({ username: 'you', displayName: 'You' });
    local = await startLocalHost({ sim, workDir, agentsDir, secretsEnv, baseEnv: process.env });
    registerBots(sim, local, { ownerOf: () => defaultOwner });
    const bot = local.host.bots.all.find((b) => b.name === nameOf(target))!;
    const renterApi = createRenterClient(sim.url, renter.apiKey);
    const { rentalId } = await renterApi.rent(bot.profileId, options.minutes);
    return await converse({ ...options, sim, local, bot, rentalId, renterApi, renterId: renter.id });
  } finally {
    await local?.host.stop(3000);
    await sim.close();
    rmSync(workDir, { recursive: true, force: true });
  }
}

interface Conversation extends ChatOptions {
  sim: Sim;
  local: LocalHost;
  bot: Bot;
  rentalId: string;
  renterId: string;
  renterApi: ReturnType<typeof createRenterClient>;
}

async function converse(c: Conversation): Promise<number> {
  const { sim, bot, rentalId } = c;
  const tty = process.stdin.isTTY === true;
  const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: tty, prompt: 'you> ' });
  // Lines are queued from the start: a pipe delivers everything at once, while the greeting is
  // still on its way, and each line waits for the previous reply.
  const input = createLineQueue(rl);
  const out = (line: string) => {
    if (tty) process.stdout.write('\r\x1b[K');
    process.stdout.write(`${line}\n`);
  };
  const prompt = () => {
    if (tty) rl.prompt(true);
  };
  const msLeft = () => parseTsDb(sim.getRental(rentalId)!.expires_at) / 1000 - sim.now().getTime();
  const timeLeft = () => {
    const seconds = Math.max(0, Math.round(msLeft() / 1000));
    return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')} left`;
  };

  // Print the bot's messages as they land in the transcript.
  const seen = new Set<string>();
  const botMessages = () => sim.rentalMessages(rentalId).filter((m) => m.sender_id === bot.profileId);
  const printNew = () => {
    for (const message of botMessages()) {
      if (seen.has(message.id)) continue;
      seen.add(message.id);
      out(`${bot.name}: ${message.content.replace(/\n/g, '\n  ')}`);
      prompt();
    }
  };

  let over: 'expired' | undefined;
  let warned = false;
  const watcher = setInterval(() => {
    printNew();
    const left = msLeft();
    if (!warned && left <= WARN_BEFORE_END_MS && left > 0) {
      warned = true;
      out(`  (${timeLeft()}: /extend N adds N minutes)`);
      prompt();
    }
    if (left <= 0 && !over) {
      over = 'expired';
      out('  (time is up: the rental has run out)');
      rl.close();
    }
  }, 100);

  const waitForReply = async (what: string, before: number) => {
    out(`  … waiting for ${bot.name}${what}`);
    const deadline = Date.now() + c.replyTimeoutMs;
    while (botMessages().length <= before && !over) {
      if (Date.now() > deadline) {
        out(`  (no reply from ${bot.name} after ${c.replyTimeoutMs / 1000} s)`);
        return;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    printNew();
  };

  out(`aa-host chat: you are renting ${bot.name} on a local AgentsAccess emulator (${sim.url})`);
  out(`  model:    ${describeModel(c.local.env)}`);
  out(`  rental:   ${c.minutes} minutes (${timeLeft()}); /time, /extend N, /end, /quit`);
  out(`  host log: ${c.local.logFile}`);
  await waitForReply("'s greeting", 0);

  let leaving: 'end' | 'quit' | 'eof' = 'eof';
  rl.on('SIGINT', () => {
    leaving = 'quit';
    rl.close();
  });
  prompt();
  for (let raw = await input.next(); raw !== undefined; raw = await input.next()) {
    if (over) break;
    const line = raw.trim();
    if (line === '') {
      prompt();
      continue;
    }
    if (!tty) out(`you: ${line}`);
    if (line === '/quit') {
      leaving = 'quit';
      break;
    }
    if (line === '/end') {
      leaving = 'end';
      break;
    }
    if (line === '/time') {
      out(`  (${timeLeft()})`);
    } else if (line.startsWith('/extend')) {
      const added = Number(line.slice('/extend'.length).trim());
      try {
        await c.renterApi.extend(rentalId, added);
        if (msLeft() > WARN_BEFORE_END_MS) warned = false;
        out(`  (extended by ${added} minutes: ${timeLeft()})`);
      } catch (err) {
        out(`  ! /extend ${line.slice(7).trim()}: ${err instanceof RenterApiError ? `${err.status} ${err.message}` : String(err)}`);
      }
    } else if (line.startsWith('/')) {
      out('  commands: /time, /extend N (minutes, at least 15), /end, /quit');
    } else {
      const before = botMessages().length;
      try {
        await c.renterApi.say(rentalId, line);
        const model = c.local.env.OPENAI_API_KEY || c.local.env.OPENAI_BASE_URL ? `asking ${bot.model}` : 'no model: its fallback reply';
        await waitForReply(`'s reply (${model})`, before);
      } catch (err) {
        out(`  ! not sent: ${err instanceof RenterApiError ? `${err.status} ${err.message}` : String(err)}`);
      }
    }
    prompt();
  }
  clearInterval(watcher);
  rl.close();

  if (leaving === 'quit' && !over) {
    out(`  (leaving without ending the rental; ${timeLeft()})`);
  } else if (sim.getRental(rentalId)?.status === 'active') {
    // At the end of input, or at /end, or when the time ran out: the renter's page DELETEs the
    // rental (it does that at zero too), which sends rental_ended to the bot.
    try {
      await c.renterApi.end(rentalId);
      out(over ? '  (the chat page ends the rental: rental_ended goes to the bot)' : '  (rental ended: rental_ended goes to the bot)');
    } catch (err) {
      out(`  ! ending the rental: ${err instanceof RenterApiError ? `${err.status} ${err.message}` : String(err)}`);
    }
  }
  await sim.waitForDeliveries();
  await c.local.host.runtime.whenIdle();
  printNew();
  const messages = sim.rentalMessages(rentalId);
  out(`  ${messages.filter((m) => m.sender_id === c.renterId).length} message(s) from you, ${botMessages().length} from ${bot.name}`);
  return 0;
}

/** Lines from readline, one at a time; `next()` gives undefined at the end of input (or on close). */
function createLineQueue(rl: ReturnType<typeof createInterface>) {
  const lines: string[] = [];
  let closed = false;
  let wake: (() => void) | undefined;
  rl.on('line', (line) => {
    lines.push(line);
    wake?.();
  });
  rl.on('close', () => {
    closed = true;
    wake?.();
  });
  return {
    async next(): Promise<string | undefined> {
      while (lines.length === 0 && !closed) await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
      return lines.shift();
    },
  };
}
