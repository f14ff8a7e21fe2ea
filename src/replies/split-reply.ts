/**
 * Fits a model answer into platform messages. The platform refuses rental messages over 2000 characters
 * and DMs over 5000, counted in UTF-16 code units (JS `.length`) after trim.
 */

export const RENTAL_MESSAGE_LIMIT = 2000;
export const DM_LIMIT = 5000;

/**
 * A break point in `text`: the part is `text.slice(0, at)`, the rest starts at `at` (its leading whitespace
 * is trimmed). `undefined` when there is none in the window.
 */
type FindBreak = (text: string, limit: number) => number | undefined;

const lastParagraphBreak: FindBreak = (text, limit) => positive(text.lastIndexOf('\n\n', limit));

const lastLineBreak: FindBreak = (text, limit) => positive(text.lastIndexOf('\n', limit));

/** Sentence punctuation, optional closing quotes or brackets, then whitespace; or CJK full stops, which need none. */
const SENTENCE_END = /[.!?…]["'”’)\]]*(?=\s)|[。！？]["'”’）」』]*/g;

const lastSentenceEnd: FindBreak = (text, limit) => {
  let found: number | undefined;
  for (const match of text.slice(0, limit + 1).matchAll(SENTENCE_END)) {
    const end = match.index + match[0].length;
    if (end <= limit) found = end;
  }
  return found;
};

/** Whitespace, except the no-break spaces, which the writer put there to keep words together. */
const BREAKABLE_SPACE = /[^\S\u00a0\u2007\u202f\ufeff]/g;

const lastSpace: FindBreak = (text, limit) => {
  let found: number | undefined;
  for (const match of text.slice(0, limit + 1).matchAll(BREAKABLE_SPACE)) {
    if (match.index > 0) found = match.index;
  }
  return found;
};

/** Best first. */
const BREAKS: FindBreak[] = [lastParagraphBreak, lastLineBreak, lastSentenceEnd, lastSpace];

/**
 * Splits `text` into trimmed, non-empty parts of at most `limit` UTF-16 code units, in order.
 * Cuts at the last paragraph break in reach, else a line break, a sentence end, whitespace, and only then
 * mid-word, on a grapheme boundary (never inside an emoji). A break that would leave the part under half the
 * limit is passed over for a later break of a weaker kind, so an early heading doesn't cost a whole message.
 * Empty or whitespace-only text gives `[]`: an empty reply is never posted.
 */
export function splitReply(text: string, limit: number): string[] {
  // Below 2 a surrogate pair (one emoji) could never fit.
  if (!Number.isInteger(limit) || limit < 2) {
    throw new RangeError(`splitReply: limit must be an integer of at least 2, got ${limit}`);
  }
  const parts: string[] = [];
  let rest = text.trim();
  while (rest.length > limit) {
    const at = findCut(rest, limit);
    parts.push(rest.slice(0, at).trimEnd());
    rest = rest.slice(at).trimStart();
  }
  if (rest.length > 0) parts.push(rest);
  return parts;
}

/** `rest` starts with non-whitespace and is longer than `limit`; the result is in 1..limit. */
function findCut(rest: string, limit: number): number {
  const minimum = Math.ceil(limit / 2);
  let fallback: number | undefined;
  for (const find of BREAKS) {
    const at = find(rest, limit);
    if (at === undefined) continue;
    if (at >= minimum) return at;
    fallback ??= at;
  }
  return fallback ?? hardCut(rest, limit);
}

let graphemes: Intl.Segmenter | undefined;

/** The last grapheme boundary within the limit, so an emoji (even a ZWJ sequence or a flag) stays whole. */
function hardCut(rest: string, limit: number): number {
  graphemes ??= new Intl.Segmenter(undefined, { granularity: 'grapheme' });
  // Whether `limit` is a boundary depends on the whole code point starting there (a ZWJ before a truncated
  // emoji looks like a boundary), so the window reaches one code point past it: limit + 2 units.
  let cut = 0;
  for (const { index } of graphemes.segment(rest.slice(0, limit + 2))) {
    if (index <= limit) cut = index;
  }
  if (cut > 0) return cut;
  // One grapheme longer than the limit (a pile of combining marks): cut it, but not between surrogates.
  return isHighSurrogate(rest.charCodeAt(limit - 1)) ? limit - 1 : limit;
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

function positive(index: number): number | undefined {
  return index > 0 ? index : undefined;
}
