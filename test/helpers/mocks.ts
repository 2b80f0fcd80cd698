// Pulumi mocks for unit tests: record every registered resource and fail on invokes nobody mocked,
// so a test sees exactly what a program would ask of the engine. Each node:test file runs in its own
// process, so call setupMocks() once at the top of a file. Random and tls resources get the outputs their
// plugins would return, computed for real (test/helpers/provider-mocks.ts), with the SDKs' secret outputs
// secret, as the engine makes them.
import * as pulumi from "@pulumi/pulumi";
import { providerOutputs, SECRET_OUTPUTS } from "./provider-mocks";
import { unwrap } from "./secrets";

/** random/tls outputs being generated (their crypto runs on libuv's thread pool, outside the event loop). */
let generating = 0;

export interface Registered {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
  provider?: string;
}

export interface MockOptions {
  /** Stack config, keyed "project:key" -> value (objects are JSON-encoded). */
  config?: Record<string, unknown>;
  /** Extra outputs per resource type token (merged over the inputs and the random/tls outputs). */
  outputs?: Record<
    string,
    (args: pulumi.runtime.MockResourceArgs) => Record<string, unknown> | Promise<Record<string, unknown>>
  >;
  /** Invoke results per function token; any other invoke throws. */
  invokes?: Record<string, (args: pulumi.runtime.MockCallArgs) => Record<string, unknown>>;
  project?: string;
  stack?: string;
  preview?: boolean;
  /** Called with every secret output value the random/tls mocks generate (passwords, private keys). */
  onSecret?: (value: string) => void;
}

/** A value in the engine's secret envelope (what additionalSecretOutputs makes of an output). */
export function secretEnvelope(value: unknown): Record<string, unknown> {
  return { [pulumi.runtime.specialSigKey]: pulumi.runtime.specialSecretSig, value };
}

function isSecretEnvelope(v: unknown): boolean {
  return (
    typeof v === "object" &&
    v !== null &&
    (v as Record<string, unknown>)[pulumi.runtime.specialSigKey] === pulumi.runtime.specialSecretSig
  );
}

export interface Mocked {
  resources: Registered[];
  /** The state each resource was given (inputs and outputs, secret envelopes removed), by resource name. */
  states: Map<string, Record<string, unknown>>;
}

export function setupMocks(opts: MockOptions = {}): Mocked {
  const resources: Registered[] = [];
  const states = new Map<string, Record<string, unknown>>();
  const config: Record<string, string> = {};
  for (const [k, v] of Object.entries(opts.config ?? {}))
    config[k] = typeof v === "string" ? v : JSON.stringify(v);
  pulumi.runtime.setAllConfig(config);
  void pulumi.runtime.setMocks(
    {
      async newResource(args) {
        resources.push({ type: args.type, name: args.name, inputs: args.inputs, provider: args.provider });
        // In a preview the plugins compute nothing: these outputs stay unknown.
        let generated: Record<string, unknown> | undefined;
        generating++;
        try {
          generated = opts.preview ? undefined : await providerOutputs(args.type, args.inputs);
        } finally {
          generating--;
        }
        for (const k of generated ? (SECRET_OUTPUTS[args.type] ?? []) : []) {
          if (typeof generated?.[k] === "string") opts.onSecret?.(generated[k]);
        }
        const extra = (await opts.outputs?.[args.type]?.(args)) ?? {};
        const state: Record<string, unknown> = { ...args.inputs, ...generated, ...extra };
        states.set(args.name, unwrap(state).value as Record<string, unknown>);
        for (const k of SECRET_OUTPUTS[args.type] ?? []) {
          if (state[k] !== undefined && !isSecretEnvelope(state[k])) state[k] = secretEnvelope(state[k]);
        }
        // The mock monitor passes "" (not undefined) when there is no import id.
        return { id: args.id || `${args.name}-id`, state };
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
    "organization",
  );
  return { resources, states };
}

/** Resolves an Output to its value (undefined while unknown). */
export function valueOf<T>(o: pulumi.Output<T> | pulumi.Input<T>): Promise<T> {
  return new Promise((resolve) => pulumi.output(o).apply((v) => resolve(v as T)));
}

/**
 * Waits until every resource registered so far has settled (components register asynchronously): 20 turns
 * of the event loop in a row with no random/tls outputs being generated.
 */
export async function settle(): Promise<void> {
  for (let quiet = 0; quiet < 20;) {
    await new Promise((r) => setImmediate(r));
    if (generating === 0) quiet++;
    else {
      quiet = 0;
      await new Promise((r) => setTimeout(r, 1));
    }
  }
}

/** Counts registered resources by type token, sorted by type. */
export function countByType(resources: Registered[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of [...resources].sort((a, b) => a.type.localeCompare(b.type)))
    counts[r.type] = (counts[r.type] ?? 0) + 1;
  return counts;
}
