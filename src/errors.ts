/** The closed set of failures domain and storage code report; only the HTTP layer maps them to statuses. */
export type ErrorCode = "invalid_request" | "unauthorized" | "forbidden" | "not_found" | "gone" | "conflict" | "payload_too_large" | "unavailable" | "forbidden_origin" | "misdirected_host" | "rate_limited" | "quota_exceeded" | "ui_unavailable"
  // Model providers (issue 16).
  | "secrets_key_missing" | "secrets_unreadable" | "provider_in_use" | "address_refused"
  // A provider_id that names none of the tenant's providers.
  | "unknown_provider";

export interface InvalidField {
  name: string;
  reason: string;
}

export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly extra: { fields?: InvalidField[]; [key: string]: unknown } = {},
  ) {
    super(message);
    this.name = "AppError";
  }
}

export const notFound = (what: string, id: string) => new AppError("not_found", `${what} ${id} was not found.`);

/** No assistant by that id (nor a graph by that name), worded as LangGraph's Agent Server words it. */
export const noAssistant = (id: string, graphIds?: readonly string[]) =>
  new AppError(
    "not_found",
    `No assistant found for "${id}". Make sure the assistant ID is for a valid assistant or a valid graph ID${graphIds ? ` (graphs: ${graphIds.join(", ")})` : ""}.`,
  );
