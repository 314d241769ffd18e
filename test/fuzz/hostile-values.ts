import type { Prng } from "./prng.js";

/** A value standing for a deeply nested array; the request serialiser splices the nesting in as text. */
export const DEEP = "\u0001deep\u0001";

/** Nesting deeper than any parser's recursion should follow. */
export const DEEP_LEVELS = 10_000;

/** Strings that have broken parsers, databases and encoders before. */
const STRINGS = [
  "", " ", "\u0000", "a\u0000b", "\ud800", "x\udfffy", "\ud83d\ude00", "%", "%E0%A4%A", "%00", "../../etc/passwd", "null", "undefined",
  "true", "0", "-1", "1e309", "NaN", "__proto__", "constructor", "' OR 1=1 --", "$1", "\\", "\"", "<script>", "\r\nX-Injected: 1",
  "data: forged\n\n", "٣", "00000000-0000-0000-0000-000000000000", "ffffffff-ffff-ffff-ffff-ffffffffffff", "1ef00000-0000-6000-8000-000000000000",
  "*", "values", "interrupt", "rollback", "enqueue", "reject", "create", "chat", "draft",
];

export function hostileString(rng: Prng): string {
  switch (rng.int(6)) {
    case 0:
      return "x".repeat(rng.pick([201, 1_001, 32_001, 100_000]));
    case 1:
      return rng.pick(["\ud800", "\u0000", "é", "🙂", "\u202e"]).repeat(rng.pick([2, 500, 5_000]));
    default:
      return rng.pick(STRINGS);
  }
}

/** A value of any JSON type (and a few JSON cannot say as such, via the serialiser), most of them wrong where they land. */
export function hostileValue(rng: Prng, depth = 0): unknown {
  switch (rng.int(depth > 2 ? 9 : 12)) {
    case 0: return null;
    case 1: return rng.chance(0.5);
    case 2: return rng.pick([0, -1, 1, 1.5, 2 ** 31, 2 ** 53 + 1, -1e308, 1e308, Number.MIN_VALUE]);
    case 3: case 4: return hostileString(rng);
    case 5: return DEEP;
    case 6: return rng.uuid();
    case 7: return [];
    case 8: return {};
    case 9: return Array.from({ length: rng.int(4) }, () => hostileValue(rng, depth + 1));
    case 10: return Object.fromEntries(Array.from({ length: rng.int(4) }, () => [rng.pick(["__proto__", "constructor", "a", "", "\u0000", "messages", "role"]), hostileValue(rng, depth + 1)]));
    default: return rng.pick([{ role: "user", content: hostileValue(rng, depth + 1) }, { type: "human", content: [{ type: "text", text: 1 }] }]);
  }
}
