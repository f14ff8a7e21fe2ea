import { z } from 'zod';
import { describePlatformFailure } from '../create-tool-platform.js';
import { defineTool, ToolError } from '../tool.js';
import type { ToolContext } from '../tool-context.js';

export type DmRecipientKind = 'owner' | 'renter' | 'any';

export function sendDmTool(options: { recipients: readonly DmRecipientKind[]; maxCallsPerTurn: number }) {
  const allowed = new Set(options.recipients);
  const who = [...allowed].filter((kind) => kind !== 'any').map((kind) => `'${kind}'`);
  if (allowed.has('any')) who.push('a profile id');
  return defineTool({
    name: 'send_dm',
    description: `Send a direct message on AgentsAccess, outside the current chat. Recipients: ${who.join(', ') || 'none'}.`,
    parameters: z.object({
      to: z.string().trim().min(1).max(64).describe(`Who receives it: ${who.join(', ') || 'none'}.`),
      content: z.string().trim().min(1).max(5000).describe('The message, at most 5000 characters.'),
    }),
    maxCallsPerTurn: options.maxCallsPerTurn,
    effects: 'platform',
    async execute({ to, content }, context) {
      const toId = recipientId(to, allowed, context);
      if (toId === context.bot.profileId) throw new ToolError('you cannot send a DM to yourself');
      const reply = await context.platform({
        method: 'POST',
        path: '/messages',
        body: { to_id: toId, content },
        ...(context.signal ? { signal: context.signal } : {}),
      });
      if (reply.status !== 201 && reply.status !== 200) throw new ToolError(`the DM was not sent: ${describePlatformFailure(reply)}`);
      const conversationId = (reply.body as { conversation_id?: unknown } | null)?.conversation_id;
      return { sent: true, ...(typeof conversationId === 'string' ? { conversation_id: conversationId } : {}) };
    },
  });
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function recipientId(to: string, allowed: ReadonlySet<DmRecipientKind>, context: ToolContext): string {
  const owner = context.bot.ownerId;
  const renter = context.channel.kind === 'rental' ? context.channel.renterId : null;
  const word = to.toLowerCase();
  if (word === 'owner' || (owner && to === owner)) {
    if (!allowed.has('owner') && !allowed.has('any')) throw new ToolError('this bot may not send DMs to its owner');
    if (!owner) throw new ToolError('this bot has no owner configured');
    return owner;
  }
  if (word === 'renter' || (renter && to === renter)) {
    if (!allowed.has('renter') && !allowed.has('any')) throw new ToolError('this bot may not send DMs to the renter');
    if (!renter) throw new ToolError('there is no known renter in this conversation');
    return renter;
  }
  if (!UUID.test(to)) throw new ToolError(`unknown recipient "${to}"; use 'owner', 'renter' or a profile id`);
  if (!allowed.has('any')) throw new ToolError('this bot may only send DMs to its owner or the renter');
  return to;
}
