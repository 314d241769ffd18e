import type net from "node:net";
import { StartupError } from "../startup-error.js";

/** Listens, turning the errors a user can fix (port in use, no privileges, not this machine's address) into one line each. */
export function listenOn(server: net.Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const failed = (err: NodeJS.ErrnoException) => {
      if (err.code === "EADDRINUSE") reject(new StartupError(`port ${port} is in use: stop the other service or set PORT=<another port>`));
      else if (err.code === "EACCES") reject(new StartupError(`port ${port} needs privileges this user lacks: set PORT=<a port above 1023>`));
      else if (err.code === "EADDRNOTAVAIL") reject(new StartupError(`HOST=${host} is not an address of this machine: set HOST to one of its addresses`));
      else reject(err);
    };
    server.once("error", failed);
    server.listen(port, host, () => {
      server.off("error", failed);
      resolve();
    });
  });
}
