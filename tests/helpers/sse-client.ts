/**
 * A Server-Sent Events reader over fetch, for tests of `/runs/:id/events/stream`: messages as
 * they arrive, with a way to wait for one.
 */
export interface SseMessage {
  id?: string;
  event: string;
  data: string;
}

/** Reads SSE messages until `until` says stop (or the stream ends); comments and `retry:` are skipped. */
export async function readMessages(response: Response, until: (message: SseMessage) => boolean, onMessage?: (message: SseMessage) => void): Promise<SseMessage[]> {
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  const messages: SseMessage[] = [];
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return messages;
    buffer += decoder.decode(value, { stream: true });
    let end = buffer.indexOf('\n\n');
    while (end >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      end = buffer.indexOf('\n\n');
      const fields = new Map(block.split('\n').filter((line) => line !== '' && !line.startsWith(':')).map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 2)]));
      if (!fields.has('data')) continue;
      const message: SseMessage = { event: fields.get('event') ?? 'message', data: fields.get('data') ?? '', ...(fields.has('id') ? { id: fields.get('id') as string } : {}) };
      messages.push(message);
      onMessage?.(message);
      if (until(message)) {
        await reader.cancel();
        return messages;
      }
    }
  }
}

/** A stream being read in the background: the messages so far, and a wait for the n-th run event. */
export class SseFollower {
  readonly messages: SseMessage[] = [];
  readonly done: Promise<SseMessage[]>;
  readonly #waiters: { count: number; resolve: () => void }[] = [];

  constructor(response: Response) {
    // An aborted request ends the stream early; what was read stays in `messages`.
    this.done = readMessages(
      response,
      (message) => message.event === 'end',
      (message) => {
        this.messages.push(message);
        const events = this.runEvents().length;
        for (const waiter of this.#waiters.filter((w) => w.count <= events)) {
          this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
          waiter.resolve();
        }
      },
    ).catch(() => this.messages);
  }

  runEvents(): SseMessage[] {
    return this.messages.filter((message) => message.event === 'run-event');
  }

  /** Resolves once `count` run events have arrived. */
  eventCount(count: number): Promise<void> {
    if (this.runEvents().length >= count) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ count, resolve }));
  }
}
