/** `aa-host chat <bot>` driven through a pipe, with the fake model server as the LLM. */
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { startFakeOpenAiServer } from '../fakes/fake-openai-server.js';
import { answerScript } from '../helpers/stack.js';
import { ROOT } from '../helpers/tsx-node.js';
import { runCli } from './cli-process.js';

const AGENTS_DIR = join(ROOT, 'agents');

describe('aa-host chat', () => {
  it('holds a rental conversation from a pipe: greeting, one reply per line, time and extension, then ends the rental', async () => {
    const model = await startFakeOpenAiServer({ script: answerScript });
    onTestFinished(() => model.close());
    const cli = runCli(['chat', 'research-helper', '--reply-timeout', '20'], {
      env: { AGENTS_DIR, OPENAI_BASE_URL: model.baseURL, OPENAI_API_KEY: 'sk-test-0000', LLM_MODEL: 'fake-model' },
    });
    cli.write('What is BM25?\n\nAnd TF-IDF?\n/time\n/extend 15\n/extend 5\n');
    cli.endInput();
    expect(await cli.exited, `${cli.stdout()}\n${cli.stderr()}`).toBe(0);
    const out = cli.stdout();

    expect(out).toContain('aa-host chat: you are renting research-helper on a local AgentsAccess emulator');
    expect(out).toContain(`model:    fake-model at ${model.baseURL}`);
    expect(out).toContain('rental:   15 minutes (15:00 left)');
    // In order: the greeting, then each line answered before the next is sent.
    const expected = [
      "  … waiting for research-helper's greeting",
      'research-helper: model: ',
      'you: What is BM25?',
      "  … waiting for research-helper's reply (asking fake-model)",
      'research-helper: answer to: What is BM25?',
      'you: And TF-IDF?',
      'research-helper: answer to: And TF-IDF?',
      'you: /time',
      'you: /extend 15',
      '  (extended by 15 minutes: ',
      'you: /extend 5',
      '  ! /extend 5: 400 duration_minutes must be at least 15',
      '  (rental ended: rental_ended goes to the bot)',
      '  2 message(s) from you, 3 from research-helper',
    ];
    let from = 0;
    for (const piece of expected) {
      const at = out.indexOf(piece, from);
      expect(at, `"${piece}" after position ${from} in:\n${out}`).toBeGreaterThanOrEqual(0);
      from = at + piece.length;
    }
    expect(out).toMatch(/you: \/time\n {2}\(1[45]:\d\d left\)/);
    expect(out).toMatch(/extended by 15 minutes: (29|30):\d\d left/);
    // Three model calls: the greeting and one per message; nothing after the end.
    expect(model.requests).toHaveLength(3);
  });

  it('says which bots there are when the name is wrong', async () => {
    const cli = runCli(['chat', 'nobody'], { env: { AGENTS_DIR } });
    expect(await cli.exited).toBe(2);
    expect(cli.stderr()).toMatch(/no bot named "nobody" in .*agents; there are: code-reviewer, research-helper/);
  });
});
