// The part of jsdom's API the tests use (jsdom ships no types of its own).
declare module "jsdom" {
  export class JSDOM {
    constructor(html?: string, options?: { runScripts?: "dangerously" | "outside-only"; url?: string });
    readonly window: Window & { eval(code: string): unknown; close(): void };
  }
}
