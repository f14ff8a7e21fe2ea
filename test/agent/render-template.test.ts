import { describe, expect, it } from 'vitest';
import { renderTemplate, templateFields } from '../../src/agent/render-template.js';

describe('renderTemplate', () => {
  it('fills {field} from the data, with literal braces by doubling', () => {
    expect(renderTemplate('Hi {name}, you paid {amount} AA ({{receipt}}). Paid: {paid}.', { name: 'Ada', amount: 25, paid: true })).toEqual({
      text: 'Hi Ada, you paid 25 AA ({receipt}). Paid: yes.',
      missing: [],
    });
  });

  it('renders missing, null and non-scalar fields as empty and reports them', () => {
    expect(renderTemplate('[{a}][{b}][{c}][{d}]', { b: null, c: { x: 1 }, d: Number.NaN })).toEqual({ text: '[][][][]', missing: ['a', 'b', 'c', 'd'] });
  });

  it('never expands a placeholder that a value contains', () => {
    expect(renderTemplate('Reason: {reason}', { reason: 'see {secret} and {{x}}', secret: 'S3CRET' }).text).toBe('Reason: see {secret} and {{x}}');
  });

  it('does not read inherited properties', () => {
    expect(renderTemplate('{constructor}{toString}{__proto__}', {}).text).toBe('');
  });

  it('strips control and bidi characters and caps each value and the whole text', () => {
    expect(renderTemplate('{x}', { x: 'a\u0000b\u202Ec\u0007d\ne' }).text).toBe('abcd\ne');
    expect(renderTemplate('{x}', { x: 'y'.repeat(1000) }).text).toHaveLength(500);
    expect(renderTemplate('{x}{x}{x}', { x: 'z'.repeat(400) }, { maxLength: 1000 }).text).toHaveLength(1000);
    expect(renderTemplate('{x}', { x: '😀'.repeat(300) }, { maxFieldLength: 11 }).text).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/);
  });

  it('lists the fields a template uses', () => {
    expect(templateFields('Hi {a}, {b} and {a}; {{not_a_field}} { spaced }')).toEqual(['a', 'b']);
  });
});
