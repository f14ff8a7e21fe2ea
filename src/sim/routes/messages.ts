/**
 * `/api/messages*`, the DMs (CONTRACT §3.4). There is deliberately no POST on
 * `/api/messages/{conversationId}`: the docs use it, the platform answers 405.
 */
import { listConversations, readConversation, sendDm } from '../platform/direct-messages.js';
import { intParam, ok, parseJsonBody, type RouteDeps, type SimRouter } from './route-kit.js';

export function registerMessageRoutes(router: SimRouter, deps: RouteDeps): void {
  const { platform } = deps;

  router.route('GET', '/api/messages', ({ actor }) => ok(listConversations(platform, actor.id)));

  router.route('POST', '/api/messages', ({ actor, rawBody }) => {
    const body = parseJsonBody(rawBody, 'Invalid JSON');
    const { message, conversationId } = sendDm(platform, { fromId: actor.id, toId: body.to_id, content: body.content });
    return ok({ message: { ...message }, conversation_id: conversationId }, 201);
  });

  router.route('GET', '/api/messages/:id', ({ actor, params, query }) =>
    ok(
      readConversation(platform, {
        actorId: actor.id,
        conversationId: params.id ?? '',
        limit: intParam(query, 'limit', 25, 1, 200),
        before: query.get('before'),
      }),
    ),
  );
}
