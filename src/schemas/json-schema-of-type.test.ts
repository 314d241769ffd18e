import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSchemaProgram } from "./create-schema-program.js";
import { DRAFT_07, JsonSchemaOfType } from "./json-schema-of-type.js";
import { SubclassIndex } from "./subclass-index.js";

const SOURCE = `
export interface Item {
  /**
   * Its name.
   * @minLength 1
   */
  name: string;
  size: "s" | "m" | "l" | null;
  count?: number;
  /** @type integer */
  whole: number;
  flag: boolean | null;
  mixed: number | "auto";
  when: Date;
  pair: [string, number];
  labels: Record<string, string>;
  anything: Record<string, any>;
  shape: { x: number; y?: number };
  next?: Item;
  branded: string & { __brand: "id" };
  method(): void;
  callback: () => void;
  _internal: string;
}

/** Something that speaks. */
export abstract class Animal {
  name = "";
  private secret = 1;
  protected guarded = 2;
  get loud(): string { return this.name.toUpperCase(); }
  abstract speak(): string;
}

export class Dog extends Animal {
  kind = "dog" as const;
  speak() { return "woof"; }
}

export type Root = { item: Item; animal: Animal; either: string | number | Item };
`;

describe("JsonSchemaOfType", () => {
  let dir: string;
  let root: Record<string, unknown>;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "threadloom-json-schema-"));
    const file = path.join(dir, "types.ts");
    await writeFile(file, SOURCE);
    const program = createSchemaProgram([file], fileURLToPath(new URL("../..", import.meta.url)));
    const checker = program.getTypeChecker();
    const exported = checker.getExportsOfModule(checker.getSymbolAtLocation(program.getSourceFile(file)!)!);
    const type = checker.getDeclaredTypeOfSymbol(exported.find((s) => s.name === "Root")!);
    root = new JsonSchemaOfType(checker, program, new SubclassIndex(program, checker)).root(type);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("describes data as typescript-json-schema does: definitions for interfaces and classes, enums sorted, no required lists", () => {
    expect(root).toEqual({
      type: "object",
      properties: {
        item: { $ref: "#/definitions/Item" },
        animal: { $ref: "#/definitions/Animal" },
        either: { anyOf: [{ $ref: "#/definitions/Item" }, { type: ["number", "string"] }] },
      },
      definitions: {
        Item: {
          type: "object",
          properties: {
            name: { description: "Its name.", type: "string", minLength: 1 },
            size: { type: ["null", "string"], enum: ["l", "m", "s", null] },
            count: { type: "number" },
            whole: { type: "integer" },
            flag: { type: ["boolean", "null"] },
            mixed: { anyOf: [{ type: "number" }, { type: "string", enum: ["auto"] }] },
            when: { type: "string", format: "date-time" },
            pair: { type: "array", items: [{ type: "string" }, { type: "number" }], minItems: 2, maxItems: 2 },
            labels: { type: "object", additionalProperties: { type: "string" } },
            anything: { type: "object" },
            shape: { type: "object", properties: { x: { type: "number" }, y: { type: "number" } } },
            next: { $ref: "#/definitions/Item" },
            branded: { type: "string" },
          },
        },
        // Abstract: one of its subclasses. Methods, accessors, private, protected and _-named members are not data.
        Animal: { description: "Something that speaks.", oneOf: [{ $ref: "#/definitions/Dog" }] },
        Dog: { type: "object", properties: { kind: { type: "string", const: "dog" }, name: { type: "string" } } },
      },
      $schema: DRAFT_07,
    });
  });
});
