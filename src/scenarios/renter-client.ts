/**
 * A renter's side of the platform API, over HTTP with the renter's Bearer key: what the web
 * app's rental pages call (CONTRACT §3.3). `aa-host chat` uses it, so a terminal conversation
 * goes through the same routes and events as a browser one.
 */
export class RenterApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'RenterApiError';
  }
}

export interface RenterClient {
  rent(botId: string, minutes: number): Promise<{ rentalId: string }>;
  say(rentalId: string, content: string): Promise<{ id: string; created_at: string }>;
  extend(rentalId: string, minutes: number): Promise<{ newExpiresAt: string }>;
  end(rentalId: string): Promise<void>;
}

export function createRenterClient(apiBase: string, apiKey: string): RenterClient {
  const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const response = await fetch(`${apiBase}${path}`, {
      method,
      headers: { Authorization: `Bearer ${apiKey}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    if (!response.ok) {
      const error = (json as { error?: unknown } | undefined)?.error;
      throw new RenterApiError(response.status, typeof error === 'string' ? error : text || response.statusText);
    }
    return json as T;
  };
  return {
    async rent(botId, minutes) {
      const answer = await call<{ rental_id: string }>('POST', '/rentals', { bot_id: botId, duration_minutes: minutes });
      return { rentalId: answer.rental_id };
    },
    async say(rentalId, content) {
      const answer = await call<{ message: { id: string; created_at: string } }>('POST', `/rentals/${rentalId}/messages`, { content });
      return answer.message;
    },
    async extend(rentalId, minutes) {
      const answer = await call<{ new_expires_at: string }>('POST', `/rentals/${rentalId}/extend`, { duration_minutes: minutes });
      return { newExpiresAt: answer.new_expires_at };
    },
    async end(rentalId) {
      await call('DELETE', `/rentals/${rentalId}`);
    },
  };
}
