// What the engine would know about resources registered under mocks: every registration exactly as the
// resource monitor receives it (type, name, parent, custom, protect, provider, inputs, property
// dependencies) and the outputs it hands back. Call recordRegistrations() after setupMocks() /
// setupFleetMocks() (node:test runs each file in its own process); runRecorded (fleet-mocks.ts) runs the
// whole program for a stack and returns its registrations.
import * as pulumi from "@pulumi/pulumi";

interface Struct {
  toJavaScript(): Record<string, unknown>;
}
type Callback = (err: Error | null, resp?: unknown) => void;
interface RegisterRequest {
  getType(): string;
  getName(): string;
  getParent(): string;
  getCustom(): boolean;
  hasProtect(): boolean;
  getProtect(): boolean;
  getProvider(): string;
  getObject(): Struct | undefined;
  getPropertydependenciesMap(): {
    forEach(f: (deps: { getUrnsList(): string[] }, key: string) => void): void;
  };
}
interface ReadRequest {
  getType(): string;
  getName(): string;
  getParent(): string;
  getProvider(): string;
  getProperties(): Struct | undefined;
}
interface Monitor {
  registerResource(req: RegisterRequest, cb: Callback): void;
  readResource(req: ReadRequest, cb: Callback): void;
  registerResourceOutputs(req: { getUrn(): string; getOutputs(): Struct | undefined }, cb: Callback): void;
}

/** One resource as the engine records it; property values still in the wire format (secrets, refs). */
export interface Registration {
  urn: string;
  type: string;
  name: string;
  /** URN of the parent ("" for none: the engine then parents it to the stack). */
  parent: string;
  custom: boolean;
  protect: boolean;
  /** "urn::id" of the explicit provider, or "" (the engine then uses its default provider). */
  provider: string;
  inputs: Record<string, unknown>;
  /** Outputs: the mock's state, or what a component passed to registerOutputs. */
  outputs: Record<string, unknown>;
  propertyDependencies: Record<string, string[]>;
}

let current: Registration[] | undefined;

/**
 * Hooks the mock monitor (once; later calls return the same list) and returns the live list every
 * registration from then on is appended to, in the order the monitor answers them.
 */
export function recordRegistrations(): Registration[] {
  if (current) return current;
  const list: Registration[] = [];
  current = list;
  const monitor = pulumi.runtime.getMonitor() as unknown as Monitor;
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, cb) =>
    register(req, (err, resp) => {
      if (!err) {
        const r = resp as { getUrn(): string; getObject(): Struct | undefined };
        const propertyDependencies: Record<string, string[]> = {};
        req
          .getPropertydependenciesMap()
          .forEach((deps, key) => (propertyDependencies[key] = deps.getUrnsList()));
        list.push({
          urn: r.getUrn(),
          type: req.getType(),
          name: req.getName(),
          parent: req.getParent(),
          custom: req.getCustom(),
          protect: req.hasProtect() && req.getProtect(),
          provider: req.getProvider(),
          inputs: req.getObject()?.toJavaScript() ?? {},
          outputs: r.getObject()?.toJavaScript() ?? {},
          propertyDependencies,
        });
      }
      cb(err, resp);
    });
  const read = monitor.readResource.bind(monitor);
  monitor.readResource = (req, cb) =>
    read(req, (err, resp) => {
      if (!err) {
        const r = resp as { getUrn(): string; getProperties(): Struct | undefined };
        list.push({
          urn: r.getUrn(),
          type: req.getType(),
          name: req.getName(),
          parent: req.getParent(),
          custom: true,
          protect: false,
          provider: req.getProvider(),
          inputs: req.getProperties()?.toJavaScript() ?? {},
          outputs: r.getProperties()?.toJavaScript() ?? {},
          propertyDependencies: {},
        });
      }
      cb(err, resp);
    });
  const outputs = monitor.registerResourceOutputs.bind(monitor);
  monitor.registerResourceOutputs = (req, cb) => {
    const r = list.find((x) => x.urn === req.getUrn());
    if (r) r.outputs = req.getOutputs()?.toJavaScript() ?? {};
    outputs(req, cb);
  };
  return list;
}

/** Waits until no registration has arrived for a while (a failed run may leave some in flight). */
export async function quiesce(): Promise<void> {
  const list = recordRegistrations();
  for (let seen = -1; seen !== list.length;) {
    seen = list.length;
    await new Promise((r) => setTimeout(r, 300));
  }
}

/** "type name" of the protected registrations of component `name` (itself and names `${name}-…`), sorted. */
export function protectedOf(registrations: Registration[], name: string): string[] {
  return registrations
    .filter((r) => r.protect && (r.name === name || r.name.startsWith(`${name}-`)))
    .map((r) => `${r.type} ${r.name}`)
    .sort();
}
