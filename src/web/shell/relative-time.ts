const FORMAT = new Intl.RelativeTimeFormat(undefined, { numeric: "auto", style: "short" });
const STEPS: [Intl.RelativeTimeFormatUnit, number][] = [["second", 60], ["minute", 60], ["hour", 24], ["day", 7], ["week", 4.35], ["month", 12], ["year", Infinity]];

/** "5 min. ago", "yesterday": how long ago `iso` was, in the reader's language. */
export function relativeTime(iso: string, now = Date.now()): string {
  let amount = (new Date(iso).getTime() - now) / 1000;
  if (Math.abs(amount) < 45) return FORMAT.format(0, "second");
  for (const [unit, size] of STEPS) {
    if (Math.abs(amount) < size) return FORMAT.format(Math.round(amount), unit);
    amount /= size;
  }
  return new Date(iso).toLocaleDateString();
}
