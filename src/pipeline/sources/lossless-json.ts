/**
 * A strict JSON parser that keeps every number as its source text.
 *
 * `JSON.parse` turns `96114.08481738689` or `1.0e+15` into a float, and silver stores exact
 * decimals, so the source text is the only faithful value. Node 20 has no reviver `context.source`
 * (that is Node 21+), hence this small recursive-descent parser. Grammar is RFC 8259, the same
 * inputs `JSON.parse` accepts and rejects; strings and objects come out exactly as from `JSON.parse`.
 */

/** A JSON number token, kept as written (`-6.0e-05` stays `-6.0e-05`). */
export class JsonNumber {
  constructor(readonly source: string) {}

  toString(): string {
    return this.source;
  }
}

export type JsonValue = null | boolean | string | JsonNumber | JsonValue[] | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue;
}

export class JsonSyntaxError extends SyntaxError {
  constructor(
    message: string,
    readonly position: number,
  ) {
    super(`${message} at position ${position}`);
    this.name = 'JsonSyntaxError';
  }
}

// Deep enough for any API response; stops hostile nesting before the call stack does.
const MAX_DEPTH = 512;
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

/** Parses JSON text; numbers become `JsonNumber`. Throws `JsonSyntaxError` with the offset. */
export function parseLosslessJson(text: string): JsonValue {
  const parser = new Parser(text);
  parser.skipWhitespace();
  const value = parser.parseValue(0);
  parser.skipWhitespace();
  if (parser.pos < text.length) parser.fail('Unexpected token after JSON value');
  return value;
}

/**
 * Splits a top-level JSON array into the exact source text of each element, so a page can be
 * re-assembled from real row bytes. Each element is validated as JSON while scanning.
 */
export function splitJsonArray(text: string): string[] {
  const parser = new Parser(text);
  parser.skipWhitespace();
  parser.expect(0x5b /* [ */);
  const items: string[] = [];
  parser.skipWhitespace();
  if (parser.peek() === 0x5d /* ] */) {
    parser.pos++;
  } else {
    for (;;) {
      parser.skipWhitespace();
      const start = parser.pos;
      parser.parseValue(1);
      items.push(text.slice(start, parser.pos));
      parser.skipWhitespace();
      if (parser.peek() === 0x2c /* , */) {
        parser.pos++;
        continue;
      }
      parser.expect(0x5d /* ] */);
      break;
    }
  }
  parser.skipWhitespace();
  if (parser.pos < text.length) parser.fail('Unexpected token after JSON value');
  return items;
}

/** Compact JSON text; numbers are written back exactly as they were parsed. */
export function stringifyLosslessJson(value: JsonValue): string {
  if (value === null) return 'null';
  if (value instanceof JsonNumber) return value.source;
  if (typeof value === 'string' || typeof value === 'boolean') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(stringifyLosslessJson).join(',')}]`;
  const members = Object.keys(value).map((key) => `${JSON.stringify(key)}:${stringifyLosslessJson(value[key] as JsonValue)}`);
  return `{${members.join(',')}}`;
}

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof JsonNumber);
}

class Parser {
  pos = 0;

  constructor(private readonly text: string) {}

  peek(): number {
    return this.text.charCodeAt(this.pos);
  }

  fail(message: string): never {
    if (this.pos >= this.text.length) throw new JsonSyntaxError('Unexpected end of JSON input', this.pos);
    throw new JsonSyntaxError(`${message} ${JSON.stringify(this.text[this.pos])}`, this.pos);
  }

  expect(code: number): void {
    if (this.peek() !== code) this.fail(`Expected ${JSON.stringify(String.fromCharCode(code))}, got`);
    this.pos++;
  }

  skipWhitespace(): void {
    for (;;) {
      const c = this.peek();
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) this.pos++;
      else return;
    }
  }

  parseValue(depth: number): JsonValue {
    if (depth > MAX_DEPTH) throw new JsonSyntaxError(`Nesting deeper than ${MAX_DEPTH}`, this.pos);
    const c = this.peek();
    if (c === 0x7b /* { */) return this.parseObject(depth + 1);
    if (c === 0x5b /* [ */) return this.parseArray(depth + 1);
    if (c === 0x22 /* " */) return this.parseString();
    if (c === 0x2d /* - */ || (c >= 0x30 && c <= 0x39)) return this.parseNumber();
    if (this.text.startsWith('true', this.pos)) return this.literal(4, true);
    if (this.text.startsWith('false', this.pos)) return this.literal(5, false);
    if (this.text.startsWith('null', this.pos)) return this.literal(4, null);
    return this.fail('Unexpected token');
  }

  private literal<T>(length: number, value: T): T {
    this.pos += length;
    return value;
  }

  private parseNumber(): JsonNumber {
    NUMBER.lastIndex = this.pos;
    const match = NUMBER.exec(this.text);
    if (match === null) return this.fail('Invalid number');
    this.pos += match[0].length;
    // `01`, `1.`, `1e` or `1x` would otherwise be accepted as a prefix followed by garbage.
    const next = this.peek();
    if ((next >= 0x30 && next <= 0x39) || next === 0x2e || next === 0x65 || next === 0x45) this.fail('Invalid number');
    return new JsonNumber(match[0]);
  }

  private parseString(): string {
    const start = this.pos;
    this.pos++;
    let escaped = false;
    for (;;) {
      const c = this.peek();
      if (Number.isNaN(c)) this.fail('Unterminated string');
      if (c === 0x22) break;
      if (c < 0x20) this.fail('Bad control character in string');
      if (c === 0x5c /* \ */) {
        escaped = true;
        this.pos += 2;
      } else {
        this.pos++;
      }
    }
    this.pos++;
    if (!escaped) return this.text.slice(start + 1, this.pos - 1);
    try {
      // JSON.parse decodes escapes exactly as the rest of the platform does.
      return JSON.parse(this.text.slice(start, this.pos)) as string;
    } catch {
      throw new JsonSyntaxError('Bad escape in string', start);
    }
  }

  private parseArray(depth: number): JsonValue[] {
    this.pos++;
    const items: JsonValue[] = [];
    this.skipWhitespace();
    if (this.peek() === 0x5d) {
      this.pos++;
      return items;
    }
    for (;;) {
      this.skipWhitespace();
      items.push(this.parseValue(depth));
      this.skipWhitespace();
      if (this.peek() === 0x2c) {
        this.pos++;
        continue;
      }
      this.expect(0x5d);
      return items;
    }
  }

  private parseObject(depth: number): JsonObject {
    this.pos++;
    const object: JsonObject = {};
    this.skipWhitespace();
    if (this.peek() === 0x7d) {
      this.pos++;
      return object;
    }
    for (;;) {
      this.skipWhitespace();
      if (this.peek() !== 0x22) this.fail('Expected property name, got');
      const key = this.parseString();
      this.skipWhitespace();
      this.expect(0x3a /* : */);
      this.skipWhitespace();
      const value = this.parseValue(depth);
      // Plain assignment of `__proto__` would set the prototype; JSON.parse makes an own property.
      if (key === '__proto__') Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
      else object[key] = value;
      this.skipWhitespace();
      if (this.peek() === 0x2c) {
        this.pos++;
        continue;
      }
      this.expect(0x7d);
      return object;
    }
  }
}
