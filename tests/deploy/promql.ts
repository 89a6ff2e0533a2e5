/**
 * A small PromQL reader for the deploy tests: parses the expressions our dashboards and alert
 * rules use (selectors, ranges, aggregations with by/without, binary operators with
 * on/ignoring/group_left/group_right, functions) and checks every metric and label they name
 * against a catalog. It tracks which labels each sub-expression carries, so `sum by (asset)`
 * over a metric without `asset`, `on (x)` where one side lacks x, a histogram_quantile without
 * `le`, or a legend `{{label}}` that the aggregation removed are all reported.
 *
 * Not a full PromQL implementation: what it does not know (`@`, subqueries) is a parse error,
 * so a new construct in a dashboard fails loudly instead of passing unchecked.
 */

/** Series name → its label names, or undefined when no such series is exported. */
export type SeriesCatalog = (series: string) => readonly string[] | undefined;

export interface MetricReference {
  readonly series: string;
  readonly labels: readonly string[];
}

export interface PromqlAnalysis {
  readonly references: readonly MetricReference[];
  /** Labels the whole expression's result carries (null: a scalar). */
  readonly resultLabels: ReadonlySet<string> | null;
  readonly problems: readonly string[];
}

/** Labels Prometheus attaches to every scraped series. */
export const TARGET_LABELS = ['job', 'instance'] as const;

type Token =
  | { kind: 'ident'; text: string }
  | { kind: 'number'; text: string }
  | { kind: 'string'; text: string }
  | { kind: 'range'; text: string }
  | { kind: 'op'; text: string };

const AGGREGATIONS = new Set(['sum', 'min', 'max', 'avg', 'group', 'stddev', 'stdvar', 'count', 'count_values', 'bottomk', 'topk', 'quantile', 'limitk', 'limit_ratio']);
const AGGREGATIONS_WITH_PARAMETER = new Set(['count_values', 'bottomk', 'topk', 'quantile', 'limitk', 'limit_ratio']);
const KEEPS_INPUT_LABELS = new Set(['bottomk', 'topk', 'limitk', 'limit_ratio']);
const SET_OPERATORS = new Set(['and', 'or', 'unless']);
const COMPARISONS = new Set(['==', '!=', '<', '<=', '>', '>=']);
const PRECEDENCE: Record<string, number> = {
  or: 1, and: 2, unless: 2,
  '==': 3, '!=': 3, '<': 3, '<=': 3, '>': 3, '>=': 3,
  '+': 4, '-': 4,
  '*': 5, '/': 5, '%': 5, atan2: 5,
  '^': 6,
};
const SCALAR_FUNCTIONS = new Set(['scalar', 'time', 'pi']);
const NO_INPUT_LABEL_FUNCTIONS = new Set(['vector', 'absent', 'absent_over_time']);

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const rest = text.slice(i);
    const space = /^(\s+|#[^\n]*)/.exec(rest);
    if (space) {
      i += space[0].length;
      continue;
    }
    if (rest[0] === '[') {
      const end = text.indexOf(']', i);
      if (end < 0) throw new Error(`unclosed '[' at ${i}`);
      tokens.push({ kind: 'range', text: text.slice(i + 1, end).trim() });
      i = end + 1;
      continue;
    }
    const quote = rest[0];
    if (quote === '"' || quote === "'" || quote === '`') {
      let j = i + 1;
      while (j < text.length && text[j] !== quote) j += text[j] === '\\' && quote !== '`' ? 2 : 1;
      if (j >= text.length) throw new Error(`unclosed string at ${i}`);
      tokens.push({ kind: 'string', text: text.slice(i + 1, j) });
      i = j + 1;
      continue;
    }
    const number = /^(\d+(\.\d+)?(e[+-]?\d+)?((ms|[smhdwy])(\d+(ms|[smhdwy]))*)?|0x[0-9a-f]+|Inf|NaN)(?![\w:])/i.exec(rest);
    if (number) {
      tokens.push({ kind: 'number', text: number[0] });
      i += number[0].length;
      continue;
    }
    const ident = /^[a-zA-Z_:][\w:]*/.exec(rest);
    if (ident) {
      tokens.push({ kind: 'ident', text: ident[0] });
      i += ident[0].length;
      continue;
    }
    const op = /^(==|!=|=~|!~|<=|>=|[-+*/%^<>=(){},@])/.exec(rest);
    if (op) {
      tokens.push({ kind: 'op', text: op[0] });
      i += op[0].length;
      continue;
    }
    throw new Error(`unexpected character '${rest[0]}' at ${i}`);
  }
  return tokens;
}

/** null: a scalar (labels are irrelevant); a set: the labels the vector's series carry. */
type Labels = Set<string> | null;

class Parser {
  private position = 0;
  readonly references: MetricReference[] = [];
  readonly problems: string[] = [];

  constructor(
    private readonly tokens: Token[],
    private readonly catalog: SeriesCatalog,
  ) {}

  parse(): Labels {
    const labels = this.expression(0);
    if (this.position < this.tokens.length) throw new Error(`unexpected '${this.peek()?.text}' after the expression`);
    return labels;
  }

  private peek(offset = 0): Token | undefined {
    return this.tokens[this.position + offset];
  }

  private next(): Token {
    const token = this.tokens[this.position];
    if (token === undefined) throw new Error('unexpected end of expression');
    this.position += 1;
    return token;
  }

  private expect(text: string): void {
    const token = this.next();
    if (token.text !== text) throw new Error(`expected '${text}', got '${token.text}'`);
  }

  private isOp(text: string, offset = 0): boolean {
    const token = this.peek(offset);
    return token !== undefined && (token.kind === 'op' || token.kind === 'ident') && token.text === text;
  }

  private binaryOperator(): string | undefined {
    const token = this.peek();
    if (token === undefined || (token.kind !== 'op' && token.kind !== 'ident')) return undefined;
    return PRECEDENCE[token.text] === undefined ? undefined : token.text;
  }

  private expression(minPrecedence: number): Labels {
    let left = this.unary();
    for (;;) {
      const operator = this.binaryOperator();
      if (operator === undefined) return left;
      const precedence = PRECEDENCE[operator] as number;
      if (precedence < minPrecedence) return left;
      this.next();
      if (this.isOp('bool')) this.next();
      let matching: { kind: 'on' | 'ignoring'; labels: string[] } | undefined;
      if (this.isOp('on') || this.isOp('ignoring')) {
        const kind = this.next().text as 'on' | 'ignoring';
        matching = { kind, labels: this.labelList() };
      }
      let group: { side: 'left' | 'right'; labels: string[] } | undefined;
      if (this.isOp('group_left') || this.isOp('group_right')) {
        const side = this.next().text === 'group_left' ? 'left' : 'right';
        group = { side, labels: this.isOp('(') ? this.labelList() : [] };
      }
      // '^' is right-associative, every other operator left-associative.
      const right = this.expression(operator === '^' ? precedence : precedence + 1);
      left = this.combine(operator, left, right, matching, group);
    }
  }

  private combine(
    operator: string,
    left: Labels,
    right: Labels,
    matching: { kind: 'on' | 'ignoring'; labels: string[] } | undefined,
    group: { side: 'left' | 'right'; labels: string[] } | undefined,
  ): Labels {
    if (left === null || right === null) {
      if (SET_OPERATORS.has(operator)) this.problems.push(`'${operator}' needs vectors on both sides`);
      return left ?? right;
    }
    const describe = (labels: ReadonlySet<string>) => `{${[...labels].sort().join(', ')}}`;
    if (matching?.kind === 'on') {
      for (const label of matching.labels) {
        if (!left.has(label)) this.problems.push(`on (${matching.labels.join(', ')}): left side ${describe(left)} has no label '${label}'`);
        if (!right.has(label)) this.problems.push(`on (${matching.labels.join(', ')}): right side ${describe(right)} has no label '${label}'`);
      }
    }
    if (operator === 'or') return new Set([...left, ...right]);
    if (group !== undefined) {
      const [many, one] = group.side === 'left' ? [left, right] : [right, left];
      for (const label of group.labels) {
        if (!one.has(label)) this.problems.push(`group_${group.side} (${label}): the "one" side ${describe(one)} has no label '${label}'`);
      }
      return new Set([...many, ...group.labels]);
    }
    const compared = (side: ReadonlySet<string>) =>
      matching === undefined ? side : matching.kind === 'on' ? new Set(matching.labels) : new Set([...side].filter((label) => !matching.labels.includes(label)));
    const leftKey = compared(left);
    const rightKey = compared(right);
    if (describe(leftKey) !== describe(rightKey)) {
      this.problems.push(`'${operator}' matches ${describe(leftKey)} with ${describe(rightKey)}: series would never match (add on/ignoring or aggregate)`);
    }
    if (SET_OPERATORS.has(operator)) return left;
    if (COMPARISONS.has(operator)) return left;
    return matching?.kind === 'on' ? new Set(matching.labels) : new Set(leftKey);
  }

  private unary(): Labels {
    if (this.isOp('-') || this.isOp('+')) this.next();
    const labels = this.primary();
    if (this.peek()?.kind === 'range') {
      this.next();
      if (labels === null) this.problems.push('a range selector needs an instant vector');
    }
    if (this.isOp('offset')) {
      this.next();
      if (this.isOp('-')) this.next();
      const duration = this.next();
      if (duration.kind !== 'number') throw new Error(`expected a duration after offset, got '${duration.text}'`);
    }
    if (this.isOp('@')) throw new Error("'@' modifiers are not supported by this reader");
    return labels;
  }

  private primary(): Labels {
    const token = this.next();
    if (token.kind === 'number') return null;
    if (token.kind === 'string') return null;
    if (token.kind === 'op' && token.text === '(') {
      const labels = this.expression(0);
      this.expect(')');
      return labels;
    }
    if (token.kind === 'op' && token.text === '{') return this.selector(undefined, true);
    if (token.kind !== 'ident') throw new Error(`unexpected '${token.text}'`);
    if (AGGREGATIONS.has(token.text) && (this.isOp('(') || this.isOp('by') || this.isOp('without'))) return this.aggregation(token.text);
    if (this.isOp('(')) return this.call(token.text);
    if (this.isOp('{')) {
      this.next();
      return this.selector(token.text, true);
    }
    return this.selector(token.text, false);
  }

  private labelList(): string[] {
    this.expect('(');
    const labels: string[] = [];
    while (!this.isOp(')')) {
      const token = this.next();
      if (token.kind !== 'ident') throw new Error(`expected a label name, got '${token.text}'`);
      labels.push(token.text);
      if (this.isOp(',')) this.next();
    }
    this.expect(')');
    return labels;
  }

  private aggregation(operator: string): Labels {
    let grouping: { kind: 'by' | 'without'; labels: string[] } | undefined;
    if (this.isOp('by') || this.isOp('without')) grouping = { kind: this.next().text as 'by' | 'without', labels: this.labelList() };
    this.expect('(');
    let parameter: string | undefined;
    if (AGGREGATIONS_WITH_PARAMETER.has(operator)) {
      const token = this.peek();
      this.expression(0);
      parameter = token?.kind === 'string' ? token.text : undefined;
      this.expect(',');
    }
    const input = this.expression(0);
    this.expect(')');
    if (grouping === undefined && (this.isOp('by') || this.isOp('without'))) grouping = { kind: this.next().text as 'by' | 'without', labels: this.labelList() };
    if (input === null) {
      this.problems.push(`${operator}() over a scalar`);
      return new Set();
    }
    for (const label of grouping?.labels ?? []) {
      if (!input.has(label)) this.problems.push(`${operator} ${grouping?.kind} (${grouping?.labels.join(', ')}): the input {${[...input].sort().join(', ')}} has no label '${label}'`);
    }
    if (KEEPS_INPUT_LABELS.has(operator)) return new Set(input);
    const result = grouping === undefined ? new Set<string>() : grouping.kind === 'by' ? new Set(grouping.labels) : new Set([...input].filter((label) => !grouping.labels.includes(label)));
    if (operator === 'count_values' && parameter !== undefined) result.add(parameter);
    return result;
  }

  private call(name: string): Labels {
    this.expect('(');
    const args: { labels: Labels; token: Token | undefined; equalities: string[] }[] = [];
    while (!this.isOp(')')) {
      const token = this.peek();
      const before = this.references.length;
      const labels = this.expression(0);
      const equalities = this.references.length === before + 1 ? this.lastEqualities : [];
      args.push({ labels, token, equalities });
      if (this.isOp(',')) this.next();
    }
    this.expect(')');
    if (SCALAR_FUNCTIONS.has(name)) return null;
    if (NO_INPUT_LABEL_FUNCTIONS.has(name)) return name === 'vector' ? new Set() : new Set(args[0]?.equalities ?? []);
    if (name === 'histogram_quantile') {
      const input = args[1]?.labels;
      if (input === null || input === undefined) throw new Error('histogram_quantile needs a vector');
      if (!input.has('le')) this.problems.push(`histogram_quantile over {${[...input].sort().join(', ')}}: no 'le' label (use a _bucket series and keep le when aggregating)`);
      return new Set([...input].filter((label) => label !== 'le'));
    }
    if (name === 'label_replace' || name === 'label_join') {
      const input = args[0]?.labels;
      if (input === null || input === undefined) throw new Error(`${name} needs a vector`);
      const sources = name === 'label_replace' ? [args[3]] : args.slice(3);
      for (const source of sources) {
        if (source?.token?.kind === 'string' && source.token.text !== '' && !input.has(source.token.text)) this.problems.push(`${name}: the input has no label '${source.token.text}'`);
      }
      const destination = args[1]?.token;
      return new Set([...input, ...(destination?.kind === 'string' ? [destination.text] : [])]);
    }
    const vector = args.find((arg) => arg.labels !== null);
    return vector === undefined ? null : new Set(vector.labels);
  }

  /** Label names of the equality matchers of the last selector read (for absent()). */
  private lastEqualities: string[] = [];

  private selector(name: string | undefined, braces: boolean): Labels {
    const used: string[] = [];
    const equalities: string[] = [];
    let metric = name;
    if (braces) {
      while (!this.isOp('}')) {
        const label = this.next();
        if (label.kind !== 'ident' && label.kind !== 'string') throw new Error(`expected a label matcher, got '${label.text}'`);
        const operator = this.next();
        if (!['=', '!=', '=~', '!~'].includes(operator.text)) throw new Error(`expected a matcher operator after '${label.text}', got '${operator.text}'`);
        const value = this.next();
        if (value.kind !== 'string') throw new Error(`expected a quoted value for '${label.text}'`);
        if (label.text === '__name__') {
          if (operator.text !== '=') throw new Error('only __name__="..." is supported');
          metric = value.text;
        } else {
          used.push(label.text);
          if (operator.text === '=') equalities.push(label.text);
        }
        if (this.isOp(',')) this.next();
      }
      this.expect('}');
    }
    if (metric === undefined) throw new Error('a selector without a metric name');
    this.references.push({ series: metric, labels: used });
    this.lastEqualities = equalities;
    const known = this.catalog(metric);
    if (known === undefined) {
      this.problems.push(`unknown metric '${metric}'`);
      return new Set([...used, ...TARGET_LABELS]);
    }
    const available = new Set([...known, ...TARGET_LABELS]);
    for (const label of used) {
      if (!available.has(label)) this.problems.push(`${metric} has no label '${label}' (labels: ${[...known].join(', ') || 'none'})`);
    }
    return available;
  }
}

export function analysePromql(expression: string, catalog: SeriesCatalog): PromqlAnalysis {
  const parser = new Parser(tokenize(expression), catalog);
  const resultLabels = parser.parse();
  return { references: parser.references, resultLabels, problems: parser.problems };
}

/** `{{label}}` / `{{ $labels.label }}` names in a Grafana legend or an alert annotation. */
export function templateLabels(template: string): string[] {
  const names = new Set<string>();
  for (const match of template.matchAll(/\{\{\s*(?:\$labels\.)?([a-zA-Z_]\w*)\s*\}\}/g)) names.add(match[1] as string);
  for (const match of template.matchAll(/\$labels\.([a-zA-Z_]\w*)/g)) names.add(match[1] as string);
  return [...names];
}
