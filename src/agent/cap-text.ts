/** The output cap: cut at a word boundary near the limit, never inside a surrogate pair, and say so. */
const MARK = ' […]';

export function capText(text: string, max: number): { text: string; truncated: boolean } {
  if (text.length <= max) return { text, truncated: false };
  let end = Math.max(0, max - MARK.length);
  // Never leave half of a surrogate pair (an emoji) at the end.
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--;
  const cut = text.slice(0, end);
  // Prefer the last whitespace in the final fifth, so a word is not split.
  const space = cut.search(/\s\S*$/);
  const kept = space > end * 0.8 ? cut.slice(0, space) : cut;
  return { text: `${kept.trimEnd()}${MARK}`, truncated: true };
}
