import { tool } from "@langchain/core/tools";
import { z } from "zod";

/**
 * Tells the model the current time, which it cannot know from training data. The clock is
 * injectable so tests (and replayed runs) see a fixed instant.
 */
export function createCurrentTimeTool(now: () => Date = () => new Date()) {
  return tool(
    ({ timezone }) => {
      // Models sometimes send "" for an optional argument; treat it as "not given".
      const zone = timezone?.trim() || "UTC";
      let format: Intl.DateTimeFormat;
      try {
        format = new Intl.DateTimeFormat("en-US", {
          timeZone: zone,
          hourCycle: "h23",
          weekday: "long",
          year: "numeric",
          month: "long",
          day: "numeric",
          hour: "2-digit",
          minute: "2-digit",
          second: "2-digit",
          timeZoneName: "longOffset",
        });
      } catch (error) {
        // Returned, not thrown, so the model can retry with a valid zone.
        if (error instanceof RangeError) return `Error: unknown time zone ${zone}`;
        throw error;
      }
      return describeInstant(now(), zone, format);
    },
    {
      name: "current_time",
      description:
        "Get the current date and time. Use it whenever the answer depends on today's date or the time of day.",
      schema: z.object({
        timezone: z.string().optional().describe("IANA time zone, e.g. Europe/Paris; default UTC"),
      }),
    },
  );
}

function describeInstant(instant: Date, zone: string, format: Intl.DateTimeFormat): string {
  const parts: Partial<Record<Intl.DateTimeFormatPartTypes, string>> = {};
  for (const part of format.formatToParts(instant)) parts[part.type] = part.value;
  const offset = parseOffset(parts.timeZoneName ?? "");
  // Shifting by the offset and printing as UTC yields the zone's wall clock in ISO layout.
  const local = new Date(instant.getTime() + offset.minutes * 60_000).toISOString().slice(0, 19);
  const { weekday, day, month, year, hour, minute, second } = parts;
  return [
    `${local}${offset.label}`,
    `${weekday}, ${day} ${month} ${year}, ${hour}:${minute}:${second} in ${zone} (UTC${offset.label})`,
  ].join("\n");
}

// ICU spells a zero offset "GMT" in some versions and "GMT+00:00" in others.
function parseOffset(timeZoneName: string): { minutes: number; label: string } {
  const match = /^GMT([+-])(\d{2}):(\d{2})/.exec(timeZoneName);
  if (!match) return { minutes: 0, label: "+00:00" };
  const [, sign, hours, minutes] = match;
  const total = (Number(hours) * 60 + Number(minutes)) * (sign === "-" ? -1 : 1);
  return { minutes: total, label: `${sign}${hours}:${minutes}` };
}
