/** A problem (RFC 9457) the service answered, or a network failure (status 0). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    detail: string,
    readonly invalidParams: { name: string; reason: string }[] = [],
    /** The problem's whole body: some carry more (a 409 provider_in_use lists the assistants). */
    readonly problem: Record<string, unknown> = {},
  ) {
    super(detail || title);
    this.name = "ApiError";
  }

  static async from(res: Response): Promise<ApiError> {
    const body = (await res.json().catch(() => null)) as { title?: string; detail?: string; invalid_params?: { name: string; reason: string }[] } | null;
    return new ApiError(res.status, body?.title ?? res.statusText, body?.detail ?? "", body?.invalid_params ?? [], body ?? {});
  }
}
