import { useState } from "react";
import { ArgsForm } from "./args-form";
import { reviewConfigOf, type Decision, type HitlRequest } from "./hitl-types";

type Mode = "choose" | "edit" | "reject";

function decisionText(d: Decision): string {
  if (d.type === "approve") return "Approved";
  if (d.type === "edit") return "Approved with edited arguments";
  return d.message ? `Rejected: ${d.message}` : "Rejected";
}

function CallReview({ request, index, decision, busy, onDecide }: { request: HitlRequest; index: number; decision?: Decision; busy: boolean; onDecide(d: Decision | undefined): void }) {
  const action = request.action_requests[index];
  const config = reviewConfigOf(request, index);
  const [mode, setMode] = useState<Mode>("choose");
  const [message, setMessage] = useState("");
  const allowed = new Set(config.allowed_decisions);
  return (
    <section className="hitl-call" aria-label={`Review ${action.name}`}>
      <h3>
        <span className="tool-name">{action.name}</span>
        {request.action_requests.length > 1 && <span className="muted"> · call {index + 1} of {request.action_requests.length}</span>}
      </h3>
      {action.description && <p className="muted hitl-description">{action.description}</p>}
      {mode !== "edit" && <pre className="tool-args" aria-label="Arguments">{JSON.stringify(action.args, null, 2)}</pre>}
      {decision ? (
        <div className="row-actions">
          <span className="decided">{decisionText(decision)}</span>
          <button type="button" disabled={busy} onClick={() => { onDecide(undefined); setMode("choose"); }}>
            Change decision
          </button>
        </div>
      ) : mode === "edit" ? (
        <ArgsForm schema={config.args_schema} args={action.args} submitLabel="Run with these arguments" onCancel={() => setMode("choose")}
          onSubmit={(args) => onDecide({ type: "edit", edited_action: { name: action.name, args } })} />
      ) : mode === "reject" ? (
        <form className="reject-form" aria-label="Reject" onSubmit={(e) => { e.preventDefault(); onDecide({ type: "reject", ...(message.trim() ? { message: message.trim() } : {}) }); }}>
          <label>
            <span>Why (told to the model)</span>
            <textarea aria-label="Reason for rejecting" rows={2} value={message} onChange={(e) => setMessage(e.target.value)} autoFocus />
          </label>
          <div className="row-actions">
            <button type="button" onClick={() => setMode("choose")}>
              Cancel
            </button>
            <button type="submit" className="danger">
              Confirm reject
            </button>
          </div>
        </form>
      ) : (
        <div className="row-actions">
          {allowed.has("approve") && (
            <button type="button" className="primary" disabled={busy} onClick={() => onDecide({ type: "approve" })}>
              Approve
            </button>
          )}
          {allowed.has("edit") && (
            <button type="button" disabled={busy} onClick={() => setMode("edit")}>
              Edit
            </button>
          )}
          {allowed.has("reject") && (
            <button type="button" className="danger" disabled={busy} onClick={() => setMode("reject")}>
              Reject
            </button>
          )}
        </div>
      )}
    </section>
  );
}

/**
 * The standard approval pause: each pending call decided on its own (approve, edit its arguments,
 * reject with a message); all decisions go in one resume, in the order of the calls.
 */
export function HitlReview({ request, busy, onResume }: { request: HitlRequest; busy: boolean; onResume(resume: { decisions: Decision[] }): void }) {
  const count = request.action_requests.length;
  const [decisions, setDecisions] = useState<(Decision | undefined)[]>(() => Array(count).fill(undefined));
  const ready = decisions.every(Boolean);
  function decide(i: number, d: Decision | undefined) {
    const next = decisions.slice();
    next[i] = d;
    setDecisions(next);
    // One call: its decision is the whole answer, sent at once.
    if (count === 1 && d) onResume({ decisions: [d] });
  }
  return (
    <div className="hitl">
      {request.action_requests.map((_, i) => (
        <CallReview key={i} request={request} index={i} decision={count === 1 ? undefined : decisions[i]} busy={busy} onDecide={(d) => decide(i, d)} />
      ))}
      {count > 1 && (
        <div className="row-actions">
          <button type="button" className="primary" disabled={!ready || busy} onClick={() => onResume({ decisions: decisions as Decision[] })}>
            Send decisions
          </button>
        </div>
      )}
    </div>
  );
}
