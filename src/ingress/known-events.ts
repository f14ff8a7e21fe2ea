/** Whether an event name is one the platform's code declares (CONTRACT.md §2.1), for logging the unexpected. */
import { PLATFORM_EVENTS } from '../agent/event-policies.js';

const KNOWN_EVENTS: ReadonlySet<string> = new Set(PLATFORM_EVENTS);

export function isKnownEvent(event: string): boolean {
  return KNOWN_EVENTS.has(event) || (event.startsWith('bot_') && KNOWN_EVENTS.has(event.slice(4)));
}
