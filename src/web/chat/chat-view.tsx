export function ChatView() {
  return <p className="empty">The conversation goes here.</p>;
}
