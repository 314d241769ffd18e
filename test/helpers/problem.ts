import { expect } from "vitest";

/** Asserts an RFC 9457 problem response (status, type, detail) and returns its body for further checks. */
export async function expectProblem(res: Response, status: number, detail: RegExp): Promise<any> {
  expect({ status: res.status, type: res.headers.get("content-type") }).toEqual({ status, type: "application/problem+json; charset=utf-8" });
  const body = await res.json();
  expect(body).toMatchObject({ type: expect.stringMatching(/^about:blank#[a-z_]+$/), title: expect.any(String), status, detail: expect.stringMatching(detail) });
  return body;
}

/** `POST /api/chat` with a JSON body, the response unread. */
export const postChat = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${url}/api/chat`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });
