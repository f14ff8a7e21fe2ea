/**
 * `aa-host sim run` as a user runs it: a child process, its output and its exit code. Against
 * the host it starts itself, against an aa-host given by --host-url, and against a deliberately
 * broken receiver that answers every renter message twice.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { FIXTURE_BOT_ID, FIXTURE_OWNER_ID, startTestHost, testBot } from '../helpers/test-host.js';
import { freePort, runCli } from './cli-process.js';

const BOT_KEY = `aa_${'5e'.repeat(32)}`;
const BOT_TOKEN = 'broken-receiver-token-0123456789abcdef';

function writeScenario(yaml: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'aa-sim-run-')), 'scenario.yaml');
  writeFileSync(file, yaml);
  return file;
}

/** Two questions in a 15-minute rental, ended by the renter; the bot is the given profile. */
const twoQuestions = (bot: { name: string; id: string; key: string; token: string }) => `
name: two-questions
owner: { name: owner, id: ${FIXTURE_OWNER_ID} }
bots:
  - name: ${bot.name}
    profile_id: ${bot.id}
    api_key: ${bot.key}
    webhook_token: ${bot.token}
renters: [{ name: alice }]
timeline:
  - at: 0s
    rent: { id: r1, bot: ${bot.name}, renter: alice }
  - at: 0.3s
    say: { rental: r1, text: What is BM25? }
  - at: 0.6s
    say: { rental: r1, text: And TF-IDF? }
  - at: 1s
    end: { rental: r1 }
`;

/**
 * A webhook receiver that greets once but answers every renter message twice, by posting to the
 * emulator's API like a real bot would: the kind of bug the verdict exists to catch.
 */
async function startDoubleAnsweringBot(apiBase: string): Promise<string> {
  const post = (rentalId: string, content: string) =>
    fetch(`${apiBase}/rentals/${rentalId}/messages`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${BOT_KEY}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ content }),
    }).then((res) => res.body?.cancel());
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"ok":true}');
      const { event, data } = JSON.parse(body) as { event: string; data: { data: { rental_id: string; sender_id?: string; content?: string } } };
      if (event === 'rental_request') void post(data.data.rental_id, 'Hello! Ask me anything.');
      if (event === 'rental_message' && data.data.sender_id !== FIXTURE_BOT_ID) {
        void post(data.data.rental_id, `About "${data.data.content}": here is my answer.`).then(() =>
          post(data.data.rental_id, `About "${data.data.content}": and here it is again.`),
        );
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('aa-host sim run (CLI)', () => {
  it('runs a shipped scenario against a host it starts itself, prints the transcript and verdict, and exits 0', async () => {
    const cli = runCli(['sim', 'run', 'scenarios/happy-path.yaml']);
    expect(await cli.exited, cli.stderr()).toBe(0);
    const out = cli.stdout();
    expect(out).toContain('scenario happy-path: A direct 15-minute rental');
    expect(out).toMatch(/host: +http:\/\/127\.0\.0\.1:\d+ \(in this process/);
    expect(out).toMatch(/Transcript\n  rental r1 \(ended by DELETE at \+\d+\.\d\ds\)\n    \+\d+\.\d\ds @helper: Hi, I'm Research Helper\. What should I look into\?/);
    expect(out).toMatch(/PASS  answered once: 2 message\(s\), each answered exactly once/);
    expect(out).toMatch(/PASS  nothing after the end/);
    expect(out).toMatch(/\nPASS happy-path\n$/);
  });

  it('fails with exit 1 and says which message was answered twice, against a receiver that answers everything twice', async () => {
    const simPort = await freePort();
    const receiver = await startDoubleAnsweringBot(`http://127.0.0.1:${simPort}/api`);
    const file = writeScenario(twoQuestions({ name: 'helper', id: FIXTURE_BOT_ID, key: BOT_KEY, token: BOT_TOKEN }));
    const cli = runCli(['sim', 'run', file, '--host-url', receiver, '--port', String(simPort)]);
    expect(await cli.exited, `${cli.stdout()}\n${cli.stderr()}`).toBe(1);
    const out = cli.stdout();
    expect(out).toContain(`host:     ${receiver} (yours; bots helper)`);
    expect(out).toMatch(/FAIL  answered once: rental r1: \+\d+\.\d\ds @alice "What is BM25\?" was answered 2 times/);
    expect(out).toMatch(/rental r1: \+\d+\.\d\ds @alice "And TF-IDF\?" was answered 2 times/);
    expect(out).toMatch(/\nFAIL two-questions: answered once\n$/);
  });

  it('passes against a real aa-host given by --host-url', async () => {
    const simPort = await freePort();
    const bot = testBot({ name: 'research-helper' });
    const host = await startTestHost({ bots: [bot], platformUrl: `http://127.0.0.1:${simPort}/api` });
    const file = writeScenario(twoQuestions({ name: 'research-helper', id: bot.profileId, key: bot.apiKey, token: bot.token }));
    const cli = runCli(['sim', 'run', file, '--host-url', host.url, '--port', String(simPort)]);
    expect(await cli.exited, `${cli.stdout()}\n${cli.stderr()}`).toBe(0);
    expect(cli.stdout()).toMatch(/PASS  answered once: 2 message\(s\), each answered exactly once/);
    expect(cli.stdout()).toMatch(/\nPASS two-questions\n$/);
  });

  it('exits 2 naming what is missing when --host-url bots have no key or webhook, or the file is wrong', async () => {
    const file = writeScenario('name: x\nbots: [{ name: helper }]\nrenters: [{ name: alice }]\ntimeline:\n  - at: 0s\n    rent: { id: r1, bot: helper, renter: alice }\n');
    const external = runCli(['sim', 'run', file, '--host-url', 'http://127.0.0.1:9']);
    expect(await external.exited).toBe(2);
    expect(external.stderr()).toContain('cannot drive the host at http://127.0.0.1:9:');
    expect(external.stderr()).toContain('bots.helper: api_key is needed with --host-url');
    expect(external.stderr()).toContain('bots.helper: give webhook_url or webhook_token in the scenario, or --webhook helper=URL');

    const missing = runCli(['sim', 'run', 'scenarios/no-such-file.yaml']);
    expect(await missing.exited).toBe(2);
    expect(missing.stderr()).toMatch(/scenarios\/no-such-file\.yaml: cannot read the scenario/);
  });

  it('prints its usage for --help, exit 0', async () => {
    const help = runCli(['sim', 'run', '--help']);
    expect(await help.exited).toBe(0);
    expect(help.stdout()).toContain('aa-host sim run <scenario.yaml>');
  });
});
