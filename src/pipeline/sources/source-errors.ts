/**
 * Errors a data source throws. Every message names the request URL, which never carries the
 * API key (the key travels in a header); any text copied from a response is scrubbed of the key
 * anyway, in case a server echoes it.
 */
import { StrataError } from '../../index.js';

/** `unreachable`: DNS failure, connection refused or no route (the host was never reached); `network`: any other transport failure. */
export type SourceFailureKind = 'http' | 'timeout' | 'network' | 'unreachable' | 'malformed_json';

export interface SourceFailure {
  readonly kind: SourceFailureKind;
  /** HTTP status, or null when no response arrived. */
  readonly status: number | null;
  /** Short, key-free description: `HTTP 503`, `timeout of 200ms exceeded`, `ECONNRESET`. */
  readonly detail: string;
}

/**
 * A request that failed. `retryable` is true when the last failure was transient (429, 5xx,
 * timeout, reset, malformed body) and only the attempt budget ran out: a later run may succeed.
 */
export class SourceHttpError extends StrataError {
  readonly url: string;
  readonly status: number | null;
  readonly attempts: number;
  readonly failure: SourceFailure;

  /** `hint`: what to do instead, appended when the host could not be reached (how to run offline). */
  constructor(args: { url: string; attempts: number; failure: SourceFailure; retryable: boolean; body?: string; hint?: string }) {
    const { url, attempts, failure, retryable, body, hint } = args;
    const code = failure.kind === 'malformed_json' ? 'SOURCE_MALFORMED_JSON' : 'SOURCE_HTTP_ERROR';
    const tries = `${attempts} attempt${attempts === 1 ? '' : 's'}`;
    const snippet = body === undefined || body.length === 0 ? '' : `: ${body.length > 200 ? `${body.slice(0, 200)}…` : body}`;
    const advice = hint !== undefined && failure.kind === 'unreachable' ? `. ${hint}` : '';
    super(code, `GET ${url} failed after ${tries} (${retryable ? 'retries exhausted' : 'fatal'}); last: ${failure.detail}${snippet}${advice}`, {
      retryable,
    });
    this.url = url;
    this.status = failure.status;
    this.attempts = attempts;
    this.failure = failure;
  }
}

/** Replaces every occurrence of `secret` in `text`; a no-op without a secret. */
export function scrubSecret(text: string, secret: string | undefined): string {
  return secret === undefined || secret.length === 0 ? text : text.split(secret).join('[redacted]');
}
