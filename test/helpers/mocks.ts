// Pulumi mocks for unit tests: record every registered resource and fail on invokes nobody mocked,
// so a test sees exactly what a program would ask of the engine. Each node:test file runs in its own
// process, so call setupMocks() once at the top of a file.
import * as pulumi from "@pulumi/pulumi";

export interface Registered {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
  provider?: string;
}

export interface MockOptions {
  /** Stack config, keyed "project:key" -> value (objects are JSON-encoded). */
  config?: Record<string, unknown>;
  /** Extra outputs per resource type token (merged over the inputs). */
  outputs?: Record<string, (args: pulumi.runtime.MockResourceArgs) => Record<string, unknown>>;
  /** Invoke results per function token; any other invoke throws. */
  invokes?: Record<string, (args: pulumi.runtime.MockCallArgs) => Record<string, unknown>>;
  project?: string;
  stack?: string;
  preview?: boolean;
}

export function setupMocks(opts: MockOptions = {}): { resources: Registered[] } {
  const resources: Registered[] = [];
  const config: Record<string, string> = {};
  for (const [k, v] of Object.entries(opts.config ?? {}))
    config[k] = typeof v === "string" ? v : JSON.stringify(v);
  pulumi.runtime.setAllConfig(config);
  void pulumi.runtime.setMocks(
    {
      newResource(args) {
        resources.push({ type: args.type, name: args.name, inputs: args.inputs, provider: args.provider });
        const extra = opts.outputs?.[args.type]?.(args) ?? {};
        // The mock monitor passes "" (not undefined) when there is no import id.
        return { id: args.id || `${args.name}-id`, state: { ...args.inputs, ...extra } };
      },
      call(args) {
        const f = opts.invokes?.[args.token];
        if (!f) throw new Error(`unmocked invoke ${args.token}(${JSON.stringify(args.inputs)})`);
        return f(args);
      },
    },
    opts.project ?? "pipeline-service",
    opts.stack ?? "test",
    opts.preview ?? false,
  );
  return { resources };
}

/** Resolves an Output to its value (undefined while unknown). */
export function valueOf<T>(o: pulumi.Output<T> | pulumi.Input<T>): Promise<T> {
  return new Promise((resolve) => pulumi.output(o).apply((v) => resolve(v as T)));
}

/** Waits until every resource registered so far has settled (components register asynchronously). */
export async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
}

/** Counts registered resources by type token, sorted by type. */
export function countByType(resources: Registered[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of [...resources].sort((a, b) => a.type.localeCompare(b.type)))
    counts[r.type] = (counts[r.type] ?? 0) + 1;
  return counts;
}
