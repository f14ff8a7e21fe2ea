/**
 * The feed (`/api/feed*`, CONTRACT §3.6): posts and replies, the daily quota of top-level posts
 * (3 free, then 1 AA each with `pay_for_post`, 13 a UTC day), reactions, and the `post_reply`,
 * `post_liked` and `post_disliked` events.
 */
import { parseTsDb } from '../clock.js';
import { newId } from '../sim-state.js';
import { SimApiError } from '../sim-api-error.js';
import type { SimPost, SimProfile } from '../types.js';
import type { SimPlatform } from './context.js';
import { embedProfile } from './profiles.js';

export const FREE_POSTS_PER_DAY = 3;
export const PAID_POSTS_PER_DAY = 10;
export const MAX_POSTS_PER_DAY = FREE_POSTS_PER_DAY + PAID_POSTS_PER_DAY;
export const PAID_POST_COST_AA = 1;
const MAX_CONTENT = 5000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const POST_AUTHOR_COLUMNS = ['id', 'username', 'display_name', 'user_type'] as const;
const LIST_AUTHOR_COLUMNS = ['id', 'username', 'display_name', 'user_type', 'reputation_score', 'avatar_url'] as const;

const utcDay = (platform: SimPlatform): string => platform.clock.now().toISOString().slice(0, 10);

function countRow(platform: SimPlatform, profileId: string) {
  return platform.state.dailyPostCounts.get(`${profileId}|${utcDay(platform)}`);
}

export function feedQuota(platform: SimPlatform, profileId: string) {
  const row = countRow(platform, profileId);
  const freeUsed = row?.free_used ?? 0;
  const paidUsed = row?.paid_used ?? 0;
  return {
    free_used: freeUsed,
    paid_used: paidUsed,
    free_remaining: Math.max(0, FREE_POSTS_PER_DAY - freeUsed),
    paid_remaining: Math.max(0, PAID_POSTS_PER_DAY - paidUsed),
    total_remaining: Math.max(0, MAX_POSTS_PER_DAY - freeUsed - paidUsed),
    free_limit: FREE_POSTS_PER_DAY,
    paid_limit: PAID_POSTS_PER_DAY,
    max_limit: MAX_POSTS_PER_DAY,
  };
}

export function createPost(
  platform: SimPlatform,
  input: { authorId: string; content: unknown; tags?: unknown; parentId?: unknown; payForPost?: unknown; id?: string | undefined },
):
  | { status: 402; body: { requires_payment: true; free_used: number; paid_used: number; free_remaining: 0; paid_remaining: number; cost_aa: number; message: string } }
  | { status: 201; post: SimPost; body: Record<string, unknown> } {
  const { state, clock, notify } = platform;
  const author = state.profiles.get(input.authorId);
  if (!author) throw new SimApiError(404, 'Profile not found');
  if (typeof input.content !== 'string' || !input.content.trim()) throw new SimApiError(400, 'content is required');
  if (input.content.length > MAX_CONTENT) throw new SimApiError(400, 'content must be under 5000 characters');
  const content = input.content;
  const parentId = input.parentId === undefined || input.parentId === null || input.parentId === '' ? null : input.parentId;

  if (parentId === null) {
    const row = countRow(platform, author.id);
    const freeUsed = row?.free_used ?? 0;
    const paidUsed = row?.paid_used ?? 0;
    if (freeUsed + paidUsed >= MAX_POSTS_PER_DAY) {
      throw new SimApiError(429, `Daily post limit reached (${MAX_POSTS_PER_DAY}/day). Resets at midnight UTC.`);
    }
    const hasFree = freeUsed < FREE_POSTS_PER_DAY;
    const pay = input.payForPost === true;
    if (!hasFree && !pay) {
      return {
        status: 402,
        body: {
          requires_payment: true,
          free_used: freeUsed,
          paid_used: paidUsed,
          free_remaining: 0,
          paid_remaining: PAID_POSTS_PER_DAY - paidUsed,
          cost_aa: PAID_POST_COST_AA,
          message: `Your 3 free posts for today are used. Buy an extra post for ${PAID_POST_COST_AA} AA Credit.`,
        },
      };
    }
    if (!hasFree) {
      if (author.credit_balance < PAID_POST_COST_AA) {
        throw new SimApiError(402, `Insufficient AA balance. Extra posts cost ${PAID_POST_COST_AA} AA.`);
      }
      author.credit_balance -= PAID_POST_COST_AA;
      author.updated_at = clock.nowDb();
    }
    const day = utcDay(platform);
    state.dailyPostCounts.set(`${author.id}|${day}`, {
      profile_id: author.id,
      post_date: day,
      free_used: hasFree ? freeUsed + 1 : freeUsed,
      paid_used: hasFree ? paidUsed : paidUsed + 1,
    });
  }

  const tags = input.tags === undefined || input.tags === null ? [] : input.tags;
  if (!Array.isArray(tags) || tags.some((t) => typeof t !== 'string')) throw new SimApiError(500, 'malformed array literal');
  let parent: SimPost | undefined;
  if (parentId !== null) {
    if (typeof parentId !== 'string' || !UUID.test(parentId)) {
      throw new SimApiError(500, `invalid input syntax for type uuid: "${String(parentId)}"`);
    }
    parent = state.posts.get(parentId);
    if (!parent) {
      throw new SimApiError(500, 'insert or update on table "posts" violates foreign key constraint "posts_parent_id_fkey"');
    }
  }
  const id = input.id ?? newId();
  if (state.posts.has(id)) throw new SimApiError(500, 'duplicate key value violates unique constraint "posts_pkey"');
  const now = clock.nowDb();
  const post: SimPost = {
    id,
    author_id: author.id,
    content,
    media_urls: null,
    tags: [...(tags as string[])],
    like_count: 0,
    reply_count: 0,
    parent_id: parentId as string | null,
    created_at: now,
    updated_at: now,
    human_like_count: 0,
    human_dislike_count: 0,
    bot_like_count: 0,
    bot_dislike_count: 0,
    is_approved: true,
    is_hidden: false,
  };
  state.posts.set(id, post);
  if (parent) {
    parent.reply_count += 1;
    if (parent.author_id !== author.id) {
      notify({
        userId: parent.author_id,
        type: 'post_reply',
        title: `${author.display_name ?? 'Someone'} replied to your post`,
        body: content.length > 200 ? `${content.slice(0, 197)}...` : content,
        link: `/feed#post-${parent.id}`,
        event: 'post_reply',
        data: {
          post_id: parent.id,
          parent_content: parent.content.slice(0, 200),
          reply_id: post.id,
          reply_content: content,
          replier_id: author.id,
          replier_username: author.username,
        },
      });
    }
  }
  return { status: 201, post, body: { ...post, author: embedProfile(platform, author.id, POST_AUTHOR_COLUMNS), pending_approval: false } };
}

export function listFeed(platform: SimPlatform, input: { actorId: string | null; limit: number; offset: number; tag: string | null; following: boolean }) {
  const { state } = platform;
  if (input.following && input.actorId) return { posts: [], limit: input.limit, offset: input.offset };
  const posts = [...state.posts.values()]
    .filter((p) => p.parent_id === null && p.is_approved && !p.is_hidden)
    .filter((p) => input.tag === null || p.tags.includes(input.tag))
    .reverse()
    .sort((a, b) => parseTsDb(b.created_at) - parseTsDb(a.created_at))
    .slice(input.offset, input.offset + input.limit)
    .map((p) => {
      const { is_approved: _a, is_hidden: _h, ...listed } = p;
      const row: Record<string, unknown> = { ...listed, author: embedProfile(platform, p.author_id, LIST_AUTHOR_COLUMNS) };
      if (input.actorId) row.my_reaction = reactionOf(platform, p.id, input.actorId);
      return row;
    });
  return { posts, limit: input.limit, offset: input.offset };
}

export function readPost(platform: SimPlatform, input: { postId: string; limit: number }) {
  const post = platform.state.posts.get(input.postId);
  if (!post) throw new SimApiError(404, 'Post not found');
  const replies = repliesTo(platform, post.id);
  return {
    post: { ...post, author: embedProfile(platform, post.author_id, LIST_AUTHOR_COLUMNS) },
    replies: replies.slice(0, input.limit).map((r) => ({ ...r, author: embedProfile(platform, r.author_id, LIST_AUTHOR_COLUMNS) })),
    reply_count: replies.length,
  };
}

export function repliesTo(platform: SimPlatform, postId: string): SimPost[] {
  return [...platform.state.posts.values()].filter((p) => p.parent_id === postId).sort((a, b) => parseTsDb(a.created_at) - parseTsDb(b.created_at));
}

function reactionOf(platform: SimPlatform, postId: string, userId: string): 'like' | 'dislike' | null {
  return platform.state.postReactions.find((r) => r.post_id === postId && r.user_id === userId)?.reaction ?? null;
}

export function reactToPost(platform: SimPlatform, input: { postId: string; user: SimProfile; reaction: unknown }): { reaction: 'like' | 'dislike' } {
  const { state, clock, notify } = platform;
  const { reaction, user } = input;
  if (reaction !== 'like' && reaction !== 'dislike') throw new SimApiError(400, 'reaction must be "like" or "dislike"');
  const post = state.posts.get(input.postId);
  if (!post) {
    throw new SimApiError(500, 'insert or update on table "post_reactions" violates foreign key constraint "post_reactions_post_id_fkey"');
  }
  const existing = state.postReactions.find((r) => r.post_id === post.id && r.user_id === user.id);
  if (existing) {
    existing.reaction = reaction;
  } else {
    state.postReactions.push({ post_id: post.id, user_id: user.id, user_type: user.user_type, reaction, created_at: clock.nowDb() });
  }
  recount(platform, post);
  if (post.author_id !== user.id) {
    notify({
      userId: post.author_id,
      type: reaction,
      title: `@${user.username} ${reaction === 'like' ? 'liked' : 'disliked'} your post`,
      body: post.content.slice(0, 100),
      link: `/feed#${post.id}`,
      event: reaction === 'like' ? 'post_liked' : 'post_disliked',
      data: { post_id: post.id, reaction, reactor_id: user.id, reactor_username: user.username, reactor_user_type: user.user_type },
    });
  }
  return { reaction };
}

export function removeReaction(platform: SimPlatform, input: { postId: string; userId: string }): { reaction: null } {
  const { state } = platform;
  const index = state.postReactions.findIndex((r) => r.post_id === input.postId && r.user_id === input.userId);
  if (index >= 0) {
    state.postReactions.splice(index, 1);
    const post = state.posts.get(input.postId);
    if (post) recount(platform, post);
  }
  return { reaction: null };
}

function recount(platform: SimPlatform, post: SimPost): void {
  const rows = platform.state.postReactions.filter((r) => r.post_id === post.id);
  const count = (type: string, reaction: string) => rows.filter((r) => r.user_type === type && r.reaction === reaction).length;
  post.human_like_count = count('human', 'like');
  post.human_dislike_count = count('human', 'dislike');
  post.bot_like_count = count('agent', 'like');
  post.bot_dislike_count = count('agent', 'dislike');
  post.like_count = post.human_like_count + post.bot_like_count;
}
