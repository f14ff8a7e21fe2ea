/**
 * The root logger: JSON lines, with anything that could hold a secret redacted. Secrets also
 * stay out by construction (Bot.secrets is never logged, webhook URLs are logged by route
 * pattern, not by path), so redaction is the second line of defence: every logged object,
 * message, child logger's bindings and serializer output goes through scrub-secrets.ts.
 */
import pino, { type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import { scrubLogObject, scrubSecrets, scrubText } from './scrub-secrets.js';

type Serializers = NonNullable<LoggerOptions['serializers']>;

/** Serializers run after the log formatter, so their output is scrubbed here. */
function scrubbedSerializers(serializers: Serializers): Serializers {
  return Object.fromEntries(Object.entries(serializers).map(([key, serialize]) => [key, (value: unknown) => scrubSecrets(serialize(value))]));
}

export function createLogger(options: { level: string; destination?: DestinationStream }): Logger {
  const logger = pino(
    {
      level: options.level,
      base: { service: 'aa-host' },
      formatters: { log: scrubLogObject },
      serializers: scrubbedSerializers({ err: pino.stdSerializers.err as (value: unknown) => unknown }),
      hooks: {
        // The message and its format arguments: an error text can quote a URL or a header.
        logMethod(args, method) {
          return method.apply(this, args.map((arg) => (typeof arg === 'string' ? scrubText(arg) : arg)) as Parameters<typeof method>);
        },
      },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    options.destination,
  );
  // pino applies no formatter to a child's bindings, so they are scrubbed on the way in, and so
  // are the outputs of serializers a child adds (fastify's, say). Child loggers inherit from
  // their parent, so this one override covers every descendant.
  const childOf = Object.getPrototypeOf(logger).child as Logger['child'];
  logger.child = function scrubbedChild(this: Logger, bindings, childOptions) {
    const scrubbedOptions = childOptions?.serializers ? { ...childOptions, serializers: scrubbedSerializers(childOptions.serializers) } : childOptions;
    return childOf.call(this, scrubSecrets(bindings), scrubbedOptions);
  } as Logger['child'];
  return logger;
}
