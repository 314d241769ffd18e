import type { HeaderRow } from "./provider-draft";

/**
 * Extra headers sent with every request (an organisation id, a gateway's token). Their values are
 * write-only, like the key: the stored ones show by name, and changing them means typing the whole
 * set again, which is what the API replaces.
 */
export function HeadersField(props: { stored: string[]; rows: HeaderRow[] | null; error?: string; onChange(rows: HeaderRow[] | null): void }) {
  const { stored, rows, error } = props;
  const set = (i: number, row: Partial<HeaderRow>) => rows && props.onChange(rows.map((r, j) => (j === i ? { ...r, ...row } : r)));
  return (
    <fieldset className="settings-section headers-field" aria-describedby={error ? "provider-headers-error" : undefined}>
      <legend>Extra headers</legend>
      {rows === null ? (
        <>
          {stored.length === 0 ? (
            <p className="muted">None.</p>
          ) : (
            <ul className="header-names" aria-label="Stored headers">
              {stored.map((name) => (
                <li key={name}>
                  <code>{name}</code> <span className="muted">value hidden</span>
                </li>
              ))}
            </ul>
          )}
          <div className="row-actions">
            <button type="button" onClick={() => props.onChange(stored.map((name) => ({ name, value: "" })))}>
              {stored.length === 0 ? "Add headers" : "Change headers"}
            </button>
            {stored.length > 0 && (
              <button type="button" className="danger" onClick={() => props.onChange([])}>
                Remove all headers
              </button>
            )}
          </div>
        </>
      ) : (
        <>
          {stored.length > 0 && <p className="muted">{rows.length === 0 ? "All headers are removed when you save." : "Type every value again: saving replaces the whole set."}</p>}
          {rows.map((row, i) => (
            <div className="header-row" key={i}>
              <input aria-label={`Header ${i + 1} name`} placeholder="X-Org" spellCheck={false} value={row.name} onChange={(e) => set(i, { name: e.target.value })} />
              <input aria-label={`Header ${i + 1} value`} type="password" autoComplete="off" placeholder="value" value={row.value} onChange={(e) => set(i, { value: e.target.value })} />
              <button type="button" className="icon" aria-label={`Remove header ${i + 1}`} onClick={() => props.onChange(rows.filter((_, j) => j !== i))}>
                ×
              </button>
            </div>
          ))}
          <div className="row-actions">
            <button type="button" onClick={() => props.onChange([...rows, { name: "", value: "" }])}>
              Add header
            </button>
            {stored.length > 0 && (
              <button type="button" onClick={() => props.onChange(null)}>
                Keep the stored headers
              </button>
            )}
          </div>
        </>
      )}
      {error && (
        <small id="provider-headers-error" className="error-text">
          Headers: {error}
        </small>
      )}
    </fieldset>
  );
}
