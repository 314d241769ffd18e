import { stat } from "node:fs/promises";
import type { Logger } from "pino";
import { AppError } from "../errors.js";
import { bundleUi, type UiFile } from "./bundle-ui.js";

/** A `ui` entry of the manifest: a graph id and the file of its components. */
export interface UiSpec {
  id: string;
  /** As the manifest writes it, for messages. */
  spec: string;
  file: string;
}

/**
 * The graphs' generative UI bundles (the manifest's `ui`), each built once, in the background from
 * start-up, and awaited by the first request that needs it. A bundle that does not build is one
 * log line; its graph's UI then answers a problem (ui_unavailable), the rest of the service is
 * unaffected.
 */
export class GraphUis {
  private readonly builds = new Map<string, Promise<UiFile[] | Error>>();

  constructor(private readonly specs: readonly UiSpec[], private readonly shared: readonly string[], private readonly logger: Logger) {}

  static none(logger: Logger): GraphUis {
    return new GraphUis([], [], logger);
  }

  get ids(): string[] {
    return this.specs.map((s) => s.id);
  }

  /** Starts every build (they run in the background). */
  start(): void {
    for (const spec of this.specs) void this.build(spec);
  }

  /** The graph's bundle; undefined when the manifest gives the graph no UI. */
  async files(graphId: string): Promise<UiFile[] | undefined> {
    const spec = this.specs.find((s) => s.id === graphId);
    if (!spec) return undefined;
    const built = await this.build(spec);
    if (built instanceof Error) throw new AppError("ui_unavailable", `The UI of "${graphId}" (${spec.spec}) did not build; the service's log says why.`);
    return built;
  }

  private build(spec: UiSpec): Promise<UiFile[] | Error> {
    let build = this.builds.get(spec.id);
    if (!build) {
      const started = Date.now();
      build = this.bundle(spec).then(
        (files) => {
          this.logger.info({ graphId: spec.id, files: files.map((f) => `${f.name} (${f.contents.length} bytes)`), ms: Date.now() - started }, `ui ${spec.id}: built ${spec.spec}`);
          return files;
        },
        (err: Error) => {
          this.logger.error({ graphId: spec.id, path: spec.file }, `ui ${spec.id} (${spec.spec}): the build failed: ${err.message}`);
          return err;
        },
      );
      this.builds.set(spec.id, build);
    }
    return build;
  }

  private async bundle(spec: UiSpec): Promise<UiFile[]> {
    try {
      await stat(spec.file);
    } catch {
      throw new Error(`${spec.file} does not exist`);
    }
    return bundleUi(spec.id, spec.file, this.shared);
  }
}
