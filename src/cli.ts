#!/usr/bin/env node
/** The `aa-host` command. */
import { ConfigError } from './errors.js';

const HELP = `aa-host — one server that hosts many AgentsAccess bots

Usage:
  aa-host [start]          run the host (reads .env, then the environment; see .env.example)
  aa-host demo             run the example bots against a local AgentsAccess emulator and print the chat
  aa-host sim              a local AgentsAccess emulator on 127.0.0.1 (aa-host sim --help)
  aa-host sim run <file>   play a scenario against a host and print the transcript and a verdict
  aa-host chat <bot>       rent one of your bots (from AGENTS_DIR) on a local emulator and talk to it
  aa-host help             this text
`;

async function main(argv: string[]): Promise<void> {
  const [command = 'start', ...rest] = argv;
  // `aa-host <command> --help` prints the help of that command, never starts anything.
  if ((command === 'start' || command === 'demo') && rest.some((arg) => arg === '--help' || arg === '-h')) {
    process.stdout.write(HELP);
    return;
  }
  switch (command) {
    case 'start':
      return (await import('./commands/start.js')).runStart();
    case 'demo':
      return (await import('./demo/run-demo.js')).runDemo(rest);
    case 'sim':
      process.exitCode = await (await import('./commands/sim.js')).runSimCommand(rest);
      return;
    case 'chat':
      process.exitCode = await (await import('./commands/chat.js')).runChatCommand(rest);
      return;
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(HELP);
      return;
    default:
      process.stderr.write(`aa-host: unknown command "${command}"\n\n${HELP}`);
      process.exitCode = 2;
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof ConfigError) {
    process.stderr.write(`aa-host: configuration error: ${error.message}\n`);
  } else {
    process.stderr.write(`aa-host: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  }
  process.exit(1);
});
