export function AssistantEditor() {
  return <p className="empty">The assistant editor goes here.</p>;
}
