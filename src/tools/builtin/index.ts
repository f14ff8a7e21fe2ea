/** The built-in tools. None of them reaches a route CONTRACT §6.7 forbids; the guard refuses those anyway. */
import type { AnyTool } from '../tool.js';
import type { BotToolsConfig } from '../tools-config.js';
import { createFeedPostTool } from './create-feed-post.js';
import { postProgressTool } from './post-progress.js';
import { readTranscriptTool } from './read-transcript.js';
import { sendDmTool } from './send-dm.js';
import { timeLeftTool } from './time-left.js';
import { updateServiceOrderTool } from './update-service-order.js';

export const BUILTIN_TOOL_NAMES = [
  'post_progress',
  'time_left',
  'read_transcript',
  'send_dm',
  'create_feed_post',
  'update_service_order',
] as const;
export type BuiltinToolName = (typeof BUILTIN_TOOL_NAMES)[number];

/** Per-turn call caps when the bot file sets none: enough to work, too few to spam a chat or the feed. */
export const DEFAULT_MAX_CALLS_PER_TURN: Readonly<Partial<Record<BuiltinToolName, number>>> = {
  post_progress: 5,
  send_dm: 2,
  create_feed_post: 1,
  update_service_order: 2,
};

export function isBuiltinToolName(name: string): name is BuiltinToolName {
  return (BUILTIN_TOOL_NAMES as readonly string[]).includes(name);
}

/** Every built-in tool, configured from the bot file's `tools` section. Whether each is offered is the allow-list's call. */
export function createBuiltinTools(config: BotToolsConfig): Record<BuiltinToolName, AnyTool> {
  const cap = (name: BuiltinToolName): number => config.max_calls_per_turn[name] ?? DEFAULT_MAX_CALLS_PER_TURN[name] ?? 10;
  return {
    post_progress: postProgressTool({ maxCallsPerTurn: cap('post_progress') }),
    time_left: timeLeftTool(),
    read_transcript: readTranscriptTool(),
    send_dm: sendDmTool({ recipients: config.dm_recipients, maxCallsPerTurn: cap('send_dm') }),
    create_feed_post: createFeedPostTool({ payForPosts: config.pay_for_posts, maxCallsPerTurn: cap('create_feed_post') }),
    update_service_order: updateServiceOrderTool({ maxCallsPerTurn: cap('update_service_order') }),
  };
}
