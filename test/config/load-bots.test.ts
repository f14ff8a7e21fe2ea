import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseEnv, sqlitePathFromUrl } from '../../src/config/env.js';
import { loadBots } from '../../src/config/load-bots.js';
import { ConfigError } from '../../src/errors.js';

const KEY = 'aa_' + 'ab'.repeat(32);
const TOKEN = 't'.repeat(40);

function setup(files: Record<string, string>) {
  const dir = mkdtempSync(join(tmpdir(), 'aa-bots-'));
  mkdirSync(join(dir, 'agents'));
  mkdirSync(join(dir, 'prompts'));
  writeFileSync(join(dir, 'prompts', 'p.md'), 'You are helpful.');
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, 'agents', name), text);
  return join(dir, 'agents');
}
const good = (id = '3c02559b-3c42-4cdd-b64e-2ec636ec8a8f', token = 'TOKEN') =>
  `profile_id: ${id}\napi_key_env: KEY\nwebhook_token_env: ${token}\npersona: ../prompts/p.md\n`;
const load = (agentsDir: string, env: Record<string, string> = { KEY, TOKEN }) => loadBots({ agentsDir, env, defaultModel: 'm' });

describe('bot files', () => {
  it('loads a bot with defaults: name from the file, model from LLM_MODEL, persona text read', () => {
    const [bot] = load(setup({ 'research-helper.yaml': good() }));
    expect(bot).toMatchObject({ name: 'research-helper', model: 'm', persona: 'You are helpful.', limits: { llm_concurrency: 2 } });
    expect(bot!.secrets).toEqual({ apiKey: KEY, webhookToken: TOKEN });
  });

  it('names the file and the field when a field is wrong', () => {
    const dir = setup({ 'bad.yaml': good('not-a-uuid') });
    expect(() => load(dir)).toThrow(ConfigError);
    expect(() => load(dir)).toThrow(/bad\.yaml: invalid bot file:\n {2}profile_id: not a UUID: "not-a-uuid"/);
  });

  it('says a required field is missing in plain words', () => {
    expect(() => load(setup({ 'b.yaml': good().replace(/^persona:.*$/m, '') }))).toThrow(/b\.yaml: invalid bot file:\n {2}persona: required, but missing/);
  });

  it('refuses unknown fields, so typos do not pass silently', () => {
    expect(() => load(setup({ 'typo.yaml': good() + 'modle: gpt-4o\n' }))).toThrow(/typo\.yaml.*\n {2}\(top level\): .*modle/);
  });

  it('refuses webhook tokens shorter than 32 characters', () => {
    expect(() => load(setup({ 'b.yaml': good() }), { KEY, TOKEN: 'short' })).toThrow(/b\.yaml: webhook_token_env: .* 5 characters; use at least 32/);
  });

  it('says which environment variable is missing, without printing secrets', () => {
    expect(() => load(setup({ 'b.yaml': good() }), { TOKEN })).toThrow(/api_key_env: environment variable KEY is not set/);
    try {
      load(setup({ 'b.yaml': good() }), { KEY: 'aa_nothex', TOKEN });
      expect.unreachable();
    } catch (error) {
      expect((error as Error).message).toMatch(/does not look like an AgentsAccess API key/);
      expect((error as Error).message).not.toContain('aa_nothex');
    }
  });

  it('reports a missing persona file by path', () => {
    expect(() => load(setup({ 'b.yaml': good().replace('p.md', 'missing.md') }))).toThrow(/b\.yaml: persona: cannot read .*missing\.md: ENOENT/);
  });

  it('refuses two bots with the same profile id or token', () => {
    expect(() => load(setup({ 'a.yaml': good(), 'b.yaml': good() }))).toThrow(/b\.yaml: profile_id: is the same as in .*a\.yaml/);
    const other = good('5d0e8f0e-2a53-4a57-9a3e-0d6c2f0f6a11', 'TOKEN2');
    expect(() => load(setup({ 'a.yaml': good(), 'b.yaml': other }), { KEY, TOKEN, TOKEN2: TOKEN })).toThrow(/b\.yaml: webhook_token_env: holds the same token as the one for .*a\.yaml/);
  });

  it('reports an empty agents directory clearly', () => {
    expect(() => load(setup({}))).toThrow(/no bot files/);
  });
});

describe('environment', () => {
  it('has the documented defaults', () => {
    expect(parseEnv({})).toMatchObject({ PORT: 8080, HOST: '0.0.0.0', AGENTS_DIR: 'agents', DATABASE_URL: 'sqlite:data/aa-host.db', AGENTSACCESS_API: 'https://agentsaccess.ai/api', SQLITE_SYNCHRONOUS: 'FULL' });
  });
  it('reports every bad variable at once', () => {
    expect(() => parseEnv({ PORT: 'eighty', AGENTSACCESS_API: 'ftp://x' })).toThrow(/PORT: .*\n.*AGENTSACCESS_API/s);
  });
  it('reads DATABASE_URL as a SQLite path in its accepted forms', () => {
    expect(sqlitePathFromUrl('sqlite:data/aa-host.db')).toBe('data/aa-host.db');
    expect(sqlitePathFromUrl('sqlite:///var/lib/aa.db')).toBe('/var/lib/aa.db');
    expect(sqlitePathFromUrl('data/x.db')).toBe('data/x.db');
    expect(() => sqlitePathFromUrl('postgres://db/aa')).toThrow(/SQLite path/);
  });
});
