/**
 * The one pino logger. JSON lines by default; readable (pino-pretty) on a TTY. Every secret
 * setting config.ts declares (SECRET_SETTINGS), keys, tokens and connection passwords are
 * redacted wherever they appear under these paths.
 */
import pino, { type Logger } from 'pino';
import { SECRET_SETTINGS } from './config.js';

export type { Logger };

/** A secret's path at the top of a logged object, or one or two levels down (`{ config }`, `{ runtime: { config } }`). */
const depths = (path: string) => [path, `*.${path}`, `*.*.${path}`];

const REDACT_PATHS = [
  // Every secret setting, as a Config path and as its variable (an environment logged whole).
  ...SECRET_SETTINGS.flatMap((setting) => [...depths(setting.path.join('.')), ...depths(setting.variable)]),
  'apiKey',
  '*.apiKey',
  'token',
  '*.token',
  'password',
  '*.password',
  'headers["x-cg-demo-api-key"]',
  'headers["x-cg-pro-api-key"]',
  'headers.authorization',
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-cg-demo-api-key"]',
  'req.headers["x-cg-pro-api-key"]',
];

export interface LoggerOptions {
  readonly level: string;
  /** Pretty-print for humans; default: when stdout is a TTY. */
  readonly pretty?: boolean;
  readonly destination?: pino.DestinationStream;
}

export function createLogger(options: LoggerOptions): Logger {
  const base: pino.LoggerOptions = {
    level: options.level,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    base: { service: 'strata' },
  };
  if (options.destination) return pino(base, options.destination);
  if (options.pretty ?? process.stdout.isTTY) {
    return pino({ ...base, transport: { target: 'pino-pretty', options: { colorize: true, ignore: 'pid,hostname,service' } } });
  }
  return pino(base);
}
