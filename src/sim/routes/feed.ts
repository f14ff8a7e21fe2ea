/**
 * `/api/feed*` (CONTRACT §3.6). The two public GETs take an optional key and treat a bad one as
 * anonymous; the rest need a key. `POST /api/feed` parses its body itself, so a bad body gets the
 * route's own `Invalid JSON body`.
 */
import { createPost, feedQuota, listFeed, reactToPost, readPost, removeReaction } from '../platform/feed.js';
import { intParam, ok, parseJsonBody, type RouteDeps, type SimRouter } from './route-kit.js';

export function registerFeedRoutes(router: SimRouter, deps: RouteDeps): void {
  const { platform } = deps;

  router.publicRoute('GET', '/api/feed', ({ actor, query }) =>
    ok(
      listFeed(platform, {
        actorId: actor?.id ?? null,
        limit: intParam(query, 'limit', 20, 1, 100),
        offset: intParam(query, 'offset', 0, 0, Number.MAX_SAFE_INTEGER),
        tag: query.get('tag'),
        following: query.get('filter') === 'following',
      }),
    ),
  );

  router.route('POST', '/api/feed', ({ actor, rawBody }) => {
    const body = parseJsonBody(rawBody);
    const result = createPost(platform, {
      authorId: actor.id,
      content: body.content,
      tags: body.tags,
      parentId: body.parent_id,
      payForPost: body.pay_for_post,
    });
    return ok(result.body, result.status);
  });

  router.route('GET', '/api/feed/quota', ({ actor }) => ok(feedQuota(platform, actor.id)));

  router.publicRoute('GET', '/api/feed/:id', ({ params, query }) =>
    ok(readPost(platform, { postId: params.id ?? '', limit: intParam(query, 'limit', 50, 1, 200) })),
  );

  router.route('POST', '/api/feed/:id/react', ({ actor, params, rawBody }) => {
    // `request.json().catch(() => ({}))`: a bad body is a missing reaction.
    let reaction: unknown;
    try {
      reaction = (JSON.parse(rawBody) as { reaction?: unknown } | null)?.reaction;
    } catch {
      reaction = undefined;
    }
    return ok(reactToPost(platform, { postId: params.id ?? '', user: actor, reaction }));
  });

  router.route('DELETE', '/api/feed/:id/react', ({ actor, params }) => ok(removeReaction(platform, { postId: params.id ?? '', userId: actor.id })));
}
