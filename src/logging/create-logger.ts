/**
 * The root logger: JSON lines, with anything that could hold a secret redacted. Secrets also
 * stay out by construction (Bot.secrets is never logged, webhook URLs are logged by route
 * pattern, not by path), so redaction is the second line of defence: every logged object,
 * every child logger's bindings and every serialized error go through scrubSecrets.
 */
import pino, { type DestinationStream, type Logger } from 'pino';
import { scrubLogObject, scrubSecrets } from './scrub-secrets.js';

export function createLogger(options: { level: string; destination?: DestinationStream }): Logger {
  const logger = pino(
    {
      level: options.level,
      base: { service: 'aa-host' },
      formatters: { log: scrubLogObject },
      serializers: { err: (error: unknown) => scrubSecrets(pino.stdSerializers.err(error as Error)) },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    options.destination,
  );
  // pino applies no formatter to a child's bindings, so they are scrubbed on the way in. Child
  // loggers inherit from their parent, so this one override covers every descendant (fastify's
  // per-request loggers too).
  const childOf = Object.getPrototypeOf(logger).child as Logger['child'];
  logger.child = function scrubbedChild(this: Logger, bindings, childOptions) {
    return childOf.call(this, scrubSecrets(bindings), childOptions);
  } as Logger['child'];
  return logger;
}
