/** A graph that keeps no messages: its state and the live run's node updates, as JSON. */
export function StateView({ values, updates }: { values: Record<string, unknown> | null; updates: { node: string; update: unknown }[] }) {
  return (
    <section className="state-view" aria-label="Graph state">
      <p className="note">This graph keeps no messages: see the inspector for its checkpoints. Send its input as JSON below.</p>
      {updates.length > 0 && (
        <>
          <h3>This run</h3>
          <ol className="updates" aria-label="Run updates">
            {updates.map((u, i) => (
              <li key={i}>
                <span className="tool-name">{u.node}</span>
                <pre>{JSON.stringify(u.update, null, 2)}</pre>
              </li>
            ))}
          </ol>
        </>
      )}
      {values && (
        <>
          <h3>State</h3>
          <pre className="state-json" aria-label="State values">{JSON.stringify(values, null, 2)}</pre>
        </>
      )}
    </section>
  );
}
