import { HitlReview } from "./hitl-review";
import { isHitlRequest } from "./hitl-types";
import { InterruptForm } from "./interrupt-form";

export interface PendingInterrupt {
  id?: string;
  value: unknown;
}

/** A paused run: what it waits for, and the form that answers it (the run resumes with the answer). */
export function ApprovalPanel({ pending, busy, error, onResume }: { pending: PendingInterrupt; busy: boolean; error: string | null; onResume(resume: unknown): void }) {
  const hitl = isHitlRequest(pending.value);
  return (
    <section className="approval" aria-label={hitl ? "Approval needed" : "The graph asks"}>
      <h2>{hitl ? "Approval needed" : "The graph is waiting for your answer"}</h2>
      {hitl ? <HitlReview request={pending.value as never} busy={busy} onResume={onResume} /> : <InterruptForm value={pending.value} busy={busy} onResume={onResume} />}
      {error && (
        <p className="error-text" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}
