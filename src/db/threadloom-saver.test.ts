import { validate } from "@langchain/langgraph-checkpoint-validation";
import { createTestDatabase } from "../../test/helpers/test-database.js";
import { createCheckpointer } from "./create-checkpointer.js";
import type { ThreadloomSaver } from "./threadloom-saver.js";

// LangGraph's own conformance suite for checkpoint savers, run against ours on a real PostgreSQL:
// each set of validations gets a fresh database cloned from the migrated template.
validate<ThreadloomSaver>({
  checkpointerName: "ThreadloomSaver",
  async createCheckpointer() {
    const db = await createTestDatabase();
    return createCheckpointer(db.pool);
  },
});
