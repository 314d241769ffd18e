// Shape: Annotation graphs (types only at compile time): typed keys, separate input and output, a
// context annotation whose keys are documented, and a subgraph (a node that is a compiled graph).
import type { BaseMessage } from "@langchain/core/messages";
import { Annotation, END, messagesStateReducer, START, StateGraph } from "@langchain/langgraph";

export interface Ticket {
  /** Where the ticket is tracked. */
  id: string;
  priority: "low" | "high";
  tags: string[];
}

const TriageState = Annotation.Root({
  ticket: Annotation<Ticket>,
  escalated: Annotation<boolean | null>,
});

const triage = new StateGraph(TriageState)
  .addNode("decide", (s) => ({ escalated: s.ticket.priority === "high" }))
  .addEdge(START, "decide")
  .addEdge("decide", END);

const Output = Annotation.Root({
  messages: Annotation<BaseMessage[]>({ reducer: messagesStateReducer, default: () => [] }),
  status: Annotation<"open" | "closed">,
  attempts: Annotation<number>,
});

const Input = Annotation.Root({
  ...Output.spec,
  ticket: Annotation<Ticket>,
  note: Annotation<string | null>,
});

const Context = Annotation.Root({
  /** Which model answers. */
  model_name: Annotation<string>,
  temperature: Annotation<number>,
});

export const graph = new StateGraph({ input: Input, output: Output }, Context)
  .addNode("triage", triage.compile())
  .addNode("answer", () => ({ status: "closed" as const, attempts: 1 }))
  .addEdge(START, "triage")
  .addEdge("triage", "answer")
  .addEdge("answer", END)
  .compile();
