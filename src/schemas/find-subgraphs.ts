import ts from "typescript";

/** A compiled LangGraph graph's type, from a compiled graph, a StateGraph (what `compile()` returns), createAgent's agent or a Promise of one. */
export function compiledGraphType(checker: ts.TypeChecker, type: ts.Type): ts.Type | undefined {
  const awaited = checker.getAwaitedType(type) ?? type;
  const property = (name: string) => {
    const symbol = awaited.getProperty(name);
    return symbol && checker.getTypeOfSymbol(symbol);
  };
  if (awaited.getProperty("builder") && awaited.getProperty("~RunOutput")) return awaited;
  const compile = property("compile");
  if (compile && awaited.getProperty("addNode")) {
    const [signature] = compile.getCallSignatures();
    return signature && compiledGraphType(checker, signature.getReturnType());
  }
  const inner = property("graph");
  return inner && inner !== awaited ? compiledGraphType(checker, inner) : undefined;
}

/**
 * The subgraphs a graph's source adds as nodes, by namespace as `getSubgraphsAsync` names them
 * (`node`, `node|inner`), each with its compiled type. Read from the code: `addNode("name", x)`
 * where x is a graph, or a function using one (the first found); a graph variable is followed to
 * where it is built.
 */
export function findSubgraphs(checker: ts.TypeChecker, root: ts.Node): Map<string, ts.Type> {
  const found = new Map<string, ts.Type>();
  const seen = new Set<ts.Node>();

  const graphVariables = (node: ts.Node): ts.VariableDeclaration[] => {
    const variables: ts.VariableDeclaration[] = [];
    const visit = (n: ts.Node) => {
      if (ts.isIdentifier(n)) {
        const symbol = checker.getSymbolAtLocation(n);
        const target = symbol && symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
        const declaration = target?.valueDeclaration;
        if (declaration && ts.isVariableDeclaration(declaration) && declaration.initializer && compiledGraphType(checker, checker.getTypeAtLocation(declaration))) {
          variables.push(declaration);
        }
      }
      ts.forEachChild(n, visit);
    };
    visit(node);
    return variables;
  };

  const visitGraph = (node: ts.Node, namespace: string[]) => {
    if (seen.has(node)) return;
    seen.add(node);
    const calls = addNodeCalls(node);
    if (calls.length === 0) {
      // `export const graph = builder.compile()`: the nodes are added where `builder` is built.
      for (const variable of graphVariables(node)) visitGraph(variable.initializer!, namespace);
      return;
    }
    for (const call of calls) {
      const [nameArg, action] = call.arguments;
      if (!nameArg || !ts.isStringLiteralLike(nameArg) || !action) continue;
      const ns = [...namespace, nameArg.text];
      const direct = compiledGraphType(checker, checker.getTypeAtLocation(action));
      if (direct) {
        found.set(ns.join("|"), direct);
        visitGraph(action, ns);
        continue;
      }
      // A node function that calls a graph: that graph is the node's subgraph.
      const [used] = graphVariables(action);
      if (!used) continue;
      found.set(ns.join("|"), compiledGraphType(checker, checker.getTypeAtLocation(used))!);
      visitGraph(used.initializer!, ns);
    }
  };

  visitGraph(root, []);
  return found;
}

/** `.addNode(...)` calls in a builder chain, not those inside their own arguments (a subgraph's). */
function addNodeCalls(node: ts.Node): ts.CallExpression[] {
  const calls: ts.CallExpression[] = [];
  const visit = (n: ts.Node) => {
    if (ts.isCallExpression(n) && ts.isPropertyAccessExpression(n.expression) && n.expression.name.text === "addNode") {
      calls.push(n);
      visit(n.expression.expression);
      return;
    }
    ts.forEachChild(n, visit);
  };
  visit(node);
  return calls.reverse();
}
