import { afterEach, describe, expect, it } from "vitest";
import { readManifest } from "../src/manifest/read-manifest.js";
import { StartupError } from "../src/startup-error.js";
import { writeManifest, type WrittenManifest } from "./helpers/write-manifest.js";

describe("the manifest's checkpointer block", () => {
  let written: WrittenManifest | undefined;
  afterEach(async () => {
    await written?.remove();
    written = undefined;
  });
  const read = async (checkpointer: unknown) => {
    written = await writeManifest({ graphs: { chat: "./chat.ts:graph" }, checkpointer });
    return readManifest(written.file);
  };

  it("is optional: no TTL without it", async () => {
    written = await writeManifest({ graphs: { chat: "./chat.ts:graph" } });
    expect((await readManifest(written.file)).checkpointerTtl).toBeUndefined();
    expect((await read({})).checkpointerTtl).toBeUndefined();
    expect((await read({ ttl: null })).checkpointerTtl).toBeUndefined();
  });

  it("reads ttl as LangGraph's platform writes it, with its defaults", async () => {
    expect((await read({ ttl: { strategy: "delete", sweep_interval_minutes: 60, default_ttl: 43200 } })).checkpointerTtl).toEqual({
      strategy: "delete", defaultTtlMinutes: 43200, sweepIntervalMinutes: 60, sweepLimit: 1000,
    });
    expect((await read({ backend: "default", ttl: { default_ttl: 10, strategy: "keep_latest", sweep_limit: 20 }, serde: { pickle_fallback: false } })).checkpointerTtl).toEqual({
      strategy: "keep_latest", defaultTtlMinutes: 10, sweepIntervalMinutes: 5, sweepLimit: 20,
    });
  });

  it.each([
    [{ ttl: { strategy: "archive", default_ttl: 10 } }, /checkpointer\.ttl\.strategy must be "delete" or "keep_latest"$/],
    [{ ttl: { strategy: "delete" } }, /checkpointer\.ttl\.default_ttl is required: minutes after a thread's last change/],
    [{ ttl: { default_ttl: 0 } }, /checkpointer\.ttl\.default_ttl must be a positive number of minutes$/],
    [{ ttl: { default_ttl: "30d" } }, /checkpointer\.ttl\.default_ttl is required/],
    [{ ttl: { default_ttl: 10, sweep_interval_minutes: -1 } }, /checkpointer\.ttl\.sweep_interval_minutes must be a positive number of minutes$/],
    [{ ttl: { default_ttl: 10, sweep_limit: 2.5 } }, /checkpointer\.ttl\.sweep_limit must be a whole number of threads$/],
    [{ ttl: { default_ttl: 10, default_tll: 5 } }, /checkpointer\.ttl Unrecognized key: "default_tll"$/],
    [{ ttl: "30 days" }, /checkpointer\.ttl /],
    [{ backend: "mongo" }, /checkpointer\.backend must be "default": threadloom always uses its PostgreSQL checkpointer$/],
    ["postgres", /checkpointer /],
  ])("refuses %j at start-up, naming the field", async (checkpointer, message) => {
    const err = await read(checkpointer).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StartupError);
    expect((err as Error).message).toMatch(/langgraph\.json: checkpointer/);
    expect((err as Error).message).toMatch(message);
  });
});
