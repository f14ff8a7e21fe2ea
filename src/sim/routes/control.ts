/**
 * The control API under `/_sim`: what the human side of the platform (the web app, Stripe,
 * an admin) would do, over HTTP, so `aa-host sim` is useful on its own. The real platform has
 * no such prefix, so a host can never depend on it by accident. No authentication: the
 * emulator listens on 127.0.0.1. Faults never apply here and these calls are not in the
 * request log that verdicts read (they are printed, prefixed `control`).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { simFaultsSchema, type SimFaults } from '../faults.js';
import type { SimPlatform } from '../platform/context.js';
import { sendDm } from '../platform/direct-messages.js';
import { sendOwnerMessage } from '../platform/owner-chat.js';
import { createBot, createHuman, requireProfile, setWebhookUrl } from '../platform/profiles.js';
import { postRentalMessage, rentalTranscript } from '../platform/rental-chat.js';
import { autoStartRental, endRental, extendRental, queueConfirmRental, startRental } from '../platform/rentals.js';
import { SimApiError } from '../sim-api-error.js';
import type { SimSnapshot } from '../sim-snapshot.js';
import type { RentalLength, SimDelivery, SimRequest } from '../types.js';

export const CONTROL_PREFIX = '/_sim';

export interface ControlDeps {
  platform: SimPlatform;
  getFaults(): SimFaults;
  setFaults(next: SimFaults): void;
  requests: readonly SimRequest[];
  deliveries: readonly SimDelivery[];
  exportState(): SimSnapshot;
}

const uuid = z.uuid();
const webhookUrl = z.string().regex(/^https?:\/\//, 'must start with http:// or https://').nullable();
/** Whole platform minutes (at least 15, as the platform takes them) or an exact length for quick tries. */
const length = {
  minutes: z.number().int().min(15).optional(),
  duration_ms: z.number().positive().optional(),
};

export const controlBodies = {
  human: z.strictObject({ username: z.string().min(1), display_name: z.string().optional(), id: uuid.optional(), webhook_url: webhookUrl.optional() }),
  bot: z.strictObject({
    owner_id: uuid,
    username: z.string().min(1),
    display_name: z.string().optional(),
    id: uuid.optional(),
    api_key: z.string().regex(/^aa_[0-9a-f]{64}$/, 'must be aa_ + 64 lowercase hex').optional(),
    webhook_url: webhookUrl.optional(),
  }),
  webhook: z.strictObject({ webhook_url: webhookUrl }),
  rental: z.strictObject({
    bot_id: uuid,
    renter_id: uuid,
    /** direct: POST /api/rentals. queue_confirm: a queued renter confirms. auto_start: a queue entry starts silently. */
    kind: z.enum(['direct', 'queue_confirm', 'auto_start']).default('direct'),
    instructions: z.string().optional(),
    ...length,
  }),
  message: z.strictObject({ sender_id: uuid, content: z.string() }),
  end: z.strictObject({ by_id: uuid.optional() }),
  extend: z.strictObject(length),
  dm: z.strictObject({ from_id: uuid, to_id: uuid, content: z.string() }),
  ownerMessage: z.strictObject({ content: z.string() }),
  advance: z.strictObject({ ms: z.number() }),
  faults: simFaultsSchema.partial().strict(),
};

const toLength = (body: { minutes?: number | undefined; duration_ms?: number | undefined }): RentalLength => ({
  ...(body.minutes !== undefined ? { minutes: body.minutes } : {}),
  ...(body.duration_ms !== undefined ? { durationMs: body.duration_ms } : {}),
});

type Handler = (input: { body: unknown; params: Record<string, string> }) => { status?: number; body: unknown };

export function registerControlRoutes(app: FastifyInstance, deps: ControlDeps): void {
  const { platform } = deps;
  const { state, clock } = platform;
  const index: string[] = [];

  const route = (method: 'GET' | 'POST' | 'PATCH', path: string, summary: string, handler: Handler): void => {
    index.push(`${method} ${CONTROL_PREFIX}${path}  ${summary}`);
    app.route({
      method,
      url: `${CONTROL_PREFIX}${path}`,
      handler: async (req: FastifyRequest, reply: FastifyReply) => {
        try {
          const body = typeof req.body === 'string' && req.body.trim() !== '' ? JSON.parse(req.body) : {};
          const result = handler({ body, params: req.params as Record<string, string> });
          return reply.code(result.status ?? 200).send(result.body);
        } catch (err) {
          if (err instanceof SyntaxError) return reply.code(400).send({ error: `body is not JSON: ${err.message}` });
          if (err instanceof z.ZodError) {
            return reply.code(400).send({ error: 'invalid body', issues: err.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`) });
          }
          throw err;
        }
      },
    });
  };
  const rental = (id: string) => {
    const row = state.rentals.get(id);
    if (!row) throw new SimApiError(404, `rental ${id} not found`);
    return row;
  };

  route('GET', '', 'this list', () => ({ body: { routes: index } }));

  route('GET', '/state', 'everything, as `--state` saves it, plus the platform clock', () => ({
    body: { now: clock.nowIso(), ...deps.exportState() },
  }));

  route('POST', '/humans', 'create a human {username, display_name?, id?, webhook_url?}; answers with its api_key', ({ body }) => {
    const input = controlBodies.human.parse(body);
    const { apiKey, ...profile } = createHuman(platform, {
      username: input.username,
      displayName: input.display_name,
      id: input.id,
      webhookUrl: input.webhook_url,
    });
    return { status: 201, body: { ...profile, api_key: apiKey } };
  });

  route('POST', '/bots', 'create a bot {owner_id, username, display_name?, id?, api_key?, webhook_url?}', ({ body }) => {
    const input = controlBodies.bot.parse(body);
    const { apiKey, ...profile } = createBot(platform, {
      ownerId: input.owner_id,
      username: input.username,
      displayName: input.display_name,
      id: input.id,
      apiKey: input.api_key,
      webhookUrl: input.webhook_url,
    });
    return { status: 201, body: { ...profile, api_key: apiKey } };
  });

  route('PATCH', '/profiles/:id', "set a profile's webhook_url {webhook_url}", ({ body, params }) => {
    const input = controlBodies.webhook.parse(body);
    setWebhookUrl(platform, params.id ?? '', input.webhook_url);
    return { body: { ...requireProfile(platform, params.id ?? '') } };
  });

  route('POST', '/rentals', 'start a rental {bot_id, renter_id, kind?, minutes? | duration_ms?, instructions?}', ({ body }) => {
    const input = controlBodies.rental.parse(body);
    if (input.kind === 'direct' && input.instructions !== undefined) {
      throw new SimApiError(400, 'instructions exist only on queue rentals (kind queue_confirm or auto_start)');
    }
    const common = { botId: input.bot_id, renterId: input.renter_id, ...toLength(input) };
    const started =
      input.kind === 'direct'
        ? startRental(platform, common)
        : input.kind === 'queue_confirm'
          ? queueConfirmRental(platform, { ...common, instructions: input.instructions })
          : autoStartRental(platform, { ...common, instructions: input.instructions });
    return { status: 201, body: { ...started.rental } };
  });

  route('GET', '/rentals/:id', 'a rental and its transcript', ({ params }) => {
    const row = rental(params.id ?? '');
    return { body: { ...row, messages: rentalTranscript(platform, row.id).map((m) => ({ ...m })) } };
  });

  route('POST', '/rentals/:id/messages', 'post in a rental as its renter or owner {sender_id, content}', ({ body, params }) => {
    const input = controlBodies.message.parse(body);
    const message = postRentalMessage(platform, { rentalId: params.id ?? '', senderId: input.sender_id, content: input.content });
    return { status: 201, body: { ...message } };
  });

  route('POST', '/rentals/:id/end', 'end a rental (DELETE as the renter, or {by_id})', ({ body, params }) => {
    const input = controlBodies.end.parse(body);
    const row = rental(params.id ?? '');
    return { body: endRental(platform, { rentalId: row.id, byId: input.by_id ?? row.renter_id }) };
  });

  route('POST', '/rentals/:id/extend', 'extend a rental as its renter {minutes? | duration_ms?}', ({ body, params }) => {
    const input = controlBodies.extend.parse(body);
    if (input.minutes === undefined && input.duration_ms === undefined) throw new SimApiError(400, 'give minutes or duration_ms');
    return { body: extendRental(platform, { rentalId: params.id ?? '', ...toLength(input) }) };
  });

  route('POST', '/dms', 'send a DM {from_id, to_id, content}', ({ body }) => {
    const input = controlBodies.dm.parse(body);
    const { message, conversationId } = sendDm(platform, { fromId: input.from_id, toId: input.to_id, content: input.content });
    return { status: 201, body: { conversation_id: conversationId, message_id: message.id } };
  });

  route('POST', '/bots/:id/owner-messages', "write to a bot in its owner's chat {content}", ({ body, params }) => {
    const input = controlBodies.ownerMessage.parse(body);
    return { status: 201, body: { message_id: sendOwnerMessage(platform, { botId: params.id ?? '', content: input.content }).id } };
  });

  route('POST', '/clock/advance', 'move the platform clock {ms}', ({ body }) => {
    clock.advance(controlBodies.advance.parse(body).ms);
    return { body: { now: clock.nowIso() } };
  });

  route('GET', '/faults', 'the fault knobs', () => ({ body: deps.getFaults() }));

  route('PATCH', '/faults', 'change fault knobs {duplicate?, reorder?, delayMs?, dropFirst?, dropBoth?, api5xx?, apiHangMs?, clockDriftMs?}', ({ body }) => {
    const changes = controlBodies.faults.parse(body);
    deps.setFaults({ ...deps.getFaults(), ...changes });
    return { body: deps.getFaults() };
  });

  route('GET', '/requests', 'every bot-facing API request so far', () => ({ body: { requests: deps.requests } }));

  route('GET', '/deliveries', 'every webhook attempt so far', () => ({
    body: { deliveries: deps.deliveries.map(({ payload: _payload, ...rest }) => rest) },
  }));
}
