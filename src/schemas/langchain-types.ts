import ts from "typescript";

/** LangGraph's `Overwrite` wrapper in an update type: a way to write a value, not a value of the state. */
export function isOverwrite(type: ts.Type): boolean {
  return type.getSymbol()?.name === "OverwriteValue" || type.aliasSymbol?.name === "OverwriteValue";
}

/** LangChain's BaseMessage or a class derived from it (any of them, in a union). */
export function isLangChainMessage(checker: ts.TypeChecker, type: ts.Type, seen = new Set<ts.Type>()): boolean {
  if (seen.has(type)) return false;
  seen.add(type);
  if (type.isUnion()) return type.types.length > 0 && type.types.every((t) => isLangChainMessage(checker, t, seen));
  const symbol = type.getSymbol();
  if (!symbol || !(symbol.flags & ts.SymbolFlags.Class)) return false;
  const fromCore = symbol.declarations?.some((d) => /[\\/]@langchain[\\/]core[\\/]/.test(d.getSourceFile().fileName));
  if (symbol.name === "BaseMessage" && fromCore) return true;
  const target = (type as ts.TypeReference).target ?? type;
  return (checker.getBaseTypes(target as ts.InterfaceType) ?? []).some((base) => isLangChainMessage(checker, base, seen));
}

/** A LangChain message, or a union with one among its members. */
export function mentionsMessage(checker: ts.TypeChecker, type: ts.Type | undefined): boolean {
  if (!type) return false;
  return type.isUnion() ? type.types.some((t) => isLangChainMessage(checker, t)) : isLangChainMessage(checker, type);
}

/** The message type of a list of message-likes: its first LangChain message member. */
export function messageBase(checker: ts.TypeChecker, list: ts.Type): ts.Type {
  const element = checker.getTypeArguments(list as ts.TypeReference)[0];
  return element.isUnion() ? element.types.find((t) => isLangChainMessage(checker, t))! : element;
}
