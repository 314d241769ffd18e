import { describe, expect, it } from "vitest";
import { MessageLists, refKey } from "./message-lists.js";
import { RecentMessages } from "./recent-messages.js";

const put = (recent: RecentMessages, group: string, id: string, size = 10) => recent.set(group, refKey([id, "h"]), [id, "h"], { id }, size);
const keys = (recent: RecentMessages, group: string) => [...recent.entriesOf(group).keys()].map((k) => k.split("\0")[0]);

describe("recent messages", () => {
  it("drops the oldest entries of the least recently used thread first, and a read makes its whole thread recent", () => {
    const recent = new RecentMessages(40);
    put(recent, "a", "a1"), put(recent, "a", "a2"), put(recent, "b", "b1");
    recent.touch("a");
    put(recent, "a", "a3");
    expect(keys(recent, "b")).toEqual(["b1"]);
    put(recent, "a", "a4");
    expect(keys(recent, "b")).toEqual([]);
    put(recent, "c", "c1");
    expect(keys(recent, "a")).toEqual(["a2", "a3", "a4"]);
    expect(recent.get("c", refKey(["c1", "h"]))).toEqual({ id: "c1" });
  });

  it("keeps a thread's stamp while nothing of it is dropped, and a list found whole is checked again once it changes", () => {
    const recent = new RecentMessages(30);
    const lists = new MessageLists();
    put(recent, "t\0", "m1"), put(recent, "t\0", "m2");
    lists.remember("t\0\0messages", { version: "1", hash: "x", depth: 0, refs: [["m1", "h"], ["m2", "h"]] });
    let checks = 0;
    const whole = () => lists.wholeLists("t", "", recent.stamp("t\0"), (ref) => (checks++, recent.entriesOf("t\0").has(refKey(ref)))).map(([, version]) => version);
    const stamp = recent.stamp("t\0");
    expect(whole()).toEqual(["1"]);
    expect(whole()).toEqual(["1"]);
    expect(checks).toBe(2);
    put(recent, "t\0", "m3");
    expect(recent.stamp("t\0")).toBe(stamp);
    put(recent, "t\0", "m4");
    expect(recent.stamp("t\0")).not.toBe(stamp);
    expect(whole()).toEqual([]);
    recent.forgetThread("t");
    expect(recent.stamp("t\0")).toBe(0);
    put(recent, "t\0", "m1"), put(recent, "t\0", "m2");
    expect(recent.stamp("t\0")).not.toBe(stamp);
    expect(whole()).toEqual(["1"]);
  });
});
