/**
 * Where a definition was written (file and line), so a bad graph names the line to fix
 * (`duplicate asset key 'gold/x' at defs.ts:12 and marts.ts:30`). The call stack is captured
 * when the asset is defined, but only formatted when an error needs it: V8 renders `stack`
 * lazily, so 5,000 definitions cost a few milliseconds.
 */
export interface DefinitionSite {
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

const sites = new WeakMap<object, Error>();
const CORE_DIR = decodeURIComponent(new URL('.', import.meta.url).pathname);

export function recordDefinitionSite(definition: object): void {
  const previous = Error.stackTraceLimit;
  Error.stackTraceLimit = 8;
  sites.set(definition, new Error('defined here'));
  Error.stackTraceLimit = previous;
}

/** The first stack frame outside src/core: the user's call to defineAsset. */
export function definitionSite(definition: object): DefinitionSite | undefined {
  const stack = sites.get(definition)?.stack;
  if (stack === undefined) return undefined;
  for (const frame of stackFrames(stack)) {
    const site = toSite(frame);
    if (!site.file.startsWith(CORE_DIR) && !site.file.startsWith('node:')) return site;
  }
  return undefined;
}

/** The first frame of `error`'s stack that `accept` takes (e.g. inside the user's project). */
export function firstFrame(error: unknown, accept: (file: string) => boolean): DefinitionSite | undefined {
  const stack = error instanceof Error ? error.stack : undefined;
  if (stack === undefined) return undefined;
  for (const frame of stackFrames(stack)) {
    const site = toSite(frame);
    if (accept(site.file)) return site;
  }
  return undefined;
}

interface Frame {
  readonly url: string;
  readonly line: number;
  readonly column: number;
}

function* stackFrames(stack: string): Generator<Frame> {
  // `    at fn (file:///a/b.ts:12:5)` or `    at file:///a/b.ts:12:5`
  for (const match of stack.matchAll(/^\s+at (?:.*?\()?((?:file:\/\/|node:|\/)[^\s()]*?):(\d+):(\d+)\)?$/gm)) {
    yield { url: match[1] as string, line: Number(match[2]), column: Number(match[3]) };
  }
}

function toSite(frame: Frame): DefinitionSite {
  let file = frame.url;
  if (file.startsWith('file://')) file = decodeURIComponent(new URL(file).pathname);
  return { file: file.replace(/\?.*$/, ''), line: frame.line, column: frame.column };
}
