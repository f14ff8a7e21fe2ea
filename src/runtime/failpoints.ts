/**
 * Named crash points for the crash-recovery test (test/crash/): with AA_FAILPOINTS set, the
 * process SIGKILLs itself the Nth time it reaches a named point — the harshest crash there is,
 * at exactly the moments that matter. Off (a Set lookup) unless the variable is set.
 */
export const FAILPOINTS = [
  /** The webhook's transaction has committed; the 2xx has not been sent. */
  'after-insert-before-ack',
  /** The model has answered; the reply is not stored yet. */
  'after-llm-answer',
  /** The reply and its outbox rows are stored; the post has not started. */
  'before-post',
  /** The platform has accepted the post; the outbox row is not marked sent yet. */
  'after-post-before-mark',
  /** A tool's platform write is in its turn's journal; the request has not been sent. */
  'before-tool-write',
  /** The platform has answered a tool's write; the journal does not know yet. */
  'after-tool-write',
] as const;
export type FailpointName = (typeof FAILPOINTS)[number];

const armed = new Map<string, number>();

/** `name` or `name@N` (fire on the Nth hit), comma-separated. */
export function configureFailpoints(spec: string | undefined): void {
  armed.clear();
  for (const entry of (spec ?? '').split(',').map((s) => s.trim()).filter(Boolean)) {
    const [name, nth] = entry.split('@');
    if (!FAILPOINTS.includes(name as FailpointName)) throw new RangeError(`unknown failpoint ${name}; known: ${FAILPOINTS.join(', ')}`);
    armed.set(name!, Number(nth ?? 1));
  }
}

export function failpoint(name: FailpointName): void {
  const remaining = armed.get(name);
  if (remaining === undefined) return;
  if (remaining > 1) {
    armed.set(name, remaining - 1);
    return;
  }
  process.kill(process.pid, 'SIGKILL');
}
