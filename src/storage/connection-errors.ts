/**
 * Which errors mean "the database went away" (a restart, a failover, a terminated backend) as
 * opposed to "this statement was wrong". The first kind is logged once per outage by the
 * pool (postgres-pool.ts) and waited out; the second is the caller's to report.
 */

/** SQLSTATEs of a lost or refused server connection: class 08, and the shutdown/startup codes of class 57. */
const CONNECTION_SQLSTATES = new Set(['57P01', '57P02', '57P03']);

/** Socket-level failures, as Node reports them in `error.code`. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ENOTFOUND']);

/** pg's own messages for a connection that ended or cannot be used (it sets no code on these). */
const PG_CONNECTION_MESSAGES = [
  'Connection terminated',
  'Client has encountered a connection error and is not queryable',
  'Client was closed and is not queryable',
];

export function isConnectionError(error: unknown): boolean {
  for (let current = error, depth = 0; current instanceof Error && depth < 5; current = current.cause, depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && (code.startsWith('08') || CONNECTION_SQLSTATES.has(code) || NETWORK_CODES.has(code))) return true;
    if (PG_CONNECTION_MESSAGES.some((message) => current instanceof Error && current.message.startsWith(message))) return true;
  }
  return false;
}

/** `57P01 terminating connection due to administrator command`: the code first, when there is one. */
export function describeConnectionError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && code !== '' ? `${code} ${error.message}` : error.message;
}
