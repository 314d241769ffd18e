export function InspectorPanel() {
  return <p className="empty">The inspector goes here.</p>;
}
