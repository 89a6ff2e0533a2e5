/**
 * Just enough of the Postgres wire protocol (v3) for the embedded owner to multiplex client
 * connections onto its one PGlite backend: split what a client sends into messages, follow
 * where a response leaves the session (ReadyForQuery), and write the few backend messages the
 * owner answers itself (COPY FROM STDIN, which PGlite cannot read from a socket).
 */

/** The codes of the untyped messages a client may open a connection with. */
const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;
const CANCEL_REQUEST = 80877102;

export type FrontendMessage =
  | { readonly kind: 'ssl-request' }
  | { readonly kind: 'cancel-request' }
  | { readonly kind: 'startup'; readonly bytes: Buffer }
  | { readonly kind: 'typed'; readonly type: string; readonly bytes: Buffer; readonly body: Buffer };

/**
 * Splits a client's byte stream into whole messages. Before start-up, messages have no type
 * byte (length, then a code); after it, a type byte then the length.
 */
export class FrontendMessageReader {
  #buffer: Buffer = Buffer.alloc(0);
  #started = false;

  push(chunk: Buffer): FrontendMessage[] {
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
    const messages: FrontendMessage[] = [];
    for (;;) {
      const message = this.#next();
      if (message === undefined) return messages;
      messages.push(message);
    }
  }

  #next(): FrontendMessage | undefined {
    const buffer = this.#buffer;
    if (!this.#started) {
      if (buffer.length < 8) return undefined;
      const length = buffer.readInt32BE(0);
      if (length < 8) throw new Error(`malformed start-up message (length ${length})`);
      if (buffer.length < length) return undefined;
      const code = buffer.readInt32BE(4);
      const bytes = this.#take(length);
      if (code === SSL_REQUEST || code === GSSENC_REQUEST) return { kind: 'ssl-request' };
      if (code === CANCEL_REQUEST) return { kind: 'cancel-request' };
      this.#started = true;
      return { kind: 'startup', bytes };
    }
    if (buffer.length < 5) return undefined;
    const length = buffer.readInt32BE(1);
    if (length < 4) throw new Error(`malformed message '${String.fromCharCode(buffer[0] ?? 0)}' (length ${length})`);
    if (buffer.length < 1 + length) return undefined;
    const bytes = this.#take(1 + length);
    return { kind: 'typed', type: String.fromCharCode(bytes[0] ?? 0), bytes, body: bytes.subarray(5) };
  }

  #take(count: number): Buffer {
    const taken = this.#buffer.subarray(0, count);
    this.#buffer = this.#buffer.subarray(count);
    return Buffer.from(taken);
  }
}

/** The transaction status a ReadyForQuery carries: idle, in a transaction, in a failed one. */
export type TransactionStatus = 'I' | 'T' | 'E';

/**
 * Follows the backend messages of a response, chunk by chunk, and remembers the status of the
 * last ReadyForQuery: a session may be handed to another client only when that status is 'I'
 * and nothing came after it.
 */
export class ReadyForQueryTracker {
  #header = Buffer.alloc(5);
  #headerFilled = 0;
  #bodyLeft = 0;
  #type = 0;
  /** Undefined until a ReadyForQuery ends the response so far. */
  status: TransactionStatus | undefined;

  push(chunk: Uint8Array): void {
    let at = 0;
    while (at < chunk.length) {
      if (this.#bodyLeft > 0) {
        const take = Math.min(this.#bodyLeft, chunk.length - at);
        if (this.#type === 0x5a /* Z */ && take > 0) this.status = String.fromCharCode(chunk[at + take - 1] ?? 0) as TransactionStatus;
        this.#bodyLeft -= take;
        at += take;
        continue;
      }
      this.#header[this.#headerFilled] = chunk[at] ?? 0;
      this.#headerFilled += 1;
      at += 1;
      if (this.#headerFilled === 5) {
        this.#type = this.#header[0] ?? 0;
        this.#bodyLeft = this.#header.readInt32BE(1) - 4;
        this.#headerFilled = 0;
        // Any message after a ReadyForQuery means the response is not at rest yet.
        this.status = undefined;
      }
    }
  }
}

function message(type: string, body: Buffer): Buffer {
  const header = Buffer.alloc(5);
  header.write(type, 0, 'latin1');
  header.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([header, body]);
}

function cString(text: string): Buffer {
  return Buffer.concat([Buffer.from(text, 'utf8'), Buffer.from([0])]);
}

/** CopyInResponse: text format, no per-column formats (clients such as pg-copy-streams ignore them). */
export function copyInResponse(): Buffer {
  return message('G', Buffer.from([0, 0, 0]));
}

export function commandComplete(tag: string): Buffer {
  return message('C', cString(tag));
}

export function readyForQuery(status: TransactionStatus): Buffer {
  return message('Z', Buffer.from(status, 'latin1'));
}

export function errorResponse(error: { readonly code?: string | undefined; readonly message: string }): Buffer {
  return message(
    'E',
    Buffer.concat([cString('SERROR'), cString('VERROR'), cString(`C${error.code ?? 'XX000'}`), cString(`M${error.message}`), Buffer.from([0])]),
  );
}

/** The text of a simple Query message ('Q'). */
export function queryText(body: Buffer): string {
  const end = body.indexOf(0);
  return body.toString('utf8', 0, end === -1 ? body.length : end);
}

/** A Sync message: ends an extended-protocol sequence a client left half-sent. */
export const SYNC_MESSAGE = Buffer.from([0x53, 0, 0, 0, 4]);

/** A simple Query message. */
export function simpleQuery(sql: string): Buffer {
  return message('Q', cString(sql));
}
