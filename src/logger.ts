/**
 * The one pino logger. JSON lines by default; readable (pino-pretty) on a TTY. Keys, tokens and
 * connection passwords are redacted wherever they appear under these paths.
 */
import pino, { type Logger } from 'pino';

export type { Logger };

const REDACT_PATHS = [
  'apiKey',
  '*.apiKey',
  'token',
  '*.token',
  'password',
  '*.password',
  'databaseUrl',
  '*.databaseUrl',
  'headers["x-cg-demo-api-key"]',
  'headers["x-cg-pro-api-key"]',
  'headers.authorization',
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-cg-demo-api-key"]',
  'req.headers["x-cg-pro-api-key"]',
  // A whole Config (or its coingecko part) logged by mistake; an environment dumped by mistake.
  'adminToken',
  '*.adminToken',
  'STRATA_ADMIN_TOKEN',
  'config.databaseUrl',
  'config.coingecko.apiKey',
  'coingecko.apiKey',
  'DATABASE_URL',
  'COINGECKO_API_KEY',
  '*.DATABASE_URL',
  '*.COINGECKO_API_KEY',
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
