import { describe, expect, it } from "vitest";
import { createCurrentTimeTool } from "./current-time.js";

// 2024-03-10 is the day US daylight saving time starts (07:00Z), which the New York case relies on.
const fixedClock = () => new Date("2024-03-10T14:04:05.678Z");

function ask(timezone?: string): Promise<unknown> {
  return createCurrentTimeTool(fixedClock).invoke(timezone === undefined ? {} : { timezone });
}

describe("createCurrentTimeTool", () => {
  it("is named current_time", () => {
    expect(createCurrentTimeTool().name).toBe("current_time");
  });

  it("defaults to UTC", async () => {
    await expect(ask()).resolves.toBe("2024-03-10T14:04:05+00:00\nSunday, 10 March 2024, 14:04:05 in UTC (UTC+00:00)");
    await expect(ask("  ")).resolves.toBe("2024-03-10T14:04:05+00:00\nSunday, 10 March 2024, 14:04:05 in UTC (UTC+00:00)");
  });

  it.each([
    ["Europe/Paris", "2024-03-10T15:04:05+01:00\nSunday, 10 March 2024, 15:04:05 in Europe/Paris (UTC+01:00)"],
    ["America/New_York", "2024-03-10T10:04:05-04:00\nSunday, 10 March 2024, 10:04:05 in America/New_York (UTC-04:00)"],
    ["Asia/Kolkata", "2024-03-10T19:34:05+05:30\nSunday, 10 March 2024, 19:34:05 in Asia/Kolkata (UTC+05:30)"],
    ["Pacific/Kiritimati", "2024-03-11T04:04:05+14:00\nMonday, 11 March 2024, 04:04:05 in Pacific/Kiritimati (UTC+14:00)"],
  ])("renders %s", async (timezone, expected) => {
    await expect(ask(timezone)).resolves.toBe(expected);
  });

  it("reads the clock on every call", async () => {
    let ms = Date.UTC(2030, 0, 1, 23, 59, 59);
    const timeTool = createCurrentTimeTool(() => new Date(ms));
    await expect(timeTool.invoke({})).resolves.toBe("2030-01-01T23:59:59+00:00\nTuesday, 1 January 2030, 23:59:59 in UTC (UTC+00:00)");
    ms += 1000;
    await expect(timeTool.invoke({})).resolves.toBe("2030-01-02T00:00:00+00:00\nWednesday, 2 January 2030, 00:00:00 in UTC (UTC+00:00)");
  });

  it("returns an error string for an unknown time zone", async () => {
    await expect(ask("Mars/Olympus_Mons")).resolves.toBe("Error: unknown time zone Mars/Olympus_Mons");
  });
});
