import ts from "typescript";
import { definitionName } from "./json-schema-of-type.js";

/**
 * The classes of a program by the class they extend, named as in `definitions`: what an abstract
 * class's value can be. Built on first use (it reads every class the program declares, LangChain's
 * among them), once per program.
 */
export class SubclassIndex {
  private index?: Map<string, ts.Type[]>;

  constructor(
    private readonly program: ts.Program,
    private readonly checker: ts.TypeChecker,
  ) {}

  of(baseName: string): ts.Type[] {
    this.index ??= this.build();
    return this.index.get(baseName) ?? [];
  }

  private build(): Map<string, ts.Type[]> {
    const index = new Map<string, ts.Type[]>();
    for (const file of this.program.getSourceFiles()) {
      if (this.program.isSourceFileDefaultLibrary(file)) continue;
      for (const statement of file.statements) {
        if (!ts.isClassDeclaration(statement) || !statement.heritageClauses) continue;
        const type = this.checker.getTypeAtLocation(statement);
        for (const base of this.checker.getBaseTypes(type as ts.InterfaceType)) {
          const name = definitionName(this.checker, base);
          index.set(name, [...(index.get(name) ?? []), type]);
        }
      }
    }
    return index;
  }
}
