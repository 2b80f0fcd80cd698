// Records the explicit dependencies (dependsOn, expanded by the SDK to custom and remote resources) of every
// registration, which the mocks' newResource() does not see. Call after setupMocks(), before creating resources.
import * as pulumi from "@pulumi/pulumi";

interface RegisterRequest {
  getType(): string;
  getName(): string;
  getDependenciesList(): string[];
  getParent(): string;
  getIgnorechangesList(): string[];
}

interface PatchableMonitor {
  registerResource(req: RegisterRequest, callback: unknown): unknown;
}

/**
 * Resource name → names of the resources it explicitly depends on, its parent's name ("" for the stack)
 * and its ignoreChanges.
 */
export type DependencyGraph = Map<
  string,
  { type: string; dependsOn: string[]; parent: string; ignoreChanges: string[] }
>;

/** The name part of a URN (`urn:pulumi:stack::project::type::name`). */
export function urnName(urn: string): string {
  return urn.slice(urn.lastIndexOf("::") + 2);
}

export function recordDependencies(): DependencyGraph {
  const graph: DependencyGraph = new Map();
  const monitor = pulumi.runtime.getMonitor() as unknown as PatchableMonitor | undefined;
  if (!monitor) throw new Error("recordDependencies: call setupMocks() first");
  const original = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, callback) => {
    graph.set(req.getName(), {
      type: req.getType(),
      dependsOn: req.getDependenciesList().map(urnName),
      parent: req.getParent() ? urnName(req.getParent()) : "",
      ignoreChanges: req.getIgnorechangesList(),
    });
    return original(req, callback);
  };
  return graph;
}
