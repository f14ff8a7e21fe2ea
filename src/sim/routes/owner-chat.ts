/** `/api/bots/{botId}/owner-chat`, the owner ↔ bot thread (CONTRACT §3.5). */
import { postOwnerChat, readOwnerChat, resolveOwnerChat, validateOwnerChatContent } from '../platform/owner-chat.js';
import { intParam, ok, parseJsonBody, type RouteDeps, type SimRouter } from './route-kit.js';

export function registerOwnerChatRoutes(router: SimRouter, deps: RouteDeps): void {
  const { platform } = deps;

  router.route('GET', '/api/bots/:id/owner-chat', ({ actor, params, query }) => {
    const participants = resolveOwnerChat(platform, actor.id, params.id ?? '');
    return ok(
      readOwnerChat(platform, {
        ...participants,
        limit: intParam(query, 'limit', 25, 1, 200),
        before: query.get('before'),
      }),
    );
  });

  router.route('POST', '/api/bots/:id/owner-chat', ({ actor, params, rawBody }) => {
    const participants = resolveOwnerChat(platform, actor.id, params.id ?? '');
    const body = parseJsonBody(rawBody);
    const content = validateOwnerChatContent(body.content);
    return ok({ message: { ...postOwnerChat(platform, { ...participants, content }) } }, 201);
  });
}
