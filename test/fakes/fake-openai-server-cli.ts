/**
 * Runs the fake OpenAI server as a child process, for tests that start the host as a separate process:
 *   tsx test/fakes/fake-openai-server-cli.ts [--port N]
 * Prints one JSON line `{"baseURL": "http://127.0.0.1:PORT/v1"}` on stdout once listening, answers with the
 * echo script, and serves until SIGTERM or SIGINT.
 */
import { parseArgs } from 'node:util';
import { startFakeOpenAiServer } from './fake-openai-server.js';

const { values } = parseArgs({ options: { port: { type: 'string' } } });
const port = values.port === undefined ? 0 : Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  process.stderr.write(`fake-openai-server: --port must be an integer from 0 to 65535, got ${values.port}\n`);
  process.exit(2);
}

const server = await startFakeOpenAiServer({ port });
process.stdout.write(`${JSON.stringify({ baseURL: server.baseURL })}\n`);

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}
