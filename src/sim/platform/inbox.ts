/**
 * The notifications inbox (`/api/notifications`), the recovery channel for missed
 * webhooks: every standard event is a row here with the same id (CONTRACT §3.2). The
 * platform never marks rows read by itself.
 */
import { parseTsDb } from '../clock.js';
import type { SimNotification } from '../types.js';
import type { SimPlatform } from './context.js';

/** Newest first. */
export function inboxOf(platform: SimPlatform, profileId: string): SimNotification[] {
  return platform.state.notifications
    .filter((n) => n.user_id === profileId)
    .reverse()
    .sort((a, b) => parseTsDb(b.created_at) - parseTsDb(a.created_at));
}

/** `unread_count` only counts the returned page; there is no offset or cursor. */
export function listNotifications(
  platform: SimPlatform,
  input: { profileId: string; limit: number; unreadOnly: boolean },
): { notifications: SimNotification[]; unread_count: number } {
  const page = inboxOf(platform, input.profileId)
    .filter((n) => !input.unreadOnly || !n.is_read)
    .slice(0, input.limit)
    .map((n) => ({ ...n }));
  return { notifications: page, unread_count: page.filter((n) => !n.is_read).length };
}

/** `{ all: true }` wins over `{ ids }`; anything else is a silent no-op, as on the platform. */
export function markNotificationsRead(platform: SimPlatform, profileId: string, body: { ids?: unknown; all?: unknown }): void {
  const ids = Array.isArray(body.ids) ? new Set(body.ids) : undefined;
  for (const n of platform.state.notifications) {
    if (n.user_id !== profileId) continue;
    if (body.all || ids?.has(n.id)) n.is_read = true;
  }
}
