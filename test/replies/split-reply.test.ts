import { describe, expect, it } from 'vitest';
import { DM_LIMIT, RENTAL_MESSAGE_LIMIT, splitReply } from '../../src/replies/split-reply.js';

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** What every caller relies on: parts fit, are trimmed and non-empty, and keep the text in order. */
function expectValidParts(parts: string[], text: string, limit: number): void {
  for (const part of parts) {
    expect(part.length).toBeGreaterThan(0);
    expect(part.length).toBeLessThanOrEqual(limit);
    expect(part).toBe(part.trim());
    expect(part).not.toMatch(LONE_SURROGATE);
  }
  expect(parts.join('').replace(/\s/g, '')).toBe(text.replace(/\s/g, ''));
}

/** `count` words of filler prose with sentence ends but no line breaks. */
function prose(count: number): string {
  const words = Array.from({ length: count }, (_, i) => (i % 12 === 11 ? 'end.' : 'word'));
  return words.join(' ');
}

describe('splitReply', () => {
  describe('issue: a 4,500-character answer with an emoji straddling position 2000', () => {
    it('gives 3 rental messages without splitting the emoji, when the text has no whitespace', () => {
      const text = 'a'.repeat(1999) + '😀' + 'b'.repeat(2499);
      expect(text.length).toBe(4500);
      expect(text.slice(1999, 2001)).toBe('😀');

      const parts = splitReply(text, RENTAL_MESSAGE_LIMIT);

      expect(parts).toHaveLength(3);
      expectValidParts(parts, text, RENTAL_MESSAGE_LIMIT);
      expect(parts[1]?.startsWith('😀')).toBe(true);
    });

    it('gives 3 rental messages without splitting the emoji, when the text is prose', () => {
      const head = 'x'.repeat(1000) + ' ' + 'y'.repeat(998) + ' ';
      const text = head.slice(0, 1999) + '😀' + ' ' + prose(2000).slice(0, 4500 - 2002);
      expect(text.length).toBe(4500);
      expect(text.slice(1999, 2001)).toBe('😀');

      const parts = splitReply(text, RENTAL_MESSAGE_LIMIT);

      expect(parts).toHaveLength(3);
      expectValidParts(parts, text, RENTAL_MESSAGE_LIMIT);
    });
  });

  it('gives [] for empty or whitespace-only text, so nothing is posted', () => {
    expect(splitReply('', RENTAL_MESSAGE_LIMIT)).toEqual([]);
    expect(splitReply(' \n\t\n  ', RENTAL_MESSAGE_LIMIT)).toEqual([]);
  });

  it('gives one trimmed part when the text fits', () => {
    expect(splitReply('  hello there \n', RENTAL_MESSAGE_LIMIT)).toEqual(['hello there']);
  });

  it('keeps text of exactly the limit in one part, measured after trim', () => {
    const text = 'z'.repeat(RENTAL_MESSAGE_LIMIT);
    expect(splitReply(`\n  ${text}  \n`, RENTAL_MESSAGE_LIMIT)).toEqual([text]);
    expect(splitReply(text + 'z', RENTAL_MESSAGE_LIMIT)).toEqual([text, 'z']);
  });

  it('prefers the last paragraph break over later line breaks and sentence ends', () => {
    const first = prose(300).slice(0, 1200);
    const second = prose(100).slice(0, 600) + '.\n' + prose(20).slice(0, 90) + '. ' + prose(200);
    const text = `${first}\n\n${second}`;

    const parts = splitReply(text, RENTAL_MESSAGE_LIMIT);

    expect(parts[0]).toBe(first.trim());
    expectValidParts(parts, text, RENTAL_MESSAGE_LIMIT);
  });

  it('prefers a line break over a later sentence end', () => {
    const first = 'word '.repeat(300).trim(); // 1499 units
    const text = `${first}\n${'Short sentence. '.repeat(100)}`;

    const parts = splitReply(text, RENTAL_MESSAGE_LIMIT);

    expect(parts[0]).toBe(first);
    expectValidParts(parts, text, RENTAL_MESSAGE_LIMIT);
  });

  it('ends a part at a sentence end rather than mid-sentence', () => {
    const sentence = 'This sentence is exactly sixty-four units long, give or take!! ';
    const text = sentence.repeat(60);

    const parts = splitReply(text, RENTAL_MESSAGE_LIMIT);

    expect(parts.length).toBeGreaterThan(1);
    for (const part of parts) expect(part).toMatch(/[.!?]$/);
    expectValidParts(parts, text, RENTAL_MESSAGE_LIMIT);
  });

  it('breaks after CJK sentence ends, which have no space after them', () => {
    const text = '这是一个句子。'.repeat(400); // 2800 units, no whitespace at all

    const parts = splitReply(text, RENTAL_MESSAGE_LIMIT);

    expect(parts).toHaveLength(2);
    expect(parts[0]?.endsWith('。')).toBe(true);
    expectValidParts(parts, text, RENTAL_MESSAGE_LIMIT);
  });

  it('falls back to whitespace, then to a hard cut for text without any', () => {
    const words = 'abcdefghi '.repeat(450); // 4500 units of ten-unit words
    const wordParts = splitReply(words, RENTAL_MESSAGE_LIMIT);
    for (const part of wordParts) expect(part).toMatch(/^(abcdefghi ?)+$/);
    expectValidParts(wordParts, words, RENTAL_MESSAGE_LIMIT);

    const blob = 'q'.repeat(4500);
    expect(splitReply(blob, RENTAL_MESSAGE_LIMIT).map((part) => part.length)).toEqual([2000, 2000, 500]);
  });

  it('does not let an early heading cost a whole message', () => {
    const text = `Title\n\n${prose(1000)}`;

    const parts = splitReply(text, RENTAL_MESSAGE_LIMIT);

    expect(parts[0]?.length).toBeGreaterThan(RENTAL_MESSAGE_LIMIT / 2);
    expect(parts[0]?.startsWith('Title\n\nword')).toBe(true);
    expectValidParts(parts, text, RENTAL_MESSAGE_LIMIT);
  });

  it('uses the 5000 limit for DMs', () => {
    const text = prose(2000); // about 10,000 units

    const parts = splitReply(text, DM_LIMIT);

    expect(parts).toHaveLength(3);
    expect(parts[0]?.length).toBeGreaterThan(RENTAL_MESSAGE_LIMIT);
    expectValidParts(parts, text, DM_LIMIT);
  });

  it('splits a long run of emoji between emoji', () => {
    const text = '😀'.repeat(3001); // 6002 units

    const parts = splitReply(text, RENTAL_MESSAGE_LIMIT);

    expect(parts.map((part) => part.length)).toEqual([2000, 2000, 2000, 2]);
    expectValidParts(parts, text, RENTAL_MESSAGE_LIMIT);
  });

  it('keeps ZWJ emoji sequences and flags whole at a hard cut', () => {
    const family = '👨‍👩‍👧‍👦'; // 11 units, one grapheme
    const text = family.repeat(300) + '🇫🇷'.repeat(300);

    const parts = splitReply(text, RENTAL_MESSAGE_LIMIT);

    const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
    const graphemes = (part: string) => [...segmenter.segment(part)].map((s) => s.segment);
    for (const part of parts) {
      expect(graphemes(part).every((g) => g === family || g === '🇫🇷')).toBe(true);
    }
    expectValidParts(parts, text, RENTAL_MESSAGE_LIMIT);
  });

  it('keeps its promises on seeded random mixes of words, breaks, emoji and CJK', () => {
    const pieces = ['a', 'word', ' ', '\n', '\n\n', '. ', '! ', '😀', '👨‍👩‍👧‍👦', '🇫🇷', '。', '中', 'e\u0301', '\u00a0', '…'];
    let seed = 42;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const pick = () => pieces[Math.floor(random() * pieces.length)] ?? '';
    for (let i = 0; i < 500; i++) {
      const limit = 11 + Math.floor(random() * 60); // 11: the longest grapheme above fits
      const text = Array.from({ length: Math.floor(random() * 300) }, pick).join('');
      expectValidParts(splitReply(text, limit), text, limit);
    }
  });

  it('rejects a limit too small to hold an emoji', () => {
    expect(() => splitReply('hello', 1)).toThrow(RangeError);
  });
});
