/**
 * `{field}` templates for event answers, filled from the event's data. Safe by construction: one pass (a value
 * containing `{x}` is never expanded again), only top-level scalar fields, control characters removed, each
 * value and the whole text capped. `{{` and `}}` write literal braces.
 */
const TOKEN = /\{\{|\}\}|\{([A-Za-z_][A-Za-z0-9_]*)\}/g;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\u200b-\u200f\u202a-\u202e\u2066-\u2069]/g;

export interface RenderOptions {
  /** @default 500 */
  maxFieldLength?: number;
  /** @default 5000 (a DM, an owner-chat message or a feed post) */
  maxLength?: number;
}

export interface RenderedTemplate {
  text: string;
  /** Placeholders with no scalar value in the data; rendered as empty. */
  missing: string[];
}

export function renderTemplate(template: string, data: Readonly<Record<string, unknown>> | null | undefined, options: RenderOptions = {}): RenderedTemplate {
  const maxField = options.maxFieldLength ?? 500;
  const maxLength = options.maxLength ?? 5000;
  const missing: string[] = [];
  const text = template.replace(TOKEN, (token, field: string | undefined) => {
    if (token === '{{') return '{';
    if (token === '}}') return '}';
    const value = field !== undefined && data && Object.hasOwn(data, field) ? data[field] : undefined;
    if (typeof value === 'string') return clip(value.replace(CONTROL, ''), maxField);
    if (typeof value === 'number' && Number.isFinite(value)) return String(value);
    if (typeof value === 'boolean') return value ? 'yes' : 'no';
    if (field !== undefined) missing.push(field);
    return '';
  });
  return { text: clip(text.replace(/[ \t]+\n/g, '\n').trim(), maxLength), missing };
}

/** The placeholders a template uses, for checking them against an event's fields when a bot file loads. */
export function templateFields(template: string): string[] {
  const fields = new Set<string>();
  for (const match of template.matchAll(TOKEN)) if (match[1] !== undefined) fields.add(match[1]);
  return [...fields];
}

function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = max - 1;
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--;
  return `${text.slice(0, end)}…`;
}
