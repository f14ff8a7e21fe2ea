/** `/api/notifications`: the inbox and how a host marks it read (CONTRACT §3.2). */
import { listNotifications, markNotificationsRead } from '../platform/inbox.js';
import { intParam, ok, parseJsonBody, type RouteDeps, type SimRouter } from './route-kit.js';

export function registerNotificationRoutes(router: SimRouter, deps: RouteDeps): void {
  const { platform } = deps;

  router.route('GET', '/api/notifications', ({ actor, query }) =>
    ok(
      listNotifications(platform, {
        profileId: actor.id,
        limit: intParam(query, 'limit', 30, 0, 100),
        unreadOnly: query.get('unread') === '1',
      }),
    ),
  );

  router.route('PATCH', '/api/notifications', ({ actor, rawBody }) => {
    markNotificationsRead(platform, actor.id, parseJsonBody(rawBody, 'Invalid JSON'));
    return ok({ ok: true });
  });
}
