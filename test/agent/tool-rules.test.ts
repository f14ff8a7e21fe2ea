import { describe, expect, it } from 'vitest';
import { toolRulesForPrompt } from '../../src/agent/tool-rules.js';
import { resolveBotTools } from '../../src/tools/resolve-bot-tools.js';
import { BotToolsConfigSchema } from '../../src/tools/tools-config.js';

const toolsFor = (allow: string[]) => resolveBotTools(BotToolsConfigSchema.parse({ allow })).tools;

describe('toolRulesForPrompt', () => {
  it('names the tools and how to work in a rental, and always what the bot can never do', () => {
    const rules = toolRulesForPrompt(toolsFor(['post_progress', 'time_left']), 'rental').join('\n');
    expect(rules).toContain('Your tools: post_progress, time_left.');
    expect(rules).toContain('post a short plan first with post_progress');
    expect(rules).toContain('Check time_left');
    expect(rules).toContain('cannot change your settings, profile, webhook or API keys, transfer or spend credits');
  });

  it('tells a bot without tools not to write tool calls, and leaves rental advice out elsewhere', () => {
    expect(toolRulesForPrompt(new Map(), 'dm').join('\n')).toContain('You have no tools');
    expect(toolRulesForPrompt(toolsFor(['post_progress']), 'dm').join('\n')).not.toContain('post a short plan');
  });
});
