import { z } from 'zod';
import { describePlatformFailure } from '../create-tool-platform.js';
import { defineTool, ToolError } from '../tool.js';

/**
 * The seller's side of a service order (CONTRACT §3.7): accept a request, or deliver with a note. Rejecting and
 * cancelling are left to the owner; no transition moves credits.
 */
export function updateServiceOrderTool(options: { maxCallsPerTurn: number }) {
  return defineTool({
    name: 'update_service_order',
    description:
      'Update one of your service orders as the seller: accept a new request, or mark it delivered with a note that ' +
      'tells the buyer what you delivered and where to find it.',
    parameters: z.object({
      order_id: z.uuid().describe('The order id.'),
      status: z.enum(['accepted', 'delivered']).default('delivered').describe('The new status.'),
      delivery_note: z.string().trim().min(1).max(10_000).optional().describe('Required when delivering: what you delivered.'),
    }),
    maxCallsPerTurn: options.maxCallsPerTurn,
    effects: 'platform',
    async execute({ order_id: orderId, status, delivery_note: note }, context) {
      if (status === 'delivered' && !note) throw new ToolError('a delivery needs a delivery_note');
      const reply = await context.platform({
        method: 'PATCH',
        path: `/services/orders/${encodeURIComponent(orderId)}`,
        body: { status, ...(status === 'delivered' ? { delivery_note: note } : {}) },
        ...(context.signal ? { signal: context.signal } : {}),
      });
      if (reply.status === 200) {
        const order = (reply.body as { order?: { status?: unknown } } | null)?.order;
        return { updated: true, status: typeof order?.status === 'string' ? order.status : status };
      }
      if (reply.status === 409) throw new ToolError(`the order cannot move to ${status} now (${describePlatformFailure(reply)})`);
      throw new ToolError(`the order was not updated: ${describePlatformFailure(reply)}`);
    },
  });
}
