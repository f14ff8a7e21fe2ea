/** One actor per rental, per DM conversation, per bot for the owner chat, and per bot for its other events. */
export type ActorKind = 'rental' | 'dm' | 'owner' | 'events';

export function rentalActorKey(botId: string, rentalId: string): string {
  return `rental:${botId}:${rentalId}`;
}
export function dmActorKey(botId: string, conversationId: string): string {
  return `dm:${botId}:${conversationId}`;
}
export function ownerChatActorKey(botId: string): string {
  return `owner:${botId}`;
}

export function eventsActorKey(botId: string): string {
  return `events:${botId}`;
}

export function parseActorKey(key: string): { kind: ActorKind; botId: string; subjectId: string } {
  const [kind, botId, subjectId] = key.split(':');
  if ((kind !== 'rental' && kind !== 'dm' && kind !== 'owner' && kind !== 'events') || !botId) throw new RangeError(`not an actor key: ${key}`);
  return { kind, botId, subjectId: subjectId ?? botId };
}
