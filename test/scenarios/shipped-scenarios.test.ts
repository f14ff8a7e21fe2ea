/**
 * `aa-host sim run` on every scenario in scenarios/, against a host started in this process
 * (fallback replies, or the fake model server). Each must pass. (Failing verdicts, with their
 * reasons, are tested against a deliberately broken receiver in test/commands.)
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { loadScenario } from '../../src/scenarios/load-scenario.js';
import { runScenario } from '../../src/scenarios/run-scenario.js';
import { answerScript } from '../helpers/stack.js';
import { ROOT } from '../helpers/tsx-node.js';
import { startFakeOpenAiServer } from '../fakes/fake-openai-server.js';

const files = readdirSync(join(ROOT, 'scenarios')).filter((f) => f.endsWith('.yaml')).sort();
const passing = files;

async function run(file: string, env: Record<string, string> = {}) {
  const lines: string[] = [];
  const outcome = await runScenario({
    loaded: loadScenario(join(ROOT, 'scenarios', file)),
    env,
    write: (line) => lines.push(line),
    keepFailedRuns: false,
  });
  return { ...outcome, output: lines.join('\n') };
}

describe('aa-host sim run on the shipped scenarios', () => {
  it('ships the happy path and one scenario per contract trap', () => {
    expect(files).toEqual(
      expect.arrayContaining([
        'happy-path.yaml',
        'message-before-request.yaml',
        'reorder.yaml',
        'duplicate-delivery.yaml',
        'dropped-first-attempt.yaml',
        'dropped-both-attempts.yaml',
        'clock-expiry.yaml',
        'extension.yaml',
        'queue-confirm-instructions.yaml',
        'auto-start.yaml',
        'owner-in-rental.yaml',
        'platform-5xx.yaml',
        'ended-before-last-message.yaml',
        'dm-and-owner-chat.yaml',
        'rental-found-by-polling.yaml',
      ]),
    );
  });

  it.concurrent.for(passing)('%s passes against the host', async (file) => {
    const result = await run(file);
    expect(result.failed, result.output).toEqual([]);
    expect(result.passed).toBe(true);
    expect(result.output).toMatch(/\nPASS /);
    // Every check that had something to judge passed; at least "answered once" always does.
    expect(result.checks.find((c) => c.name === 'answered once')?.passed, result.output).toBe(true);
  });

  it.concurrent('with a model configured, the host in the scenario asks it', async () => {
    const model = await startFakeOpenAiServer({ script: answerScript });
    onTestFinished(() => model.close());
    const result = await run('happy-path.yaml', { OPENAI_BASE_URL: model.baseURL, OPENAI_API_KEY: 'sk-test-0000', LLM_MODEL: 'fake-model' });
    expect(result.passed, result.output).toBe(true);
    expect(result.output).toContain(`model:    fake-model at ${model.baseURL}`);
    expect(result.output).toContain('@helper: answer to: Which one would you pick for two million support articles?');
    expect(model.requests.length).toBeGreaterThanOrEqual(3);
  });
});
