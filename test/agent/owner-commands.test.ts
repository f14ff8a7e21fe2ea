import { describe, expect, it } from 'vitest';
import { applyOwnerCommand, parseOwnerCommand, type BotStatusSnapshot } from '../../src/agent/owner-commands.js';

const running: BotStatusSnapshot = { botName: 'research-helper', paused: false, model: 'gpt-4o-mini', llm: 'openai', activeRentals: 1, pendingWork: 2 };

describe('parseOwnerCommand', () => {
  it.each([
    ['status', 'status'],
    ['Status?', 'status'],
    ['  /STATUS  ', 'status'],
    ['pause', 'pause'],
    ['Pause the bot.', 'pause'],
    ['!pause', 'pause'],
    ['resume', 'resume'],
    ['resume bot!', 'resume'],
    ['help', 'help'],
  ])('reads %j as %s', (text, kind) => {
    expect(parseOwnerCommand(text)).toEqual({ kind });
  });

  it.each(['', 'pause your analysis and tell me about X', 'what is your status on the report?', 'resumes', 'please pause', 'status report'])(
    'leaves %j to the model',
    (text) => {
      expect(parseOwnerCommand(text)).toBeNull();
    },
  );
});

describe('applyOwnerCommand', () => {
  it('pauses and resumes, saying what changes', () => {
    const paused = applyOwnerCommand({ kind: 'pause' }, running);
    expect(paused).toMatchObject({ command: 'pause', paused: true, changed: true });
    expect(paused.reply).toContain('until you say "resume"');

    expect(applyOwnerCommand({ kind: 'pause' }, { ...running, paused: true })).toMatchObject({ paused: true, changed: false, reply: expect.stringContaining('Already paused') });
    expect(applyOwnerCommand({ kind: 'resume' }, { ...running, paused: true })).toMatchObject({ paused: false, changed: true });
    expect(applyOwnerCommand({ kind: 'resume' }, running)).toMatchObject({ paused: false, changed: false, reply: expect.stringContaining('not paused') });
  });

  it('reports the status without changing it', () => {
    const result = applyOwnerCommand({ kind: 'status' }, { ...running, today: { calls: 12, costUsd: 0.0123 } });
    expect(result).toEqual({
      command: 'status',
      paused: false,
      changed: false,
      reply: 'research-helper: running.\nModel: gpt-4o-mini.\nActive rentals: 1. Work waiting: 2.\nToday (UTC): 12 model calls, $0.0123.',
    });
    expect(applyOwnerCommand({ kind: 'status' }, { ...running, paused: true, llm: 'fallback' }).reply).toContain('paused');
    expect(applyOwnerCommand({ kind: 'status' }, { ...running, llm: 'fallback' }).reply).toContain('none configured');
  });

  it('lists the commands', () => {
    expect(applyOwnerCommand({ kind: 'help' }, running).reply).toMatch(/"status".*"pause".*"resume"/);
  });
});
