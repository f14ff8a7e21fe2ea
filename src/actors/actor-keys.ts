/** One actor per rental, per DM conversation, and per bot for the owner chat. */
export type ActorKind = 'rental' | 'dm' | 'owner';

export function rentalActorKey(botId: string, rentalId: string): string {
  return `rental:${botId}:${rentalId}`;
}
export function dmActorKey(botId: string, conversationId: string): string {
  return `dm:${botId}:${conversationId}`;
}
export function ownerChatActorKey(botId: string): string {
  return `owner:${botId}`;
}

export function parseActorKey(key: string): { kind: ActorKind; botId: string; subjectId: string } {
  const [kind, botId, subjectId] = key.split(':');
  if ((kind !== 'rental' && kind !== 'dm' && kind !== 'owner') || !botId) throw new RangeError(`not an actor key: ${key}`);
  return { kind, botId, subjectId: subjectId ?? botId };
}
