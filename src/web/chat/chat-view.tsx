import { ThreadHeader } from "../threads/thread-header";

// Placeholder on the web-threads branch only, so the header can be tested: the chat's own
// ChatView (which renders <ThreadHeader/> at its top) replaces this file on merge.
export function ChatView() {
  return (
    <>
      <ThreadHeader />
      <p className="empty">The conversation goes here.</p>
    </>
  );
}
