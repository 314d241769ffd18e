// Shape: a compiled parent graph whose node "research" is a compiled subgraph with its own state keys; the subgraph pauses with interrupt().
import { Annotation, END, interrupt, START, StateGraph } from "@langchain/langgraph";

const ResearchState = Annotation.Root({
  topic: Annotation<string>,
  // The subgraph's own keys: the parent never sees them, only its checkpoints (namespace "research:…") do.
  notes: Annotation<string[]>({ reducer: (notes, more) => notes.concat(more), default: () => [] }),
  verdict: Annotation<string>,
  report: Annotation<string>,
});

const research = new StateGraph(ResearchState)
  .addNode("gather", (s) => ({ notes: [`${s.topic} is old`, `${s.topic} is popular`] }))
  .addNode("review", (s) => {
    const verdict = interrupt({ question: "Are these notes right?", notes: s.notes }) as string;
    return { verdict, report: `${s.topic}: ${s.notes.join("; ")} (${verdict})` };
  })
  .addEdge(START, "gather")
  .addEdge("gather", "review")
  .addEdge("review", END)
  .compile();

const ParentState = Annotation.Root({
  topic: Annotation<string>,
  report: Annotation<string>,
  published: Annotation<boolean>,
});

export const graph = new StateGraph(ParentState)
  .addNode("research", research)
  .addNode("publish", () => ({ published: true }))
  .addEdge(START, "research")
  .addEdge("research", "publish")
  .addEdge("publish", END)
  .compile();
