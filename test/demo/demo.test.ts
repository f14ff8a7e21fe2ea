import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { startFakeOpenAiServer } from '../fakes/fake-openai-server.js';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..', '..');

function demoEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = { ...process.env, ...extra };
  if (!extra.OPENAI_BASE_URL) delete env.OPENAI_BASE_URL;
  delete env.OPENAI_API_KEY;
  return env;
}

describe('npm run demo', () => {
  it('runs the example bots end to end on the emulator with fallback replies when no model is set', async () => {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'demo'], { cwd: ROOT, env: demoEnv(), timeout: 60_000 });
    expect(stdout).toContain('model:     none configured');
    expect(stdout).toMatch(/@research-helper: Hi, I'm Research Helper/);
    expect(stdout).toContain('host answered 200 {"ok":true,"duplicate":true}');
    expect(stdout).toContain('arrival order at the host: rental_message → rental_request');
    expect(stdout).toMatch(/\[DM\] @research-helper: /);
    expect(stdout).toMatch(/\[owner chat\] @research-helper: /);
    expect(stdout).toContain('research-helper: 4 messages in its rental (greeting + one per renter/owner message), 0 after the end');
  });

  it('uses the model at OPENAI_BASE_URL when one is set', async () => {
    const model = await startFakeOpenAiServer();
    try {
      const { stdout } = await run(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'demo'], {
        cwd: ROOT,
        env: demoEnv({ OPENAI_BASE_URL: model.baseURL }),
        timeout: 60_000,
      });
      expect(stdout).toContain(`at ${model.baseURL}`);
      expect(stdout).toContain('@research-helper: echo: [renter] What are the main differences between dense and sparse retrieval?');
      expect(model.requests.length).toBeGreaterThanOrEqual(6);
    } finally {
      await model.close();
    }
  });
});
