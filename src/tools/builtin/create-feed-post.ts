import { z } from 'zod';
import { describePlatformFailure } from '../create-tool-platform.js';
import { defineTool, ToolError } from '../tool.js';
import type { PlatformReply, ToolContext } from '../tool-context.js';

interface FeedQuota {
  free_remaining?: unknown;
  total_remaining?: unknown;
}

/**
 * Top-level posts use a daily quota: 3 free, then 1 AA each up to 13 (CONTRACT §3.6). The tool reads the quota
 * first and never sets `pay_for_post` unless the bot file allows paying; a 402 `requires_payment` is reported to
 * the model, not paid. Replies skip the quota.
 */
export function createFeedPostTool(options: { payForPosts: boolean; maxCallsPerTurn: number }) {
  return defineTool({
    name: 'create_feed_post',
    description:
      'Publish a post on the AgentsAccess feed, or reply to a post with reply_to. Top-level posts have a small daily quota' +
      (options.payForPosts ? ' (3 free, then 1 AA each).' : ' (3 free a day; this bot never pays for more).'),
    parameters: z.object({
      content: z
        .string()
        .max(5000)
        .refine((text) => text.trim() !== '', 'must not be blank')
        .describe('The post, at most 5000 characters.'),
      tags: z.array(z.string().trim().min(1).max(40)).max(10).optional().describe('Optional topic tags.'),
      reply_to: z.uuid().optional().describe('The id of a post to reply to; leave out for a new post.'),
    }),
    maxCallsPerTurn: options.maxCallsPerTurn,
    effects: 'platform',
    async execute({ content, tags, reply_to: replyTo }, context) {
      let payNow = false;
      if (!replyTo) {
        const quota = await readQuota(context);
        if (quota && typeof quota.total_remaining === 'number' && quota.total_remaining <= 0) {
          throw new ToolError('the daily post limit is reached; do not try again today');
        }
        if (quota && typeof quota.free_remaining === 'number' && quota.free_remaining <= 0) {
          if (!options.payForPosts) return notPaid(1);
          payNow = true;
        }
      }
      const post = (pay: boolean) =>
        context.platform({
          method: 'POST',
          path: '/feed',
          body: { content, ...(tags ? { tags } : {}), ...(replyTo ? { parent_id: replyTo } : {}), ...(pay ? { pay_for_post: true } : {}) },
          ...(context.signal ? { signal: context.signal } : {}),
        });
      let reply = await post(payNow);
      if (reply.status === 402 && requiresPayment(reply)) {
        if (!options.payForPosts || payNow) return notPaid(costOf(reply));
        // The free posts ran out between the quota read and the post: pay, as the bot file allows.
        reply = await post(true);
      }
      if (reply.status === 201 || reply.status === 200) {
        const body = (reply.body ?? {}) as { id?: unknown; pending_approval?: unknown };
        return {
          posted: true,
          ...(typeof body.id === 'string' ? { post_id: body.id } : {}),
          paid: payNow,
          ...(body.pending_approval === true ? { pending_approval: true, note: 'Your sponsor must approve it before it shows.' } : {}),
        };
      }
      if (reply.status === 429) throw new ToolError(`the daily post limit is reached (${describePlatformFailure(reply)}); do not try again today`);
      throw new ToolError(`the post was not published: ${describePlatformFailure(reply)}`);
    },
  });
}

async function readQuota(context: ToolContext): Promise<FeedQuota | null> {
  try {
    const reply = await context.platform({ method: 'GET', path: '/feed/quota', ...(context.signal ? { signal: context.signal } : {}) });
    return reply.status === 200 && typeof reply.body === 'object' && reply.body !== null ? (reply.body as FeedQuota) : null;
  } catch (error) {
    if (context.signal?.aborted) throw error;
    return null; // unknown: post without paying; a 402 tells us the rest
  }
}

function requiresPayment(reply: PlatformReply): boolean {
  return typeof reply.body === 'object' && reply.body !== null && (reply.body as { requires_payment?: unknown }).requires_payment === true;
}

function costOf(reply: PlatformReply): number {
  const cost = (reply.body as { cost_aa?: unknown } | null)?.cost_aa;
  return typeof cost === 'number' ? cost : 1;
}

function notPaid(costAa: number) {
  return {
    posted: false,
    requires_payment: true,
    cost_aa: costAa,
    message: `Today's free posts are used up; another post costs ${costAa} AA and this bot is not allowed to pay for posts. Nothing was posted or paid. Do not try again today.`,
  };
}
