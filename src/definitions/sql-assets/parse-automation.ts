/**
 * The `-- automation:` header line of a SQL-file asset, in the syntax condition labels are
 * shown in: `eager`, `missing`, `on_cron('0 6 * * *')` (a timezone as a second argument:
 * `on_cron('0 6 * * *', 'Europe/Berlin')`), combined with `&`, `|`, `~` and parentheses
 * (`eager & ~missing`). The empty parentheses of `eager()` and `missing()` are optional.
 * `&` binds tighter than `|`, as in Python (Dagster's own syntax).
 */
import { automation, type AutomationCondition } from '../../core/automation/condition.js';

/** Parses `text`; throws an Error whose message says what is wrong and where in the text. */
export function parseAutomation(text: string): AutomationCondition {
  const tokens = tokenize(text);
  let position = 0;
  const peek = (): string | undefined => tokens[position];
  const take = (expected?: string): string => {
    const token = tokens[position];
    if (token === undefined || (expected !== undefined && token !== expected)) {
      throw new Error(`expected ${expected === undefined ? 'a condition' : `'${expected}'`} ${token === undefined ? 'at the end' : `before '${token}'`} in '${text}'`);
    }
    position += 1;
    return token;
  };

  const either = (): AutomationCondition => {
    const operands = [both()];
    while (peek() === '|') {
      take('|');
      operands.push(both());
    }
    return operands.length === 1 ? (operands[0] as AutomationCondition) : automation.or(...operands);
  };
  const both = (): AutomationCondition => {
    const operands = [unary()];
    while (peek() === '&') {
      take('&');
      operands.push(unary());
    }
    return operands.length === 1 ? (operands[0] as AutomationCondition) : automation.and(...operands);
  };
  const unary = (): AutomationCondition => {
    if (peek() === '~') {
      take('~');
      return automation.not(unary());
    }
    if (peek() === '(') {
      take('(');
      const inner = either();
      take(')');
      return inner;
    }
    return operand();
  };
  const operand = (): AutomationCondition => {
    const name = take();
    switch (name) {
      case 'eager':
      case 'missing':
        if (peek() === '(') {
          take('(');
          take(')');
        }
        return name === 'eager' ? automation.eager() : automation.missing();
      case 'on_cron': {
        take('(');
        const cron = quoted(take(), text);
        let timezone: string | undefined;
        if (peek() === ',') {
          take(',');
          timezone = quoted(take(), text);
        }
        take(')');
        return automation.onCron(cron, timezone === undefined ? {} : { timezone });
      }
      default:
        throw new Error(`unknown condition '${name}' in '${text}': expected eager, missing or on_cron('…'), combined with &, | and ~`);
    }
  };

  const condition = either();
  if (position < tokens.length) throw new Error(`unexpected '${tokens[position]}' in '${text}'`);
  return condition;
}

function quoted(token: string, text: string): string {
  if (!/^'.*'$/.test(token)) throw new Error(`expected a quoted string such as '0 6 * * *', got ${token} in '${text}'`);
  return token.slice(1, -1);
}

function tokenize(text: string): string[] {
  const tokens: string[] = [];
  const pattern = /\s*(?:('[^']*')|([A-Za-z_][A-Za-z0-9_]*)|([&|~(),])|(\S))/y;
  let match: RegExpExecArray | null;
  while (pattern.lastIndex < text.length && (match = pattern.exec(text)) !== null) {
    if (match[4] !== undefined) throw new Error(`unexpected '${match[4]}' in '${text}'`);
    const token = match[1] ?? match[2] ?? match[3];
    if (token !== undefined) tokens.push(token);
  }
  return tokens;
}
