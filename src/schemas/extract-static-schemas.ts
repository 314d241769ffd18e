import ts from "typescript";
import { createSchemaProgram } from "./create-schema-program.js";
import { compiledGraphType, findSubgraphs } from "./find-subgraphs.js";
import type { GraphSchema } from "./graph-schema.js";
import { JsonSchemaOfType } from "./json-schema-of-type.js";
import { localImports } from "./local-imports.js";
import { SubclassIndex } from "./subclass-index.js";

export interface StaticTarget {
  graphId: string;
  /** The graph's file, absolute. */
  file: string;
  exportName: string;
}

/** A graph's schemas read from its types: the graph's, and each subgraph's by namespace. */
export interface StaticSchemas {
  root: GraphSchema;
  subgraphs: Record<string, GraphSchema>;
}

/** A graph's schemas or why they could not be read, and the project files its types come from (its own first). */
export type StaticResult = ({ ok: true; schemas: StaticSchemas } | { ok: false; error: string }) & { graphId: string; files: string[] };

/**
 * Reads each graph's schemas from its TypeScript types, as `langgraphjs dev` does for graphs that
 * carry none at run time (`Annotation` state): state from the state's value types, input from the
 * input's update types, output from the output's value types, config from the context annotation's
 * update types. One program for all of them (the libraries are read once). Slow (seconds): run it
 * in a worker (see static-schema-worker).
 */
export function extractStaticSchemas(targets: StaticTarget[], projectRoot: string): StaticResult[] {
  if (targets.length === 0) return [];
  const program = createSchemaProgram(targets.map((t) => t.file), projectRoot);
  const checker = program.getTypeChecker();
  const subclasses = new SubclassIndex(program, checker);
  const converter = () => new JsonSchemaOfType(checker, program, subclasses);
  const schemaOf = (type: ts.Type | undefined) => (type && !(type.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) ? converter().root(type) : null);
  const graphSchema = (compiled: ts.Type): GraphSchema => ({
    state: schemaOf(propertyType(checker, compiled, "~RunOutput")),
    input: schemaOf(propertyType(checker, compiled, "~InputType")),
    output: schemaOf(propertyType(checker, compiled, "~OutputType")),
    config: configSchema(checker, compiled, converter),
  });

  return targets.map((target): StaticResult => {
    const files = localImports(target.file, program.getCompilerOptions());
    try {
      const { type, declaration } = exportOf(program, checker, target);
      const compiled = compiledGraphType(checker, factoryResult(checker, type));
      if (!compiled) throw new Error(`the type of export "${target.exportName}" is not a LangGraph graph (${checker.typeToString(type).slice(0, 120)})`);
      const subgraphs = declaration ? findSubgraphs(checker, declaration) : new Map<string, ts.Type>();
      return {
        graphId: target.graphId,
        ok: true,
        schemas: { root: graphSchema(compiled), subgraphs: Object.fromEntries([...subgraphs].map(([ns, t]) => [ns, graphSchema(t)])) },
        files,
      };
    } catch (err) {
      return { graphId: target.graphId, ok: false, error: (err as Error)?.message ?? String(err), files };
    }
  });
}

function exportOf(program: ts.Program, checker: ts.TypeChecker, target: StaticTarget): { type: ts.Type; declaration?: ts.Node } {
  const file = program.getSourceFile(target.file);
  if (!file) throw new Error(`${target.file} could not be read as TypeScript`);
  const module = checker.getSymbolAtLocation(file);
  const exported = module && checker.getExportsOfModule(module).find((s) => s.name === target.exportName);
  if (!exported) throw new Error(`${target.file} has no export "${target.exportName}" the compiler can see`);
  const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
  const declaration = symbol.valueDeclaration;
  const body = declaration && ts.isVariableDeclaration(declaration) ? declaration.initializer : declaration;
  return { type: checker.getTypeOfSymbol(symbol), declaration: body };
}

/** A factory export (a function of the config) stands for what it returns. */
function factoryResult(checker: ts.TypeChecker, type: ts.Type): ts.Type {
  const [signature] = type.getCallSignatures();
  return signature && !type.getProperty("invoke") ? signature.getReturnType() : type;
}

function propertyType(checker: ts.TypeChecker, type: ts.Type, name: string): ts.Type | undefined {
  const symbol = type.getProperty(name);
  return symbol && checker.getTypeOfSymbol(symbol);
}

/**
 * The context (config) schema: what each channel of the graph's context annotation takes. An
 * annotation written without a call (`Annotation<string>`) is the channel its call returns.
 */
function configSchema(checker: ts.TypeChecker, compiled: ts.Type, converter: () => JsonSchemaOfType) {
  const builder = propertyType(checker, compiled, "builder");
  const definition = builder && propertyType(checker, builder, "_configSchema");
  if (!definition) return null;
  const entries = checker.getPropertiesOfType(checker.getNonNullableType(definition)).flatMap((symbol) => {
    let channel = checker.getTypeOfSymbol(symbol);
    const call = channel.getCallSignatures().find((s) => s.getParameters().length === 0);
    if (!channel.getProperty("UpdateType") && call) channel = call.getReturnType();
    const type = propertyType(checker, channel, "UpdateType");
    return type ? [{ symbol, type }] : [];
  });
  // No keys (LangGraph's catch-all StateDefinition): an object of nothing known, as langgraphjs dev says.
  return converter().rootOfProperties(entries);
}
