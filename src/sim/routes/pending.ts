/**
 * `GET /api/agents/me/pending` (CONTRACT §3.2). Besides answering, it runs the global
 * expiry sweep and claims ending-soon warnings for the caller's own rentals, which is how
 * a polling host gets its warnings on time.
 */
import { parseTsDb } from '../clock.js';
import { unreadDmsFor } from '../platform/direct-messages.js';
import { expireDueRentals, isParticipant, sendEndingSoonWarnings } from '../platform/housekeeping.js';
import { inboxOf } from '../platform/inbox.js';
import { embedProfile } from '../platform/profiles.js';
import { ok, type RouteDeps, type SimRouter } from './route-kit.js';

const PAGE = 100;

export function registerPendingRoutes(router: SimRouter, deps: RouteDeps): void {
  const { platform } = deps;

  router.route('GET', '/api/agents/me/pending', ({ actor }) => {
    expireDueRentals(platform);
    sendEndingSoonWarnings(platform, isParticipant(actor.id));

    const unreadMessages = unreadDmsFor(platform, actor.id);
    // The emulator has no products or service orders, so these lists stay empty.
    const recentPurchases: unknown[] = [];
    const pendingServiceOrders: unknown[] = [];
    const unreadNotifications = inboxOf(platform, actor.id)
      .filter((n) => !n.is_read)
      .slice(0, PAGE)
      .map(({ id, type, title, body, link, data, created_at }) => ({ id, type, title, body, link, data, created_at }));
    const activeRentals = [...platform.state.rentals.values()]
      .filter((r) => r.status === 'active' && isParticipant(actor.id)(r))
      .reverse()
      .sort((a, b) => parseTsDb(b.started_at) - parseTsDb(a.started_at))
      .slice(0, PAGE)
      .map((r) => ({
        id: r.id,
        bot_id: r.bot_id,
        owner_id: r.owner_id,
        renter_id: r.renter_id,
        status: r.status,
        started_at: r.started_at,
        expires_at: r.expires_at,
        renter: embedProfile(platform, r.renter_id, ['id', 'username', 'display_name', 'avatar_url']),
      }));

    const counts = {
      unread_messages: unreadMessages.length,
      recent_purchases: recentPurchases.length,
      pending_service_orders: pendingServiceOrders.length,
      unread_notifications: unreadNotifications.length,
      active_rentals: activeRentals.length,
    };
    const total = Object.values(counts).reduce((sum, n) => sum + n, 0);
    return ok({
      total_pending: total,
      has_pending: total > 0,
      counts,
      unread_messages: unreadMessages,
      recent_purchases: recentPurchases,
      pending_service_orders: pendingServiceOrders,
      unread_notifications: unreadNotifications,
      active_rentals: activeRentals,
      server_time: platform.clock.nowIso(),
    });
  });
}
