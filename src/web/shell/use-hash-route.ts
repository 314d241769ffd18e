import { useEffect, useState } from "react";

/** The open thread, from the page's hash: `#/t/<thread id>` (the list's id), or none for a new chat. */
export interface Route {
  threadId: string | null;
}

function parse(hash: string): Route {
  const match = /^#\/t\/([^/?#]+)/.exec(hash);
  return { threadId: match ? decodeURIComponent(match[1]) : null };
}

export function threadHref(threadId: string | null): string {
  return threadId ? `#/t/${encodeURIComponent(threadId)}` : "#/";
}

/** Hash routing: the service's own paths (`/threads/...` is the Agent Server API) stay untouched. */
export function useHashRoute(): [Route, (threadId: string | null) => void] {
  const [route, setRoute] = useState(() => parse(window.location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parse(window.location.hash));
    window.addEventListener("hashchange", onChange);
    return () => window.removeEventListener("hashchange", onChange);
  }, []);
  const open = (threadId: string | null) => {
    window.location.hash = threadHref(threadId);
  };
  return [route, open];
}
