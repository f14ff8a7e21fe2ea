import { z } from 'zod';
import { defineTool, ToolError } from '../tool.js';

export function postProgressTool(options: { maxCallsPerTurn: number }) {
  return defineTool({
    name: 'post_progress',
    description:
      'Post a short progress message to the current chat right now (your plan, or a step you finished), then keep ' +
      'working. Your final answer is posted anyway when you stop calling tools: do not repeat it here.',
    parameters: z.object({
      text: z.string().trim().min(1).max(2000).describe('The message to post, at most 2000 characters.'),
    }),
    maxCallsPerTurn: options.maxCallsPerTurn,
    effects: 'platform',
    async execute({ text }, context) {
      if (context.channel.kind === 'event') throw new ToolError('there is no chat to post to in this turn');
      await context.postToChat(text);
      return { posted: true };
    },
  });
}
