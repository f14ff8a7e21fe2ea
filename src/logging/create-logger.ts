/**
 * The root logger: JSON lines, with anything that could hold a secret redacted. Secrets also
 * stay out by construction (Bot.secrets is never logged, webhook URLs are logged by route
 * pattern, not by path), so redaction is the second line of defence.
 */
import pino, { type DestinationStream, type Logger } from 'pino';

export const REDACTED_PATHS = [
  'authorization',
  'Authorization',
  'headers.authorization',
  'headers.Authorization',
  'req.headers.authorization',
  'req.headers.cookie',
  'apiKey',
  'api_key',
  'webhookToken',
  'token',
  'secrets',
  '*.authorization',
  '*.Authorization',
  '*.apiKey',
  '*.api_key',
  '*.webhookToken',
  '*.token',
  '*.secrets',
];

export function createLogger(options: { level: string; destination?: DestinationStream }): Logger {
  return pino(
    {
      level: options.level,
      base: { service: 'aa-host' },
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    options.destination,
  );
}
