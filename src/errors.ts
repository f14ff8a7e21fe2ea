/**
 * The error tree. Each class is named for who must act on it: the operator (config),
 * the model provider, the platform, or the caller of our webhook. `code` is stable and
 * searchable in logs; `cause` keeps the original error.
 */
export class AaHostError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** The operator must fix a bot file or the environment. */
export class ConfigError extends AaHostError {
  readonly file: string | undefined;
  constructor(message: string, options?: { file?: string; cause?: unknown }) {
    super('AA_CONFIG', message, options);
    this.file = options?.file;
  }
}

/** The model provider failed (HTTP error, bad answer). */
export class ModelError extends AaHostError {
  readonly status: number | undefined;
  constructor(message: string, options?: { status?: number; cause?: unknown }) {
    super('AA_MODEL', message, options);
    this.status = options?.status;
  }
}

/** The model provider did not answer in time. */
export class ModelTimeoutError extends AaHostError {
  readonly timeoutMs: number;
  constructor(timeoutMs: number, options?: { cause?: unknown }) {
    super('AA_MODEL_TIMEOUT', `the model did not answer within ${timeoutMs} ms`, options);
    this.timeoutMs = timeoutMs;
  }
}

/** The AgentsAccess API answered with an error status or could not be reached. */
export class PlatformError extends AaHostError {
  /** HTTP status, or undefined when the request never got an answer (network, timeout). */
  readonly status: number | undefined;
  readonly method: string;
  readonly path: string;
  constructor(method: string, path: string, message: string, options?: { status?: number; cause?: unknown }) {
    super('AA_PLATFORM', `${method} ${path}: ${message}`, options);
    this.status = options?.status;
    this.method = method;
    this.path = path;
  }
  /** The platform refuses posts to an ended rental with 400 and a message containing "ended". */
  get rentalEnded(): boolean {
    return this.status === 400 && /ended/i.test(this.message);
  }
  /** Worth retrying: no answer at all, a 5xx, or 429. */
  get retryable(): boolean {
    return this.status === undefined || this.status >= 500 || this.status === 429;
  }
}

/** A webhook request we refuse; `status` is what the caller gets. */
export class WebhookRejectedError extends AaHostError {
  readonly status: number;
  readonly details: unknown;
  constructor(status: number, code: string, message: string, details?: unknown) {
    super(code, message);
    this.status = status;
    this.details = details;
  }
}
