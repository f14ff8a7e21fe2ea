import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tsxArgs } from '../helpers/tsx-node.js';

function botDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'aa-cli-'));
  mkdirSync(join(dir, 'agents'));
  writeFileSync(join(dir, 'persona.md'), 'You are terse.');
  writeFileSync(
    join(dir, 'agents', 'terse.yaml'),
    'profile_id: 3c02559b-3c42-4cdd-b64e-2ec636ec8a8f\napi_key_env: TERSE_KEY\nwebhook_token_env: TERSE_TOKEN\npersona: ../persona.md\n',
  );
  return dir;
}

function start(dir: string, extraEnv: Record<string, string> = {}, args: string[] = ['start']) {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    PORT: '0',
    HOST: '127.0.0.1',
    AGENTS_DIR: join(dir, 'agents'),
    DATABASE_URL: join(dir, 'aa.db'),
    AGENTSACCESS_API: 'http://127.0.0.1:9/api',
    TERSE_KEY: 'aa_' + 'cd'.repeat(32),
    TERSE_TOKEN: 'z'.repeat(48),
    ...extraEnv,
  };
  const child = spawn(process.execPath, tsxArgs('src/cli.ts', ...args), { cwd: dir, env });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, output: () => stdout, errors: () => stderr };
}

describe('aa-host start', () => {
  it('serves /healthz, and on SIGTERM stops taking webhooks and exits 0 within 10 s', async () => {
    const proc = start(botDir());
    const deadline = Date.now() + 20_000;
    let url: string | undefined;
    while (!url && Date.now() < deadline) {
      url = /"url":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(proc.output())?.[1];
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(url, proc.errors()).toBeDefined();
    const health = await (await fetch(`${url}/healthz`)).json();
    expect(health).toMatchObject({ status: 'ok', bots: 1, llm: 'fallback', pendingEvents: 0 });
    expect(proc.output()).toContain('no LLM configured');

    const sentAt = Date.now();
    proc.child.kill('SIGTERM');
    expect(await proc.exited).toBe(0);
    expect(Date.now() - sentAt).toBeLessThan(10_000);
    expect(proc.output()).toContain('aa-host stopped');
    expect(proc.output()).not.toContain('z'.repeat(48));
  });

  it('refuses to start on a bad bot file, naming the file and the field', async () => {
    const dir = botDir();
    const proc = start(dir, { TERSE_TOKEN: 'short' });
    expect(await proc.exited).toBe(1);
    expect(proc.errors()).toMatch(/configuration error: .*terse\.yaml: webhook_token_env: the token in TERSE_TOKEN is 5 characters/);
  });

  it('prints the usage for --help and starts nothing', async () => {
    const proc = start(botDir(), {}, ['start', '--help']);
    expect(await proc.exited).toBe(0);
    expect(proc.output()).toContain('Usage:');
    expect(proc.output()).not.toContain('listening');
  });
});
