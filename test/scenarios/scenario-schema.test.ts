import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { loadScenario } from '../../src/scenarios/load-scenario.js';
import { durationSchema } from '../../src/scenarios/scenario-schema.js';
import { ROOT } from '../helpers/tsx-node.js';

function scenarioFile(yaml: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'aa-scenario-')), 'scenario.yaml');
  writeFileSync(file, yaml);
  return file;
}

const minimal = `
name: tiny
bots: [{ name: helper }]
renters: [{ name: alice }]
timeline:
  - at: 0s
    rent: { id: r1, bot: helper, renter: alice }
`;

describe('scenario files', () => {
  it('every shipped scenario in scenarios/ is valid', () => {
    const files = readdirSync(join(ROOT, 'scenarios')).filter((f) => f.endsWith('.yaml'));
    expect(files.length).toBeGreaterThanOrEqual(10);
    for (const file of files) expect(() => loadScenario(join(ROOT, 'scenarios', file)), file).not.toThrow();
  });

  it('the example in the README is valid', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const example = /A scenario is YAML[\s\S]*?```yaml\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(example).toBeDefined();
    const { scenario } = loadScenario(scenarioFile(example!));
    expect(scenario.timeline.map((step) => Object.keys(step).find((k) => k !== 'at'))).toEqual([
      'rent', 'say', 'say', 'extend', 'dm', 'owner_message', 'faults', 'end',
    ]);
  });

  it('fills in the defaults and parses durations to milliseconds', () => {
    const { scenario, personas } = loadScenario(scenarioFile(minimal));
    expect(scenario).toMatchObject({ time_scale: 0.01, reply_timeout: 30_000, settle: 1000, first_reply_within: 60_000, requires: [], owner: { name: 'owner' } });
    expect(scenario.timeline[0]).toMatchObject({ at: 0, rent: { kind: 'direct', duration: 15 * 60_000 } });
    expect(personas.get('helper')).toContain('You are helper');
    expect(['250ms', '1.5s', '2m', '15min', '1h', 3].map((d) => durationSchema.parse(d))).toEqual([250, 1500, 120_000, 900_000, 3_600_000, 3000]);
    expect(durationSchema.safeParse('soon').success).toBe(false);
  });

  it('reads a persona file relative to the scenario', () => {
    const file = scenarioFile(minimal.replace('bots: [{ name: helper }]', 'bots: [{ name: helper, persona_file: persona.md }]'));
    writeFileSync(join(file, '..', 'persona.md'), 'You are terse.\n');
    expect(loadScenario(file).personas.get('helper')).toBe('You are terse.');
  });

  it('refuses mistakes with the file and the path of each one', () => {
    const file = scenarioFile(`
name: broken
bots: [{ name: helper, colour: blue }]
renters: [{ name: alice }]
timeline:
  - at: 1s
    rent: { id: r1, bot: helper, renter: alice }
  - at: 0.5s
    say: { rental: r2, text: hi }
  - at: 2s
    say: { rental: r1, text: hi }
    end: { rental: r1 }
`);
    let error: unknown;
    try {
      loadScenario(file);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).toContain(`${file}: invalid scenario:`);
    expect(message).toContain('bots.0: Unrecognized key: "colour"');
    expect(message).toContain('timeline.2: each step has "at" and exactly one of rent, say, end, extend, dm, owner_message, faults, advance_clock; found say, end');
  });

  it('checks that names resolve, rentals start before use, and steps are in time order', () => {
    const file = scenarioFile(`
name: references
bots: [{ name: helper }]
renters: [{ name: alice }]
timeline:
  - at: 1s
    rent: { id: r1, bot: helpr, renter: alice, instructions: do it }
  - at: 0.5s
    say: { rental: r2, text: hi }
  - at: 2s
    dm: { from: bob, to: helper, text: hi }
  - at: 3s
    end: { rental: r1 }
  - at: 4s
    end: { rental: r1 }
`);
    expect(() => loadScenario(file)).toThrow(ConfigError);
    const message = (() => {
      try {
        loadScenario(file);
        return '';
      } catch (err) {
        return (err as Error).message;
      }
    })();
    expect(message.split('\n').slice(1)).toEqual([
      '  timeline.0.rent.bot: no bot named "helpr"',
      '  timeline.0.rent.instructions: only queue rentals (queue_confirm, auto_start) carry instructions',
      '  timeline.1.at: steps must be in time order',
      '  timeline.1.say.rental: no rental "r2" is started (rent: {id: r2}) before this step',
      '  timeline.2.dm.from: no renter named "bob"',
      '  timeline.4.end.rental: rental "r1" is already ended',
    ]);
  });
});
