// Shared helpers for the policies: preview-safe reads, config with schema defaults, image references,
// pod specs of Kubernetes workloads, exemption matching and region comparison. Pure, no engine.
import { UnknownValueError } from "@pulumi/policy";
import type { PolicyConfigSchema, PolicyResource, StackValidationArgs } from "@pulumi/policy";

/** Type token of the component that composes one region; its outputs carry { region, cloudRegion }. */
export const FAILURE_DOMAIN_TYPE = "pipeline-service:index:FailureDomain";

/**
 * Reads a property that may be unknown during preview. The policy SDK wraps props in a proxy that
 * throws on unknown values; one unknown field must not abort a whole stack policy, so the caller
 * gets `ifUnknown` instead. Other errors propagate.
 */
export function read<T, U = undefined>(f: () => T, ifUnknown?: U): T | U {
  try {
    return f();
  } catch (e) {
    if (e instanceof UnknownValueError) return ifUnknown as U;
    throw e;
  }
}

/** True when reading the value hits an unknown (so the policy cannot judge it yet). */
export function isUnknown(f: () => unknown): boolean {
  const marker = Symbol("unknown");
  return read(f, marker) === marker;
}

/** The `default` of every property of a config schema: the single source of a policy's defaults. */
export function schemaDefaults(schema: PolicyConfigSchema): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(schema.properties)) {
    if (typeof v === "object" && v.default !== undefined) out[k] = v.default;
  }
  return out;
}

/** Policy config merged over the schema defaults (the engine may or may not fill them in). */
export function configOf<T extends object>(
  args: { getConfig<C extends object>(): C },
  schema: PolicyConfigSchema,
): T {
  return { ...schemaDefaults(schema), ...args.getConfig<Partial<T>>() } as T;
}

export interface ImageRef {
  /** Registry host, normalized: images without one come from docker.io. */
  registry: string;
  /** Repository path without registry, e.g. "library/redis" or "tektoncd/pipeline/controller-…". */
  repository: string;
  tag?: string;
  digest?: string;
}

/** Splits an image reference the way container runtimes do (a registry has a dot, a colon or is localhost). */
export function parseImage(ref: string): ImageRef {
  let rest = ref.trim();
  let digest: string | undefined;
  const at = rest.indexOf("@");
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf("/");
  const colon = rest.lastIndexOf(":");
  if (colon > lastSlash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  const parts = rest.split("/");
  let registry = "docker.io";
  if (parts.length > 1 && (parts[0].includes(".") || parts[0].includes(":") || parts[0] === "localhost")) {
    registry = parts.shift() as string;
  }
  if (registry === "docker.io" && parts.length === 1) parts.unshift("library");
  return { registry, repository: parts.join("/"), tag, digest };
}

/** The full name an allow-list compares against: registry/repository. */
export function imageName(ref: ImageRef): string {
  return `${ref.registry}/${ref.repository}`;
}

/** Pod-bearing Kubernetes kinds by type token, and where each keeps its pod spec. */
const POD_SPEC_PATH: Record<string, string[]> = {
  "kubernetes:core/v1:Pod": ["spec"],
  "kubernetes:core/v1:ReplicationController": ["spec", "template", "spec"],
  "kubernetes:apps/v1:Deployment": ["spec", "template", "spec"],
  "kubernetes:apps/v1:StatefulSet": ["spec", "template", "spec"],
  "kubernetes:apps/v1:DaemonSet": ["spec", "template", "spec"],
  "kubernetes:apps/v1:ReplicaSet": ["spec", "template", "spec"],
  "kubernetes:batch/v1:Job": ["spec", "template", "spec"],
  "kubernetes:batch/v1:CronJob": ["spec", "jobTemplate", "spec", "template", "spec"],
};

export const WORKLOAD_TYPES = Object.keys(POD_SPEC_PATH);

/** Long-running controllers: the ones that need resources, PDBs and the like. */
export const CONTROLLER_TYPES = [
  "kubernetes:apps/v1:Deployment",
  "kubernetes:apps/v1:StatefulSet",
  "kubernetes:apps/v1:DaemonSet",
];

/** A pod spec as the policies read it: plain data, any field may be missing. */
export interface PodSpec {
  containers?: Container[];
  initContainers?: Container[];
  ephemeralContainers?: Container[];
  volumes?: { name?: string; hostPath?: unknown }[];
  hostNetwork?: boolean;
  hostPID?: boolean;
  hostIPC?: boolean;
}

export interface Container {
  name?: string;
  image?: string;
  args?: string[];
  command?: string[];
  env?: { name?: string; value?: string }[];
  securityContext?: { privileged?: boolean };
  resources?: { requests?: Record<string, unknown>; limits?: Record<string, unknown> };
}

/** The pod spec of a workload resource, or undefined for other types (or while it is unknown). */
export function podSpecOf(type: string, props: Record<string, unknown>): PodSpec | undefined {
  const path = POD_SPEC_PATH[type];
  if (!path) return undefined;
  return read(() => {
    let v: unknown = props;
    for (const p of path) {
      if (v === null || typeof v !== "object") return undefined;
      v = (v as Record<string, unknown>)[p];
    }
    return v === null || typeof v !== "object" ? undefined : (v as PodSpec);
  });
}

type ContainerList = "containers" | "initContainers" | "ephemeralContainers";

/** The containers of a pod spec (by default init and ephemeral ones too), skipping unknown entries. */
export function containersOf(
  spec: PodSpec,
  lists: readonly ContainerList[] = ["containers", "initContainers", "ephemeralContainers"],
): Container[] {
  const out: Container[] = [];
  for (const key of lists) {
    const list = read(() => spec[key]) ?? [];
    for (let i = 0; i < read(() => list.length, 0); i++) {
      const c = read(() => list[i]);
      if (c && typeof c === "object") out.push(c);
    }
  }
  return out;
}

/** "Kind/namespace/name" of a Kubernetes object, for messages and exemption lists. */
export function objectKey(type: string, props: Record<string, unknown>, fallbackName: string): string {
  const kind = type.slice(type.lastIndexOf(":") + 1);
  const meta = read(() => props.metadata as { name?: string; namespace?: string } | undefined);
  const name = read(() => meta?.name) ?? fallbackName;
  const ns = read(() => meta?.namespace) ?? "default";
  return `${kind}/${ns}/${name}`;
}

/**
 * Whether `key` ("Kind/namespace/name") matches an exemption. Entries are "Kind/namespace/name" or
 * "namespace/name"; a "*" matches any run of characters within the entry.
 */
export function isExempt(key: string, exemptions: readonly string[]): boolean {
  const withoutKind = key.slice(key.indexOf("/") + 1);
  return exemptions.some((e) => {
    const re = new RegExp(`^${e.split("*").map(escapeRegExp).join(".*")}$`);
    return re.test(key) || re.test(withoutKind);
  });
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Compares cloud regions loosely: Azure spells "West Europe" and "westeurope" for the same place. */
export function normalizeRegion(region: string): string {
  return region.toLowerCase().replace(/[\s_-]/g, "");
}

/** True for a CIDR that admits every address (0.0.0.0/0, ::/0 or any /0). */
export function isOpenCidr(cidr: string): boolean {
  return /\/0$/.test(cidr.trim()) || cidr.trim() === "*";
}

/**
 * The cloud region this stack deploys to: the policy's `cloudRegion` config when set, else the
 * `cloudRegion` output of the FailureDomain component.
 */
export function stackCloudRegion(args: StackValidationArgs, configured?: string): string | undefined {
  if (configured) return configured;
  for (const r of args.resources) {
    if (r.type !== FAILURE_DOMAIN_TYPE) continue;
    const region = read(() => r.props.cloudRegion as unknown);
    if (typeof region === "string" && region !== "") return region;
  }
  return undefined;
}

/**
 * The stack resources a property of `r` refers to: its property dependencies first, else resources
 * of the wanted types whose `matchProp` output equals the property's value.
 */
export function referencedResources(
  all: readonly PolicyResource[],
  r: PolicyResource,
  prop: string,
  types: readonly string[],
  matchProps: readonly string[] = ["id"],
): PolicyResource[] {
  const deps = (r.propertyDependencies[prop] ?? []).filter((d) => types.includes(d.type));
  if (deps.length > 0) return deps;
  const values = knownStrings(() => r.props[prop]);
  if (values.length === 0) return [];
  return all.filter(
    (o) =>
      types.includes(o.type) &&
      matchProps.some((p) => {
        const v = read(() => o.props[p] as unknown);
        return typeof v === "string" && values.includes(v);
      }),
  );
}

/**
 * The known, non-empty strings of a string or string-array property; unknown elements are skipped
 * (each element is read on its own, so one unknown subnet id does not hide the others).
 */
export function knownStrings(f: () => unknown): string[] {
  const v = read(f);
  if (typeof v === "string") return v === "" ? [] : [v];
  if (!Array.isArray(v)) return [];
  const out: string[] = [];
  for (let i = 0; i < read(() => v.length, 0); i++) {
    const e = read(() => v[i] as unknown);
    if (typeof e === "string" && e !== "") out.push(e);
  }
  return out;
}

/** Parses provider props that the engine stores JSON-encoded (e.g. the aws provider's defaultTags). */
export function maybeJson(v: unknown): unknown {
  if (typeof v !== "string") return v;
  try {
    return JSON.parse(v);
  } catch {
    return v;
  }
}
