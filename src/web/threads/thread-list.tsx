export function ThreadList() {
  return <p className="empty">Threads go here.</p>;
}
