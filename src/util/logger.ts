import { pino, type Logger } from "pino";

export type { Logger };

export interface LoggerOptions {
  level?: string;
  pretty?: boolean;
}

/** One logger for the process; components take children with `{ component: "..." }`. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? process.env.BERTH_LOG_LEVEL ?? "info";
  if (options.pretty) {
    return pino({
      level,
      transport: {
        target: "pino-pretty",
        options: {
          colorize: process.stdout.isTTY,
          // Context keys stay in JSON logs; for people, the component prefix and the message say enough.
          ignore: "pid,hostname,component,endpoint,copy,stream,instance,controller,key,requestId,op,accessKeyId,retryInMs,url,dataDir",
          messageFormat: "{if component}{component}: {end}{msg}",
          translateTime: "SYS:HH:MM:ss.l",
        },
      },
    });
  }
  return pino({ level, base: undefined });
}

export function silentLogger(): Logger {
  return pino({ level: "silent" });
}
