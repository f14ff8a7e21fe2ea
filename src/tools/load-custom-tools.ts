/**
 * Loads an owner's own tools from the module named in the bot file (`tools.module`). The module exports
 * `tools` (or a default export) as an array of tools of the built-in shape:
 *
 *   import { z } from 'zod';
 *   export const tools = [{ name: 'weather', description: '…', parameters: z.object({ city: z.string() }),
 *                           async execute({ city }, context) { … } }];
 *
 * `context.platform` is guarded like the built-ins': the forbidden routes stay refused. A tool may say what it changes
 * (`effects: 'none' | 'platform' | 'unknown'`, tool.ts); unless it says 'none', its calls are journaled so a turn redone
 * after a crash does not repeat them, and an unsaid `effects` is 'unknown': an interrupted call is not run again.
 * `.js`/`.mjs` load natively; `.ts` loads natively under vitest/tsx, else through tsx when it is installed.
 */
import { existsSync } from 'node:fs';
import { extname, isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import { ConfigError } from '../errors.js';
import { TOOL_EFFECTS, TOOL_NAME_PATTERN, type AnyTool, type ToolEffects } from './tool.js';

export interface LoadCustomToolsOptions {
  /** The directory of the bot file: a relative `modulePath` is resolved from it. */
  baseDir: string;
  /** The bot file, for error messages. */
  file?: string;
}

export async function loadCustomTools(modulePath: string, options: LoadCustomToolsOptions): Promise<AnyTool[]> {
  const file = options.file;
  const where = `tools.module: ${modulePath}`;
  const fail = (message: string, cause?: unknown): ConfigError =>
    new ConfigError(`${file ? `${file}: ` : ''}${where}: ${message}`, { ...(file ? { file } : {}), ...(cause ? { cause } : {}) });

  const absolute = isAbsolute(modulePath) ? modulePath : resolve(options.baseDir, modulePath);
  if (!existsSync(absolute)) throw fail(`no such file (${absolute})`);

  let loaded: Record<string, unknown>;
  try {
    loaded = (await importModule(absolute)) as Record<string, unknown>;
  } catch (error) {
    if (error instanceof ConfigError) throw fail(error.message);
    throw fail(`the module failed to load: ${(error as Error).message}`, error);
  }

  const exported = loaded.tools ?? loaded.default;
  const list = Array.isArray(exported)
    ? exported
    : typeof exported === 'object' && exported !== null && Array.isArray((exported as { tools?: unknown }).tools)
      ? (exported as { tools: unknown[] }).tools
      : undefined;
  if (!list) throw fail('the module must export `tools` (or a default export) as an array of tools');

  const seen = new Set<string>();
  return list.map((candidate, index) => {
    const problem = toolProblem(candidate);
    const label = typeof (candidate as { name?: unknown } | null)?.name === 'string' ? `tool "${(candidate as { name: string }).name}"` : `tool #${index}`;
    if (problem) throw fail(`${label}: ${problem}`);
    const tool = candidate as AnyTool;
    if (seen.has(tool.name)) throw fail(`${label}: the name is used twice`);
    seen.add(tool.name);
    return tool;
  });
}

async function importModule(absolute: string): Promise<unknown> {
  try {
    return await import(pathToFileURL(absolute).href);
  } catch (error) {
    const typescript = ['.ts', '.mts', '.cts'].includes(extname(absolute));
    if (!typescript || (error as { code?: unknown }).code !== 'ERR_UNKNOWN_FILE_EXTENSION') throw error;
  }
  // Plain node cannot load TypeScript: use tsx's loader when it is installed.
  let tsImport: (specifier: string, parent: string) => Promise<unknown>;
  try {
    const specifier = 'tsx/esm/api';
    ({ tsImport } = (await import(specifier)) as { tsImport: typeof tsImport });
  } catch {
    throw new ConfigError('a TypeScript module needs tsx (npm install tsx), or compile it to .js and name the .js file');
  }
  return tsImport(pathToFileURL(absolute).href, import.meta.url);
}

/** Why `candidate` is not a usable tool, or null. Checked by shape: the module may hold its own copy of zod. */
function toolProblem(candidate: unknown): string | null {
  if (typeof candidate !== 'object' || candidate === null) return 'is not an object';
  const tool = candidate as Record<string, unknown>;
  if (typeof tool.name !== 'string' || !TOOL_NAME_PATTERN.test(tool.name)) {
    return 'name must be letters, digits, _ or -, at most 64 characters';
  }
  if (typeof tool.description !== 'string' || tool.description.trim() === '') return 'description must be a non-empty string';
  if (typeof tool.execute !== 'function') return 'execute must be a function';
  if (tool.maxCallsPerTurn !== undefined && !(Number.isInteger(tool.maxCallsPerTurn) && (tool.maxCallsPerTurn as number) > 0)) {
    return 'maxCallsPerTurn must be a positive integer';
  }
  if (tool.effects !== undefined && !TOOL_EFFECTS.includes(tool.effects as ToolEffects)) {
    return `effects must be one of ${TOOL_EFFECTS.map((e) => `'${e}'`).join(', ')}`;
  }
  const parameters = tool.parameters as { safeParse?: unknown; _zod?: unknown } | undefined;
  if (typeof parameters?.safeParse !== 'function' || typeof parameters._zod !== 'object') return 'parameters must be a zod (v4) schema';
  try {
    const schema = z.toJSONSchema(parameters as z.ZodType, { io: 'input', unrepresentable: 'any' }) as { type?: unknown };
    if (schema.type !== 'object') return 'parameters must be a zod object schema (z.object({...}))';
  } catch (error) {
    return `parameters cannot be turned into JSON schema: ${(error as Error).message}`;
  }
  return null;
}
