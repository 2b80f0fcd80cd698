// Shared helpers for the policies: preview-safe reads, "cannot judge yet" for unknown values, config
// with schema defaults, image references, pod specs of Kubernetes workloads (also inside a
// yaml/v2 ConfigGroup's objs), exemption matching and region comparison. Pure, no engine.
import { UnknownValueError } from "@pulumi/policy";
import type {
  PolicyConfigSchema,
  PolicyResource,
  ReportViolation,
  StackValidationArgs,
} from "@pulumi/policy";

/** Type token of the component that composes one region; its outputs carry { region, cloudRegion }. */
export const FAILURE_DOMAIN_TYPE = "pipeline-service:index:FailureDomain";

/**
 * Reads a property that may be unknown during preview. The policy SDK wraps props in a proxy that
 * throws on unknown values; one unknown field must not abort a whole stack policy, so the caller
 * gets `ifUnknown` instead. Other errors propagate. Use it for what does not decide a verdict
 * (names for messages, lookups with a fallback); a value a verdict depends on goes through
 * cannotJudgeYet, so that an unknown is reported and never passes silently.
 */
export function read<T, U = undefined>(f: () => T, ifUnknown?: U): T | U {
  try {
    return f();
  } catch (e) {
    if (e instanceof UnknownValueError) return ifUnknown as U;
    throw e;
  }
}

// ---- Unknown values in preview: "cannot judge yet", never a silent pass. ----
//
// @pulumi/policy (v1.21) has no `isUnknown` on the args and does not turn unknowns into undefined:
// props are wrapped in a proxy that throws UnknownValueError on the first unknown it meets, and the
// policy server turns an UnknownValueError escaping a validation into an ADVISORY diagnostic
// "can't run policy '<name>' … during preview: <message>", whatever the policy's own level, keeping
// the violations reported before it. `judged` builds on exactly that: a policy notes each value it
// cannot judge (cannotJudgeYet) and carries on with the rest; when it is done, one UnknownValueError
// whose message lists the notes ("cannot judge yet: …") goes to the server. So an unknown never
// blocks an update (the value is only known once the update runs) and is never silently a pass.

/** The notes of the validation that is running (validations are synchronous, see judged). */
let pending: { notes: string[]; error?: Error } | undefined;

/** Message prefix of the advisory diagnostic for values a policy could not judge in preview. */
export const CANNOT_JUDGE_YET = "cannot judge yet";

/**
 * True when reading `f` hits a value that is unknown until the update runs (preview): the policy
 * cannot judge `what` yet. The note is reported as an advisory diagnostic when the validation
 * (wrapped in `judged`) ends. Outside `judged` the UnknownValueError is rethrown, so the policy
 * server reports it (advisory) instead of the check passing.
 */
export function cannotJudgeYet(what: string, f: () => unknown): boolean {
  try {
    f();
    return false;
  } catch (e) {
    if (!(e instanceof UnknownValueError)) throw e;
    if (!pending) throw e;
    if (!pending.notes.includes(what)) pending.notes.push(what);
    pending.error ??= e as Error;
    return true;
  }
}

/**
 * Wraps a resource or stack validation so that what it could not judge (cannotJudgeYet) ends as one
 * advisory "cannot judge yet: …" diagnostic after its violations. A validation that declines
 * (notApplicable) after noting an unknown ends the same way: it may have declined only for lack of
 * the unknown value (e.g. the one Tekton image of a stack is unknown). The validation must be
 * synchronous (all of this pack's are): the notes are collected in module state while it runs.
 * Properties of `validate` are kept (validateResourceOfType's type tag, which the server uses to
 * skip other types quickly).
 */
export function judged<A extends { notApplicable(reason?: string): never }>(
  validate: (args: A, reportViolation: ReportViolation) => void,
): (args: A, reportViolation: ReportViolation) => void {
  const wrapped = (args: A, reportViolation: ReportViolation): void => {
    const outer = pending;
    const mine: { notes: string[]; error?: Error } = { notes: [] };
    const cannotJudge = (): Error | undefined => {
      if (mine.notes.length === 0 || !mine.error) return undefined;
      // The first UnknownValueError met, re-labelled: the server matches the class, not the text.
      mine.error.message = `${CANNOT_JUDGE_YET} (unknown until the update runs): ${mine.notes.join("; ")}.`;
      return mine.error;
    };
    const notApplicable = (reason?: string): never => {
      const e = cannotJudge();
      if (e) throw e;
      return args.notApplicable(reason);
    };
    pending = mine;
    try {
      const result: unknown = validate({ ...args, notApplicable }, reportViolation);
      if (result instanceof Promise) throw new Error("judged: a validation must be synchronous");
    } finally {
      pending = outer;
    }
    const e = cannotJudge();
    if (e) throw e;
  };
  return Object.assign(wrapped, validate);
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

/**
 * The pod spec of a workload resource, or undefined for other types. While the spec (or a field on
 * the way to it) is unknown, `who`'s pod spec is noted as cannot judge yet and undefined returned.
 */
export function podSpecOf(type: string, props: Record<string, unknown>, who = type): PodSpec | undefined {
  const path = POD_SPEC_PATH[type];
  if (!path) return undefined;
  const walk = (): unknown => {
    let v: unknown = props;
    for (const p of path) {
      if (v === null || typeof v !== "object") return undefined;
      v = (v as Record<string, unknown>)[p];
    }
    return v;
  };
  if (cannotJudgeYet(`${who}: ${path.join(".")}`, walk)) return undefined;
  const v = walk();
  return v === null || typeof v !== "object" ? undefined : (v as PodSpec);
}

type ContainerList = "containers" | "initContainers" | "ephemeralContainers";

/**
 * The containers of a pod spec (by default init and ephemeral ones too). An unknown list or entry
 * is noted as cannot judge yet (for `who`) and skipped.
 */
export function containersOf(
  spec: PodSpec,
  lists: readonly ContainerList[] = ["containers", "initContainers", "ephemeralContainers"],
  who = "pod",
): Container[] {
  const out: Container[] = [];
  for (const key of lists) {
    if (cannotJudgeYet(`${who}: ${key}`, () => spec[key]?.length)) continue;
    const list = spec[key] ?? [];
    for (let i = 0; i < list.length; i++) {
      if (cannotJudgeYet(`${who}: ${key}[${i}]`, () => list[i])) continue;
      const c = list[i];
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

/** Type token of the Kubernetes provider's ConfigGroup whose `objs` (or JSON `yaml`) input holds plain objects. */
export const CONFIG_GROUP = "kubernetes:yaml/v2:ConfigGroup";

/** Type token the Kubernetes provider registers an object under, e.g. kubernetes:apps/v1:Deployment. */
export function typeTokenOf(apiVersion: string, kind: string): string {
  const slash = apiVersion.indexOf("/");
  const [group, version] =
    slash >= 0 ? [apiVersion.slice(0, slash), apiVersion.slice(slash + 1)] : ["core", apiVersion];
  return `kubernetes:${group}/${version}:${kind}`;
}

/** One Kubernetes object as the policies judge it: a resource of its own, or an entry of ConfigGroup objs. */
export interface KubeObject {
  /** Type token, e.g. kubernetes:core/v1:Service. */
  type: string;
  /** The object (resource props, or the objs entry), still behind the unknown-checking proxy. */
  props: Record<string, unknown>;
  /** "Kind/namespace/name". */
  key: string;
  /** The resource it belongs to (the ConfigGroup for an objs entry). */
  urn?: string;
  /** True for an entry of a ConfigGroup's objs. */
  inConfigGroup: boolean;
}

/**
 * The Kubernetes objects a resource stands for: the resource itself for a kubernetes:* type, each
 * entry of `objs` for a yaml/v2 ConfigGroup (the objects it will create, known before it creates
 * them), nothing for other types. Undefined while the objs list is unknown; unknown entries (or
 * their apiVersion/kind) are skipped. Either is noted as cannot judge yet.
 */
export function kubernetesObjectsOf(
  type: string,
  props: Record<string, unknown>,
  name: string,
  urn?: string,
): KubeObject[] | undefined {
  if (type !== CONFIG_GROUP) {
    if (!type.startsWith("kubernetes:") || type.startsWith("kubernetes:yaml")) return [];
    return [{ type, props, key: objectKey(type, props, name), urn, inConfigGroup: false }];
  }
  if (cannotJudgeYet(`${name}: objs`, () => props.objs)) return undefined;
  if (cannotJudgeYet(`${name}: yaml`, () => props.yaml)) return undefined;
  const listed: unknown[] = Array.isArray(props.objs) ? props.objs : [];
  // The components hand their objects over as `yaml`: one JSON document per object (components/manifests.ts).
  const fromYaml: unknown[] = [];
  if (typeof props.yaml === "string") {
    for (const doc of props.yaml.split("\n---\n")) {
      if (doc.trim() === "") continue;
      try {
        fromYaml.push(JSON.parse(doc) as unknown);
      } catch {
        throw new Error(
          `${name}: a yaml document that is not JSON cannot be judged (components/manifests.ts writes JSON documents)`,
        );
      }
    }
  }
  const objs = { length: listed.length + fromYaml.length };
  const entry = (i: number) => (i < listed.length ? listed[i] : fromYaml[i - listed.length]);
  const out: KubeObject[] = [];
  for (let i = 0; i < objs.length; i++) {
    const where = `${name}: objs[${i}]`;
    const head = () => {
      const o = entry(i) as { apiVersion?: unknown; kind?: unknown } | null;
      return [o?.apiVersion, o?.kind];
    };
    if (cannotJudgeYet(`${where} apiVersion/kind`, head)) continue;
    const o = entry(i) as Record<string, unknown> | null;
    if (!o || typeof o !== "object" || typeof o.apiVersion !== "string" || typeof o.kind !== "string")
      continue;
    const t = typeTokenOf(o.apiVersion, o.kind);
    out.push({ type: t, props: o, key: objectKey(t, o, where), urn, inConfigGroup: true });
  }
  return out;
}

/**
 * Every Kubernetes object of a stack, once per "Kind/namespace/name": resources of their own first
 * (in a real update a ConfigGroup's objects are also registered as its children), then the objs of
 * ConfigGroups (under mocks, and whenever the children are not there yet). `unknown` is true when
 * some ConfigGroup's objs are unknown (noted as cannot judge yet).
 */
export function stackKubernetesObjects(resources: readonly PolicyResource[]): {
  objects: KubeObject[];
  unknown: boolean;
} {
  const byKey = new Map<string, KubeObject>();
  const grouped: KubeObject[] = [];
  let unknown = false;
  for (const r of resources) {
    const objs = kubernetesObjectsOf(r.type, r.props, r.name, r.urn);
    if (!objs) unknown = true;
    for (const o of objs ?? []) {
      if (o.inConfigGroup) grouped.push(o);
      else if (!byKey.has(o.key)) byKey.set(o.key, o);
    }
  }
  for (const o of grouped) if (!byKey.has(o.key)) byKey.set(o.key, o);
  return { objects: [...byKey.values()], unknown };
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
 * `cloudRegion` output of the FailureDomain component. `unknown` is true when that output is unknown
 * in preview (noted as cannot judge yet): then the caller gives no verdict instead of declining.
 */
export function stackCloudRegion(
  args: StackValidationArgs,
  configured?: string,
): { region?: string; unknown: boolean } {
  if (configured) return { region: configured, unknown: false };
  let unknown = false;
  for (const r of args.resources) {
    if (r.type !== FAILURE_DOMAIN_TYPE) continue;
    if (cannotJudgeYet(`${r.name}: cloudRegion`, () => r.props.cloudRegion)) {
      unknown = true;
      continue;
    }
    const region: unknown = r.props.cloudRegion;
    if (typeof region === "string" && region !== "") return { region, unknown: false };
  }
  return { unknown };
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
 * (each element is read on its own, so one unknown subnet id does not hide the others). For lookups;
 * a verdict on the list uses judgeStrings.
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

/**
 * A string or string-array property a verdict depends on: undefined when the whole value is unknown,
 * else its known non-empty strings and whether that is all of them. Each unknown part is noted as
 * cannot judge yet (`what`, or `what[i]`), so a caller only judges what it can.
 */
export function judgeStrings(
  what: string,
  f: () => unknown,
): { values: string[]; complete: boolean } | undefined {
  if (cannotJudgeYet(what, f)) return undefined;
  const v = f();
  if (typeof v === "string") return { values: v === "" ? [] : [v], complete: true };
  if (!Array.isArray(v)) return { values: [], complete: true };
  const values: string[] = [];
  let complete = true;
  for (let i = 0; i < v.length; i++) {
    if (cannotJudgeYet(`${what}[${i}]`, () => v[i] as unknown)) {
      complete = false;
      continue;
    }
    const e: unknown = v[i];
    if (typeof e === "string" && e !== "") values.push(e);
  }
  return { values, complete };
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
