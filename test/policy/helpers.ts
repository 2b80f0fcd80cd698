// Runs policy objects without the policy server: builds the argument bags the analyzer would pass
// (props wrapped in the SDK's own unknown-checking proxy, as in a preview) and collects violations.
import { UnknownValueError } from "@pulumi/policy";
import type {
  PolicyProviderResource,
  PolicyResource,
  PolicyResourceOptions,
  ResourceValidation,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationArgs,
  StackValidationPolicy,
} from "@pulumi/policy";
import * as proxyModule from "@pulumi/policy/proxy";
import fs from "node:fs";
import path from "node:path";
import YAML from "yaml";

// The sentinels and proxy are internal to @pulumi/policy (its .d.ts hides them); the server uses
// exactly these, so tests do too.
const proxy = proxyModule as unknown as {
  unknownCheckingProxy<T extends object>(o: T): T;
  unknownStringValue: unknown;
  unknownArrayValue: unknown;
  unknownBooleanValue: unknown;
  unknownNumberValue: unknown;
  unknownObjectValue: unknown;
};

/** Values that are unknown during a preview, as the analyzer deserializes them. */
export const UNKNOWN = {
  string: proxy.unknownStringValue as string,
  array: proxy.unknownArrayValue as never[],
  boolean: proxy.unknownBooleanValue as boolean,
  number: proxy.unknownNumberValue as number,
  object: proxy.unknownObjectValue as Record<string, never>,
};

export interface Violation {
  message: string;
  urn?: string;
}

export interface Outcome {
  violations: Violation[];
  /** Reasons given by notApplicable (one per validation function that declined). */
  notApplicable: string[];
  /**
   * Messages of the UnknownValueErrors that escaped a validation: the server reports each as an
   * ADVISORY diagnostic "can't run policy … during preview: <message>", whatever the policy's level
   * (for the pack's own: "cannot judge yet …", see policy/util.ts judged).
   */
  cannotJudge: string[];
}

class NotApplicable extends Error {}

function notApplicable(reason?: string): never {
  throw new NotApplicable(reason ?? "not applicable");
}

export function resourceOptions(o: Partial<PolicyResourceOptions> = {}): PolicyResourceOptions {
  return {
    protect: false,
    ignoreChanges: [],
    aliases: [],
    customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
    additionalSecretOutputs: [],
    ...o,
  };
}

function urnOf(type: string, name: string): string {
  return `urn:pulumi:test::pipeline-service::${type}::${name}`;
}

function isTypeFn(type: string) {
  return (cls: unknown) => (cls as { __pulumiType?: string }).__pulumiType === type;
}

/** A provider as a resource sees it (args.provider / PolicyResource.provider). */
export function providerRef(
  type: string,
  name: string,
  props: Record<string, unknown>,
): PolicyProviderResource {
  return { type, name, urn: urnOf(type, name), props: proxy.unknownCheckingProxy({ ...props }) };
}

export interface ResourceCall {
  name?: string;
  config?: Record<string, unknown>;
  provider?: PolicyProviderResource;
  opts?: Partial<PolicyResourceOptions>;
}

/** Runs a resource policy on one resource, the way the analyzer's `analyze` call does. */
export async function runResource(
  policy: ResourceValidationPolicy,
  type: string,
  props: Record<string, unknown>,
  call: ResourceCall = {},
): Promise<Outcome> {
  const name = call.name ?? "r";
  const wrapped = proxy.unknownCheckingProxy(structuredCloneKeepingSentinels(props));
  const args: ResourceValidationArgs = {
    type,
    props: wrapped,
    urn: urnOf(type, name),
    name,
    opts: resourceOptions(call.opts),
    provider: call.provider,
    stackTags: new Map(),
    isType: isTypeFn(type) as ResourceValidationArgs["isType"],
    asType: ((cls: unknown) =>
      isTypeFn(type)(cls) ? wrapped : undefined) as ResourceValidationArgs["asType"],
    getConfig: <T extends object>() => (call.config ?? {}) as T,
    notApplicable,
  };
  const outcome: Outcome = { violations: [], notApplicable: [], cannotJudge: [] };
  const validations: ResourceValidation[] = Array.isArray(policy.validateResource)
    ? policy.validateResource
    : policy.validateResource
      ? [policy.validateResource]
      : [];
  for (const v of validations) {
    try {
      await v(args, (message, urn) => outcome.violations.push({ message, urn }));
    } catch (e) {
      if (e instanceof NotApplicable) outcome.notApplicable.push(e.message);
      else if (e instanceof UnknownValueError) outcome.cannotJudge.push((e as Error).message);
      else throw e;
    }
  }
  return outcome;
}

export interface StackResourceInit {
  protect?: boolean;
  provider?: PolicyProviderResource;
  /** Property name -> resources it was computed from (the engine's property dependencies). */
  propertyDependencies?: Record<string, PolicyResource[]>;
}

/** A resource as a stack policy sees it (props are its outputs). */
export function stackResource(
  type: string,
  name: string,
  props: Record<string, unknown>,
  init: StackResourceInit = {},
): PolicyResource {
  const wrapped = proxy.unknownCheckingProxy(structuredCloneKeepingSentinels(props));
  const propertyDependencies = init.propertyDependencies ?? {};
  return {
    type,
    name,
    urn: urnOf(type, name),
    props: wrapped,
    opts: resourceOptions({ protect: init.protect ?? false }),
    provider: init.provider,
    dependencies: Object.values(propertyDependencies).flat(),
    propertyDependencies,
    isType: isTypeFn(type) as PolicyResource["isType"],
    asType: ((cls: unknown) => (isTypeFn(type)(cls) ? wrapped : undefined)) as PolicyResource["asType"],
  };
}

/** Runs a stack policy over resources, the way the analyzer's `analyzeStack` call does. */
export async function runStack(
  policy: StackValidationPolicy,
  resources: PolicyResource[],
  config: Record<string, unknown> = {},
): Promise<Outcome> {
  const args: StackValidationArgs = {
    resources,
    stackTags: new Map(),
    getConfig: <T extends object>() => config as T,
    notApplicable,
  };
  const outcome: Outcome = { violations: [], notApplicable: [], cannotJudge: [] };
  try {
    await policy.validateStack(args, (message, urn) => outcome.violations.push({ message, urn }));
  } catch (e) {
    if (e instanceof NotApplicable) outcome.notApplicable.push(e.message);
    else if (e instanceof UnknownValueError) outcome.cannotJudge.push((e as Error).message);
    else throw e;
  }
  return outcome;
}

/** A deep copy that keeps the unknown sentinels (they are compared by identity). */
function structuredCloneKeepingSentinels<T>(v: T): T {
  const sentinels = new Set(Object.values(UNKNOWN) as unknown[]);
  const copy = (x: unknown): unknown => {
    if (sentinels.has(x) || x === null || typeof x !== "object") return x;
    if (Array.isArray(x)) return x.map(copy);
    return Object.fromEntries(Object.entries(x).map(([k, y]) => [k, copy(y)]));
  };
  return copy(v) as T;
}

/** A copy of `base` with the value at a dotted path replaced (undefined deletes it). */
export function withPath<T extends object>(base: T, path: string, value: unknown): T {
  const copy = structuredCloneKeepingSentinels(base) as Record<string, unknown>;
  const keys = path.split(".");
  let node: Record<string, unknown> = copy;
  for (const k of keys.slice(0, -1)) {
    if (node[k] === undefined || node[k] === null || typeof node[k] !== "object") node[k] = {};
    node = node[k] as Record<string, unknown>;
  }
  const last = keys[keys.length - 1];
  if (value === undefined) delete node[last];
  else node[last] = value;
  return copy as T;
}

/** Violation messages only, for compact assertions. */
export function messages(o: Outcome): string[] {
  return o.violations.map((v) => v.message);
}

/** The offline mirror of upstream manifests (shared/manifests beside the repository), if present. */
export const UPSTREAM_MANIFESTS = path.resolve(__dirname, "../../../shared/manifests");

export interface ManifestObject {
  file: string;
  /** Pulumi type token the Kubernetes provider registers it under, e.g. kubernetes:apps/v1:Deployment. */
  type: string;
  object: Record<string, unknown>;
}

/** Type token of a Kubernetes object, as yaml.v2.ConfigGroup registers it. */
export function typeTokenOf(apiVersion: string, kind: string): string {
  const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : ["core", apiVersion];
  return `kubernetes:${group}/${version}:${kind}`;
}

/** Every object of the mirrored upstream release files under `dir` (relative to the mirror). */
export function loadUpstream(dir: string): ManifestObject[] {
  const root = path.join(UPSTREAM_MANIFESTS, dir);
  const files = fs
    .readdirSync(root, { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".yaml") && !f.endsWith("kustomization.yaml"))
    .sort();
  const out: ManifestObject[] = [];
  for (const f of files) {
    for (const doc of YAML.parseAllDocuments(fs.readFileSync(path.join(root, f), "utf8"))) {
      const object = doc.toJS() as Record<string, unknown> | null;
      if (!object || typeof object.kind !== "string" || typeof object.apiVersion !== "string") continue;
      out.push({ file: path.join(dir, f), type: typeTokenOf(object.apiVersion, object.kind), object });
    }
  }
  return out;
}
