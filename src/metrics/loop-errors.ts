/**
 * Background loops that threw, signalled process-wide: a loop is started with a logger and a
 * clock, not a runtime, and "iterations that failed in this process" is what is counted anyway.
 */
export type LoopErrorListener = (loop: string) => void;

const listeners = new Set<LoopErrorListener>();

/** Returns the function that unsubscribes. */
export function onLoopError(listener: LoopErrorListener): () => void {
  listeners.add(listener);
  return () => {
    listeners.delete(listener);
  };
}

/** Called by a loop whose iteration threw; `loop` is its fixed name (`claim`, `scheduler`, …). */
export function signalLoopError(loop: string): void {
  for (const listener of listeners) {
    try {
      listener(loop);
    } catch {
      // A broken metric must not break the loop that reports it.
    }
  }
}
