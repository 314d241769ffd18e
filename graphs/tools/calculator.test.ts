import { describe, expect, it } from "vitest";
import { ArithmeticError, createCalculatorTool, evaluateArithmetic } from "./calculator.js";

function errorOf(expression: string): ArithmeticError {
  try {
    evaluateArithmetic(expression);
  } catch (error) {
    if (error instanceof ArithmeticError) return error;
    throw error;
  }
  throw new Error(`expected ${JSON.stringify(expression)} to be rejected`);
}

describe("evaluateArithmetic", () => {
  it.each([
    ["1 + 2 * 3", 7],
    ["(1 + 2) * 3", 9],
    ["10 - 4 - 3", 3],
    ["100 / 10 / 5", 2],
    ["7 % 4 * 2", 6],
    ["2 ^ 3 ^ 2", 512],
    ["-2^2", -4],
    ["(-2)^2", 4],
    ["2^-1", 0.5],
    ["2 * -3", -6],
    ["--3", 3],
    ["+4 - -1", 5],
    ["1.5 + .25 + 2.", 3.75],
    ["1e3 + 2.5E-1", 1000.25],
    ["  \t42\n ", 42],
    ["sqrt(16) + abs(-3)", 7],
    ["round(2.5) + floor(-1.5) + ceil(1.2)", 3],
    ["min(4, 2, 8) * max(1, 5)", 10],
    ["max(-1)", -1],
    ["SQRT(9)", 3],
    ["2 * pi", 2 * Math.PI],
    ["e ^ 2", Math.E ** 2],
    ["((((1))))", 1],
  ])("%s = %d", (expression, expected) => {
    expect(evaluateArithmetic(expression)).toBe(expected);
  });

  it.each([
    ["", "empty expression"],
    ["   ", "empty expression"],
    ["2 $ 3", "unknown character '$' at position 3"],
    ["1 + 😀", "unknown character '😀' at position 5"],
    ["(1 + 2", "unbalanced parentheses: unclosed '(' at position 1"],
    ["max(1, 2", "unbalanced parentheses: unclosed '(' at position 4"],
    ["1 + 2)", "unbalanced parentheses: unmatched ')' at position 6"],
    ["2 3", "unexpected trailing input '3' at position 3"],
    ["2e", "unexpected trailing input 'e' at position 2"],
    ["1.2.3", "unexpected trailing input '.3' at position 4"],
    ["1 +", "unexpected end of expression at position 4"],
    ["1 + * 2", "expected a number, name or '(' but found '*' at position 5"],
    ["max()", "expected a number, name or '(' but found ')' at position 5"],
    ["1 / 0", "division by zero at position 3"],
    ["1 / (2 - 2)", "division by zero at position 3"],
    ["5 % 0", "modulo by zero at position 3"],
    ["10 ^ 400", "result is not a finite number at position 4"],
    ["1e400", "result is not a finite number at position 1"],
    ["sqrt(-1)", "result is not a finite number at position 1"],
    ["sqrt(1, 2)", "sqrt() takes 1 argument, got 2 at position 1"],
    ["sqrt 4", "function 'sqrt' needs parentheses at position 1"],
    ["x + 1", "unknown name 'x' at position 1"],
    ["log(10)", "unknown function 'log' at position 1"],
  ])("rejects %j", (expression, message) => {
    const error = errorOf(expression);
    expect(error.name).toBe("ArithmeticError");
    expect(error.message).toBe(message);
  });

  it("reports the 1-based position as a property too", () => {
    expect(errorOf("1 + 2)").position).toBe(6);
    expect(errorOf("").position).toBeUndefined();
  });

  it("rejects input longer than 500 characters but accepts exactly 500", () => {
    const ones = (count: number) => Array.from({ length: count }, () => "1").join("+");
    expect(ones(250).length).toBe(499);
    expect(evaluateArithmetic(`${ones(250)} `)).toBe(250);
    expect(errorOf(`${ones(250)}  `).message).toBe("expression is longer than 500 characters");
  });

  it.each([
    ["process.exit()", "unknown name 'process' at position 1"],
    ["constructor", "unknown name 'constructor' at position 1"],
    ["constructor(1)", "unknown function 'constructor' at position 1"],
    ["__proto__", "unknown name '__proto__' at position 1"],
    ["toString(1)", "unknown function 'tostring' at position 1"],
    ["Math.max(1)", "unknown name 'math' at position 1"],
    ["require('fs')", "unknown character ''' at position 9"],
    ["this[0]", "unknown character '[' at position 5"],
    ["a => 1", "unknown character '=' at position 3"],
  ])("does not execute code: %s", (expression, message) => {
    expect(errorOf(expression).message).toBe(message);
  });
});

describe("createCalculatorTool", () => {
  it("describes itself to the model", () => {
    const calculator = createCalculatorTool();
    expect(calculator.name).toBe("calculator");
    expect(calculator.description).toContain("sqrt");
  });

  it.each([
    ["2 * 42", "84"],
    ["0.1 + 0.2", "0.3"],
    ["1 / 3", "0.333333333333"],
    ["2 ^ 53 - 1", "9007199254740991"],
    ["2 ^ 60", "1152921504610000000"],
    ["-0", "0"],
    ["1e21", "1e+21"],
    ["1 / 0", "Error: division by zero at position 3"],
    ["", "Error: empty expression"],
  ])("formats %j as %j", async (expression, expected) => {
    await expect(createCalculatorTool().invoke({ expression })).resolves.toBe(expected);
  });
});
