/**
 * A definitions module that cannot be loaded: missing, throwing, exporting the wrong thing, or
 * describing a bad graph. Always names the file (and the line when known): the CLI prints it
 * and exits 2; a running server keeps its last good definitions and shows it.
 */
import { firstFrame, type DefinitionSite } from '../core/definition-site.js';
import { DefinitionError, StrataError, describeError } from '../core/errors.js';

export class DefinitionsLoadError extends StrataError {
  readonly file: string;
  readonly line: number | undefined;
  /** What is wrong, without the location prefix. */
  readonly detail: string;

  constructor(where: { file: string; line?: number | undefined }, detail: string, options: { cause?: unknown } = {}) {
    super('DEFINITIONS_INVALID', `${where.file}${where.line === undefined ? '' : `:${where.line}`}: ${detail}`, options);
    this.file = where.file;
    this.line = where.line;
    this.detail = detail;
  }
}

/**
 * Wraps anything thrown while loading `file` (a module in `projectDir`): the location is the
 * error's own (a DefinitionError's site: a defineAsset call, a SQL file's line), else the first stack frame in the project
 * (not in node_modules), else the module itself.
 */
export function toLoadError(error: unknown, file: string, projectDir: string): DefinitionsLoadError {
  if (error instanceof DefinitionsLoadError) return error;
  // A DefinitionError knows where it was written (a defineAsset call, a SQL file's line).
  const located = error instanceof DefinitionError ? error.site : undefined;
  const site: DefinitionSite | undefined =
    located ?? firstFrame(error, (frameFile) => frameFile.startsWith(projectDir) && !frameFile.includes('/node_modules/'));
  const prefix = error instanceof DefinitionError ? '' : `${errorName(error)}: `;
  // An error that already starts with its own `file:line: ` keeps it once.
  const message = site === undefined ? describeError(error) : describeError(error).replace(`${site.file}:${site.line}: `, '');
  return new DefinitionsLoadError({ file: site?.file ?? file, line: site?.line }, `${prefix}${message}`, { cause: error });
}

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : 'thrown';
}
