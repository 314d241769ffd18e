export function DocPane() {
  return <p className="empty">Documents a run writes appear here.</p>;
}
