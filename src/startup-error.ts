/**
 * A start-up failure the user can fix (a port in use, a data directory in use, a database that
 * cannot be reached): `main` prints its message as one line, without a stack, and exits with 1.
 */
export class StartupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StartupError";
  }
}
