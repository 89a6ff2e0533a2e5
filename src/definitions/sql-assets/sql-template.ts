/**
 * A SQL-file asset's query (or a check's) with Strata's placeholders found in it:
 * `{{ partition_key }}` (text), `{{ partition_start }}` and `{{ partition_end }}` (timestamptz),
 * and `{{ this }}` (the asset's table, checks only). Partition placeholders become bound
 * parameters (`$1::text`), never text pasted into the SQL.
 *
 * This is a scanner, not a SQL parser: it knows comments, quoted strings and identifiers and
 * dollar quoting, so a placeholder inside a comment is left alone and one inside quotes is an
 * error (a quoted placeholder would be a string literal, never the bound value). It also
 * rejects what would break the statement Strata wraps the query in: a second statement after
 * `;` (a trailing `;` is dropped), a `$1` of the user's own, and anything but a query.
 */
import type { PartitionWindow } from '../../core/types.js';
import { SqlAssetError } from './sql-asset-error.js';

export type PartitionPlaceholder = 'partition_key' | 'partition_start' | 'partition_end';
type PlaceholderName = PartitionPlaceholder | 'this';

const PLACEHOLDER_TYPES: Readonly<Record<PartitionPlaceholder, string>> = {
  partition_key: 'text',
  partition_start: 'timestamptz',
  partition_end: 'timestamptz',
};

type TemplatePiece = string | { readonly placeholder: PlaceholderName };

export interface SqlTemplate {
  readonly pieces: readonly TemplatePiece[];
  /** Each partition placeholder used, with the file line of its first use. */
  readonly partitionPlaceholders: ReadonlyMap<PartitionPlaceholder, number>;
}

export interface TemplateSource {
  readonly file: string;
  readonly text: string;
  /** The file line `text` starts on, for error messages. */
  readonly firstLine: number;
  /** Whether `{{ this }}` may appear (in checks). */
  readonly allowThis: boolean;
}

const QUERY_START = /^(?:select|with|values|table)\b/i;
const PLACEHOLDER_IN_QUOTES = /\{\{\s*[A-Za-z_]\w*\s*\}\}/;
const DOLLAR_TAG = /\$(?:[A-Za-z_][A-Za-z0-9_]*)?\$/y;
const IDENTIFIER_CHAR = /[A-Za-z0-9_$]/;

export function parseSqlTemplate(source: TemplateSource): SqlTemplate {
  const { file, text } = source;
  const pieces: TemplatePiece[] = [];
  const used = new Map<PartitionPlaceholder, number>();
  let line = source.firstLine;
  let literalStart = 0;
  let semicolonAt: number | undefined;
  let sawToken = false;
  const fail = (problem: string, at = line): never => {
    throw new SqlAssetError(file, at, problem);
  };
  /** Moves past text[from, to), counting its line breaks. */
  const skip = (from: number, to: number): number => {
    for (let k = from; k < to; k++) if (text.charCodeAt(k) === 10) line++;
    return to;
  };
  /** The index after a quoted string or identifier that opens at `start`. */
  const quoted = (start: number, quote: string, backslashEscapes: boolean): number => {
    const startLine = line;
    let k = start + 1;
    for (;;) {
      if (k >= text.length) fail(`unterminated ${quote === "'" ? 'string' : 'quoted identifier'}`, startLine);
      const c = text[k];
      if (backslashEscapes && c === '\\') k += 2;
      else if (c === quote && text[k + 1] === quote) k += 2;
      else if (c === quote) break;
      else k++;
    }
    if (PLACEHOLDER_IN_QUOTES.test(text.slice(start, k))) {
      fail('a placeholder inside quotes is plain text: write {{ partition_key }} without quotes, it is bound as a parameter', startLine);
    }
    return skip(start, k + 1);
  };

  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    const next = text[i + 1];
    if (c === '\n') {
      line++;
      i++;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r' || c === '\f') {
      i++;
      continue;
    }
    if (c === '-' && next === '-') {
      const end = text.indexOf('\n', i);
      i = end === -1 ? text.length : end;
      continue;
    }
    if (c === '/' && next === '*') {
      const end = text.indexOf('*/', i + 2);
      if (end === -1) fail('unterminated /* comment');
      i = skip(i, end + 2);
      continue;
    }
    // Anything else is part of a statement.
    if (semicolonAt !== undefined) fail('one query per file: nothing may follow the ";"');
    if (!sawToken && c !== '(' && !QUERY_START.test(text.slice(i, i + 7))) {
      fail('expected a query (SELECT, WITH, VALUES or TABLE): Strata writes its rows into the table itself');
    }
    sawToken = true;
    if (c === "'") {
      const escapes = (text[i - 1] === 'E' || text[i - 1] === 'e') && !IDENTIFIER_CHAR.test(text[i - 2] ?? ' ');
      i = quoted(i, "'", escapes);
    } else if (c === '"') {
      i = quoted(i, '"', false);
    } else if (c === '$' && !IDENTIFIER_CHAR.test(text[i - 1] ?? ' ')) {
      DOLLAR_TAG.lastIndex = i;
      const tag = DOLLAR_TAG.exec(text)?.[0];
      if (tag !== undefined) {
        const end = text.indexOf(tag, i + tag.length);
        if (end === -1) fail(`unterminated ${tag}-quoted string`);
        i = skip(i, end + tag.length);
      } else if (next !== undefined && next >= '0' && next <= '9') {
        fail(`use {{ partition_key }}, {{ partition_start }} or {{ partition_end }} instead of $${next}: Strata numbers the parameters`);
      } else {
        i++;
      }
    } else if (c === '{' && next === '{') {
      const close = text.indexOf('}}', i + 2);
      const newline = text.indexOf('\n', i);
      if (close === -1 || (newline !== -1 && newline < close)) fail('unclosed {{ (placeholders are {{ name }} on one line)');
      const name = text.slice(i + 2, close).trim();
      if (name === 'this') {
        if (!source.allowThis) fail('{{ this }} is for checks (the asset\'s table); a query reads its deps by their table names');
      } else if (Object.hasOwn(PLACEHOLDER_TYPES, name)) {
        if (!used.has(name as PartitionPlaceholder)) used.set(name as PartitionPlaceholder, line);
      } else {
        fail(`unknown placeholder {{ ${name} }}: use {{ partition_key }}, {{ partition_start }}, {{ partition_end }}${source.allowThis ? ' or {{ this }}' : ''}`);
      }
      pieces.push(text.slice(literalStart, i), { placeholder: name as PlaceholderName });
      i = close + 2;
      literalStart = i;
    } else if (c === ';') {
      semicolonAt = i;
      i++;
    } else {
      i++;
    }
  }
  if (!sawToken) fail('no query: write a SELECT after the header', source.firstLine);
  pieces.push(text.slice(literalStart, semicolonAt ?? text.length));
  return { pieces: pieces.filter((piece) => piece !== ''), partitionPlaceholders: used };
}

/** A statement with parameters and the placeholder whose value each `$n` takes (`order[n - 1]`). */
export interface ParameterizedSql {
  readonly sql: string;
  readonly order: readonly PartitionPlaceholder[];
}

/**
 * The template with each partition placeholder as a typed parameter. `reserved` take the first
 * numbers whether the query uses them or not (the table's `partition_key` is always `$1`).
 */
export function parameterize(template: SqlTemplate, reserved: readonly PartitionPlaceholder[], thisTable?: string): ParameterizedSql {
  const order = [...reserved];
  const sql = render(template, thisTable, (name) => {
    let index = order.indexOf(name);
    if (index === -1) index = order.push(name) - 1;
    return `($${index + 1}::${PLACEHOLDER_TYPES[name]})`;
  });
  return { sql, order };
}

/**
 * The template with typed NULLs for the placeholders: the same column types, no parameters,
 * for `CREATE TABLE … AS … WITH NO DATA`, which plans the query but never runs it.
 */
export function withTypedNulls(template: SqlTemplate): string {
  return render(template, undefined, (name) => `(NULL::${PLACEHOLDER_TYPES[name]})`);
}

/** The values of `order` for a partition: its key, and its window's bounds as ISO timestamps. */
export function parameterValues(order: readonly PartitionPlaceholder[], partition: PartitionWindow | undefined): string[] {
  return order.map((name) => {
    if (partition === undefined) throw new Error(`{{ ${name} }} needs a partition, and the step has none`);
    if (name === 'partition_key') return partition.key;
    return (name === 'partition_start' ? partition.start : partition.end).toISOString();
  });
}

function render(template: SqlTemplate, thisTable: string | undefined, parameter: (name: PartitionPlaceholder) => string): string {
  return template.pieces
    .map((piece) => {
      if (typeof piece === 'string') return piece;
      if (piece.placeholder !== 'this') return parameter(piece.placeholder);
      if (thisTable === undefined) throw new Error('{{ this }} rendered without a table');
      return thisTable;
    })
    .join('');
}
