/**
 * Server-Sent Events framing as pure string functions, so encoders can be tested byte for byte
 * and the HTTP layer only ever writes finished frames.
 *
 * Field order is event, id, retry, data. Clients accept any order (WHATWG HTML §9.2.6), but
 * keeping one order makes frames diffable and lets tests pin exact bytes.
 */

export interface SseMessage {
  event?: string;
  id?: string;
  data: string;
  retry?: number;
}

export function formatSse(message: SseMessage): string {
  let frame = "";
  if (message.event !== undefined) {
    // A line break would end the field early and let the rest be read as a forged field.
    assertSingleLine("event", message.event);
    frame += `event: ${message.event}\n`;
  }
  if (message.id !== undefined) {
    assertSingleLine("id", message.id);
    // Browsers silently ignore an id containing NUL, which would break Last-Event-ID resumption.
    if (message.id.includes("\0")) throw new TypeError("SSE id must not contain NUL");
    frame += `id: ${message.id}\n`;
  }
  if (message.retry !== undefined) {
    // Clients ignore a retry value that is not all ASCII digits, so reject what they would drop.
    if (!Number.isSafeInteger(message.retry) || message.retry < 0) {
      throw new TypeError(`SSE retry must be a non-negative integer, got ${message.retry}`);
    }
    frame += `retry: ${message.retry}\n`;
  }
  // Empty data still gets one `data: ` line: without it the client drops the event entirely.
  for (const line of splitLines(message.data)) frame += `data: ${line}\n`;
  return `${frame}\n`;
}

/** A comment frame: clients ignore it, but it keeps proxies from closing an idle stream. */
export function formatSseComment(text: string): string {
  return `${splitLines(text)
    .map((line) => `: ${line}\n`)
    .join("")}\n`;
}

function assertSingleLine(field: string, value: string): void {
  if (/[\r\n]/.test(value)) throw new TypeError(`SSE ${field} must not contain CR or LF`);
}

// The event-stream grammar ends a line at CRLF, a lone CR or a lone LF; all three must be split.
function splitLines(text: string): string[] {
  return text.split(/\r\n|\r|\n/);
}
