/** The tools one bot offers its model: the allow-list applied to the built-ins and the owner's module. */
import { dirname } from 'node:path';
import { ConfigError } from '../errors.js';
import { BUILTIN_TOOL_NAMES, createBuiltinTools, isBuiltinToolName } from './builtin/index.js';
import { loadCustomTools } from './load-custom-tools.js';
import type { AnyTool } from './tool.js';
import type { BotToolsConfig } from './tools-config.js';

/** The allowed tools by name, in allow-list order. */
export type ToolSet = ReadonlyMap<string, AnyTool>;

export interface ResolvedBotTools {
  tools: ToolSet;
  /** Tools the owner's module exports but `allow` does not list: loaded, never offered. Worth a warning. */
  unlisted: string[];
}

export function resolveBotTools(config: BotToolsConfig, customTools: readonly AnyTool[] = [], file?: string): ResolvedBotTools {
  const fail = (message: string) => new ConfigError(`${file ? `${file}: ` : ''}${message}`, file ? { file } : undefined);
  const builtins = createBuiltinTools(config);
  const custom = new Map<string, AnyTool>();
  for (const tool of customTools) {
    if (isBuiltinToolName(tool.name)) throw fail(`tools.module: the tool "${tool.name}" has the name of a built-in tool; rename it`);
    custom.set(tool.name, tool);
  }
  const known = (name: string) => isBuiltinToolName(name) || custom.has(name);
  for (const name of Object.keys(config.max_calls_per_turn)) {
    if (!known(name)) throw fail(`tools.max_calls_per_turn: "${name}" is not a tool`);
  }

  const tools = new Map<string, AnyTool>();
  for (const name of config.allow) {
    if (isBuiltinToolName(name)) {
      tools.set(name, builtins[name]);
      continue;
    }
    const tool = custom.get(name);
    if (!tool) {
      throw fail(
        `tools.allow: "${name}" is neither a built-in tool (${BUILTIN_TOOL_NAMES.join(', ')})` +
          (config.module ? ` nor a tool of ${config.module}` : ' and no tools.module is set'),
      );
    }
    const cap = config.max_calls_per_turn[name];
    tools.set(name, cap === undefined ? tool : { ...tool, maxCallsPerTurn: cap, execute: tool.execute.bind(tool) });
  }
  const unlisted = [...custom.keys()].filter((name) => !tools.has(name));
  return { tools, unlisted };
}

/** Loads the bot's module (if any) and resolves its tools: what the config loader calls once per bot file. */
export async function loadBotTools(config: BotToolsConfig, botFile: string): Promise<ResolvedBotTools> {
  const customTools = config.module ? await loadCustomTools(config.module, { baseDir: dirname(botFile), file: botFile }) : [];
  return resolveBotTools(config, customTools, botFile);
}
