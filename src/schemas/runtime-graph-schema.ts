import { toJsonSchema } from "@langchain/core/utils/json_schema";
import { isInteropZodSchema } from "@langchain/core/utils/types";
import { getConfigTypeSchema, getInputTypeSchema, getOutputTypeSchema, getStateTypeSchema } from "@langchain/langgraph/zod/schema";
import { type GraphSchema, type JsonSchema, NO_SCHEMA } from "./graph-schema.js";

/** LangGraph's marker for an input that is the state's, every key optional (an Annotation graph's default). */
const PARTIAL_STATE = Symbol.for("langgraph.state.partial");

interface Builder {
  _schemaRuntimeDefinition?: unknown;
  _inputRuntimeDefinition?: unknown;
  _outputRuntimeDefinition?: unknown;
  _configRuntimeSchema?: unknown;
}

/**
 * The schemas a compiled graph carries at run time: those of a `StateSchema` or Zod state (v3 or v4)
 * and of a Zod context, by LangGraph's own readers, which add `jsonSchemaExtra` (`withLangGraph`'s,
 * MessagesValue's `langgraph_type: "messages"`). A Zod schema those cannot read is converted plainly,
 * without the extras. An `Annotation` graph has none of these: each part is then null.
 */
export function runtimeGraphSchema(graph: unknown): GraphSchema {
  const builder = (graph as { builder?: Builder } | null)?.builder;
  if (!builder || typeof builder !== "object") return NO_SCHEMA;
  const input = builder._inputRuntimeDefinition === PARTIAL_STATE ? builder._schemaRuntimeDefinition : builder._inputRuntimeDefinition;
  return {
    state: read(() => getStateTypeSchema(graph), builder._schemaRuntimeDefinition),
    input: read(() => getInputTypeSchema(graph), input),
    output: read(() => getOutputTypeSchema(graph), builder._outputRuntimeDefinition),
    config: read(() => getConfigTypeSchema(graph), builder._configRuntimeSchema),
  };
}

function read(withExtras: () => unknown, definition: unknown): JsonSchema | null {
  if (definition === undefined || definition === null) return null;
  try {
    const schema = withExtras();
    if (isSchema(schema)) return schema;
  } catch {
    // A Zod schema LangGraph's registry does not know: converted plainly below.
  }
  if (!isInteropZodSchema(definition)) return null;
  try {
    const schema = toJsonSchema(definition);
    return isSchema(schema) ? schema : null;
  } catch {
    return null;
  }
}

function isSchema(value: unknown): value is JsonSchema {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
