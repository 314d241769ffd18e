import { tool } from "@langchain/core/tools";
import { z } from "zod";

const MAX_LENGTH = 500;

/** Bad input for evaluateArithmetic. `position` is 1-based, counted in UTF-16 code units. */
export class ArithmeticError extends Error {
  override readonly name = "ArithmeticError";
  constructor(message: string, readonly position?: number) {
    super(position === undefined ? message : `${message} at position ${position}`);
  }
}

/**
 * Evaluates arithmetic without eval: the input is model-written, so only a closed grammar is accepted.
 *   expr := term (("+" | "-") term)*        term := unary (("*" | "/" | "%") unary)*
 *   unary := ("+" | "-") unary | power      power := primary ("^" unary)?
 *   primary := number | name | name "(" expr ("," expr)* ")" | "(" expr ")"
 * `power` takes a `unary` exponent, which makes `^` right-associative and lets `-2^2` be `-(2^2)`.
 */
export function evaluateArithmetic(expression: string): number {
  if (expression.length > MAX_LENGTH) throw new ArithmeticError(`expression is longer than ${MAX_LENGTH} characters`);
  return new Parser(expression).parse();
}

class Parser {
  private pos = 0;
  constructor(private readonly src: string) {}

  parse(): number {
    // Rejecting foreign characters up front keeps every later message about grammar, not spelling.
    const bad = /[^0-9A-Za-z_\s.,+\-*/%^()]/u.exec(this.src);
    if (bad) throw new ArithmeticError(`unknown character '${bad[0]}'`, bad.index + 1);
    if (this.src.trim() === "") throw new ArithmeticError("empty expression");
    const value = this.expression();
    if (this.peek(")")) throw this.fail("unbalanced parentheses: unmatched ')'");
    if (this.pos < this.src.length) throw this.fail(`unexpected trailing input '${this.src.slice(this.pos)}'`);
    return value;
  }

  private expression(): number {
    return this.binary("+-", () => this.binary("*/%", () => this.unary()));
  }

  private binary(operators: string, operand: () => number): number {
    let left = operand();
    for (let op = this.peek(operators); op; op = this.peek(operators)) {
      const at = this.pos++;
      const right = operand();
      if (right === 0 && "/%".includes(op)) throw this.fail(op === "/" ? "division by zero" : "modulo by zero", at);
      left = this.finite(applyOperator(op, left, right), at);
    }
    return left;
  }

  private unary(): number {
    const op = this.peek("+-");
    if (!op) return this.power();
    this.pos++;
    const value = this.unary();
    return op === "-" ? -value : value;
  }

  private power(): number {
    const base = this.primary();
    if (!this.peek("^")) return base;
    const at = this.pos++;
    return this.finite(base ** this.unary(), at);
  }

  private primary(): number {
    if (this.peek("(")) {
      const open = this.pos++;
      const value = this.expression();
      this.closeParen(open);
      return value;
    }
    const start = this.pos;
    const number = this.match(/(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/y);
    if (number !== undefined) return this.finite(Number(number), start);
    const name = this.match(/[A-Za-z_]\w*/y)?.toLowerCase();
    if (name === undefined) {
      if (start === this.src.length) throw this.fail("unexpected end of expression");
      throw this.fail(`expected a number, name or '(' but found '${this.src[start]}'`);
    }
    const fn = builtinFunction(name);
    if (!this.peek("(")) {
      const value = name === "pi" ? Math.PI : name === "e" ? Math.E : undefined;
      if (value !== undefined) return value;
      throw this.fail(fn ? `function '${name}' needs parentheses` : `unknown name '${name}'`, start);
    }
    if (!fn) throw this.fail(`unknown function '${name}'`, start);
    const open = this.pos++;
    const args = [this.expression()];
    while (this.peek(",")) {
      this.pos++;
      args.push(this.expression());
    }
    this.closeParen(open);
    const variadic = name === "min" || name === "max";
    if (!variadic && args.length !== 1) throw this.fail(`${name}() takes 1 argument, got ${args.length}`, start);
    return this.finite(fn(...args), start);
  }

  private closeParen(open: number): void {
    if (!this.peek(")")) throw this.fail("unbalanced parentheses: unclosed '('", open);
    this.pos++;
  }

  private peek(chars: string): string | undefined {
    while (this.pos < this.src.length && /\s/.test(this.src[this.pos])) this.pos++;
    const ch = this.src[this.pos];
    return ch !== undefined && chars.includes(ch) ? ch : undefined;
  }

  private match(pattern: RegExp): string | undefined {
    pattern.lastIndex = this.pos;
    const found = pattern.exec(this.src)?.[0];
    if (found !== undefined) this.pos += found.length;
    return found;
  }

  private finite(value: number, at: number): number {
    if (!Number.isFinite(value)) throw this.fail("result is not a finite number", at);
    return value;
  }

  private fail(message: string, at = this.pos): ArithmeticError {
    return new ArithmeticError(message, at + 1);
  }
}

function applyOperator(op: string, left: number, right: number): number {
  if (op === "+") return left + right;
  if (op === "-") return left - right;
  if (op === "*") return left * right;
  return op === "/" ? left / right : left % right;
}

// Matched against a closed list, never looked up as Math[name], so `constructor` and friends cannot get in.
function builtinFunction(name: string): ((...args: number[]) => number) | undefined {
  const known = (["sqrt", "abs", "round", "floor", "ceil", "min", "max"] as const).find((fn) => fn === name);
  return known && Math[known];
}

/** Binary floating point leaks digits like 0.30000000000000004, which models then repeat to users. */
function formatNumber(value: number): string {
  return Number.isSafeInteger(value) ? String(value) : String(Number(value.toPrecision(12)));
}

export function createCalculatorTool() {
  return tool(
    ({ expression }) => {
      try {
        return formatNumber(evaluateArithmetic(expression));
      } catch (error) {
        // Returned, not thrown: the model reads the message and can retry with a fixed expression.
        if (error instanceof ArithmeticError) return `Error: ${error.message}`;
        throw error;
      }
    },
    {
      name: "calculator",
      description:
        "Evaluate an arithmetic expression exactly instead of doing mental math. Supports + - * / % ^ (power), " +
        "parentheses, decimals, 1e3 notation, sqrt, abs, round, floor, ceil, min, max and the constants pi and e.",
      schema: z.object({
        expression: z.string().describe("The arithmetic expression, e.g. (3 + 4) * 12 or sqrt(2) / 2"),
      }),
    },
  );
}
