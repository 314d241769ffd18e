/** The `performance.mark` set once a thread's first page of checkpoints is painted: the bench reads it. */
export const TIMELINE_PAINTED_MARK = "threadloom:timeline-painted";
