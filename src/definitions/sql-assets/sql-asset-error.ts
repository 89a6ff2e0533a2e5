import { DefinitionError } from '../../core/errors.js';

/**
 * A bad SQL-file asset, at a place in its file: the message reads `path/to/file.sql:3: what is
 * wrong`, so an editor or terminal can jump to it.
 */
export class SqlAssetError extends DefinitionError {
  readonly file: string;
  /** 1-based. */
  readonly line: number;

  constructor(file: string, line: number, problem: string) {
    super(`${file}:${line}: ${problem}`, { site: { file, line, column: 1 } });
    this.file = file;
    this.line = line;
  }
}
