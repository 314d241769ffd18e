/**
 * The texts an index field names in an item's value, each with the field it came from: `$` the whole
 * value (as JSON), `a.b` a nested field, `a[0]`, `a[-1]` (the last) and `a[*]` (every) element of an
 * array. Strings are themselves, other scalars their JSON, objects and arrays their JSON; a path that
 * leads nowhere names nothing. Several texts are told apart as `field.0`, `field.1`, …
 */
export function fieldTexts(value: unknown, path: string): { field: string; text: string }[] {
  const texts = path === "$" ? [JSON.stringify(value)] : walk([value], steps(path)).flatMap(asText);
  const kept = texts.map((t) => t.trim()).filter((t) => t !== "");
  return kept.map((text, i) => ({ field: kept.length > 1 ? `${path}.${i}` : path, text }));
}

type Step = { key: string } | { index: number | "*" };

function steps(path: string): Step[] {
  const out: Step[] = [];
  for (const part of path.split(".")) {
    const m = /^([^[\]]*)((?:\[(?:-?\d+|\*)\])*)$/.exec(part);
    if (!m) return [{ key: part }];
    if (m[1]) out.push({ key: m[1] });
    for (const [, index] of m[2].matchAll(/\[(-?\d+|\*)\]/g)) out.push({ index: index === "*" ? "*" : Number(index) });
  }
  return out;
}

function walk(values: unknown[], path: Step[]): unknown[] {
  let current = values;
  for (const step of path) {
    current = current.flatMap((v): unknown[] => {
      if ("key" in step) return typeof v === "object" && v !== null && !Array.isArray(v) && Object.hasOwn(v, step.key) ? [(v as Record<string, unknown>)[step.key]] : [];
      if (!Array.isArray(v)) return [];
      if (step.index === "*") return v;
      const at = step.index < 0 ? v.length + step.index : step.index;
      return at >= 0 && at < v.length ? [v[at]] : [];
    });
  }
  return current;
}

function asText(value: unknown): string[] {
  if (value === null || value === undefined) return [];
  return [typeof value === "string" ? value : JSON.stringify(value)];
}
