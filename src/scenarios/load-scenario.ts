/** Reads a scenario file, validates it and resolves persona files, before anything starts. */
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ConfigError } from '../errors.js';
import { scenarioSchema, type Scenario } from './scenario-schema.js';

export interface LoadedScenario {
  file: string;
  scenario: Scenario;
  /** Bot name → persona text (inline, from persona_file, or a one-line default). */
  personas: Map<string, string>;
}

export function loadScenario(file: string): LoadedScenario {
  const path = resolve(file);
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(path, 'utf8'));
  } catch (cause) {
    throw new ConfigError(`${file}: cannot read the scenario: ${(cause as Error).message}`, { file, cause });
  }
  const parsed = scenarioSchema.safeParse(raw ?? {});
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  ${issue.path.join('.') || '(file)'}: ${issue.message}`);
    throw new ConfigError(`${file}: invalid scenario:\n${lines.join('\n')}`, { file });
  }
  const scenario = parsed.data;
  const personas = new Map<string, string>();
  for (const [i, bot] of scenario.bots.entries()) {
    if (bot.persona_file) {
      const personaPath = isAbsolute(bot.persona_file) ? bot.persona_file : resolve(dirname(path), bot.persona_file);
      try {
        personas.set(bot.name, readFileSync(personaPath, 'utf8').trim());
      } catch (cause) {
        throw new ConfigError(`${file}: bots.${i}.persona_file: cannot read ${personaPath}`, { file, cause });
      }
    } else {
      personas.set(bot.name, bot.persona ?? `You are ${bot.display_name ?? bot.name}, a helpful assistant rented on AgentsAccess.`);
    }
  }
  return { file: path, scenario, personas };
}
