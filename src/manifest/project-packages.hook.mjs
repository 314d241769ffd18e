// A module resolve hook (node:module register): a graph file outside the project gets the project's
// copies of LangGraph and LangChain, so there is one copy of each in the process (instanceof checks,
// Command, interrupt() and the checkpointer's classes work across the graph and the service), and
// any package its own folder does not have is looked for in the project.
const SHARED = /^(@langchain\/(core|langgraph|langgraph-checkpoint|langgraph-sdk|openai)|langchain)(\/.*)?$/;
const BARE = /^(?![./]|[a-z][a-z0-9+.-]*:)/i;

let projectURL;
let projectRoot;

export function initialize(data) {
  projectURL = data.projectURL;
  projectRoot = new URL(".", projectURL).href;
}

export async function resolve(specifier, context, nextResolve) {
  const outside = context.parentURL?.startsWith("file:") && !context.parentURL.startsWith(projectRoot);
  if (!outside || !BARE.test(specifier)) return nextResolve(specifier, context);
  if (SHARED.test(specifier)) {
    try {
      return await nextResolve(specifier, { ...context, parentURL: projectURL });
    } catch {
      // Not a dependency of the project: the graph's own folder may have it.
    }
  }
  try {
    return await nextResolve(specifier, context);
  } catch (err) {
    try {
      return await nextResolve(specifier, { ...context, parentURL: projectURL });
    } catch {
      throw err;
    }
  }
}
