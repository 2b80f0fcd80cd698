// Pinned upstream install manifests: the lock (manifests.lock.json: component, version, file, official URL,
// sha256) → verified file in a mirror/cache dir → parsed Kubernetes objects. Upstream YAML is consumed as
// published, never re-authored; components edit the parsed objects with the pure helpers below.
// Nothing here touches the network or the Pulumi engine: a preview only reads files that
// scripts/fetch-manifests.ts (run on a connected machine) or the offline mirror put in place.
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import lockJson from "./manifests.lock.json";

export interface LockEntry {
  /** Mirror directory name, e.g. "tekton-pipeline". */
  component: string;
  version: string;
  /** Path under `<dir>/<component>/<version>/`, e.g. "release.yaml" or "ha/install.yaml". */
  file: string;
  /** Where upstream publishes the file. */
  url: string;
  /** sha256 of the file the loader reads (for Tekton files: of the offline mirror's copy). */
  sha256: string;
  /** sha256 of the official artifact once pinned by `fetch-manifests --pin`; null while unknown. */
  officialSha256: string | null;
  /** True for the ko-built Tekton files: the mirror lacks the image @sha256 digests upstream has. */
  differsFromOfficial: boolean;
  /** Number of non-empty YAML documents. */
  docs: number;
}

export interface ManifestLock {
  files: LockEntry[];
}

export const LOCK: ManifestLock = lockJson as ManifestLock;

/** The project root (this file lives in `<root>/components`). */
export const PROJECT_ROOT = path.resolve(__dirname, "..");

/** Environment variable naming the mirror/cache dir. */
export const MIRROR_ENV = "PIPELINE_SERVICE_MANIFESTS";

/** A parsed Kubernetes object. */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    [k: string]: unknown;
  };
  [k: string]: unknown;
}

export interface LoadOptions {
  /** @default defaultMirrorDir() */
  mirrorDir?: string;
  /** @default LOCK */
  lock?: ManifestLock;
  /** The pinned version to load. @default the newest the lock holds */
  version?: string;
}

/** A file whose content is not the pinned one. */
export class ManifestHashError extends Error {
  constructor(
    readonly file: string,
    readonly expected: string[],
    readonly actual: string,
  ) {
    super(
      `manifest ${file}: sha256 mismatch: expected ${expected.join(" or ")}, got ${actual}. ` +
        `The file is not the pinned upstream release: re-fetch it (npx tsx scripts/fetch-manifests.ts) ` +
        `or, for a deliberate upgrade, update components/manifests.lock.json.`,
    );
    this.name = "ManifestHashError";
  }
}

/**
 * The mirror/cache dir: $PIPELINE_SERVICE_MANIFESTS, else `../shared/manifests` next to the project
 * (the team's offline mirror) when it exists, else `<project>/.cache/manifests` (fetch-manifests' default).
 */
export function defaultMirrorDir(
  env: NodeJS.ProcessEnv = process.env,
  exists: (p: string) => boolean = fs.existsSync,
): string {
  const fromEnv = env[MIRROR_ENV];
  if (fromEnv) return path.resolve(fromEnv);
  const shared = path.resolve(PROJECT_ROOT, "..", "shared", "manifests");
  if (exists(shared)) return shared;
  return path.join(PROJECT_ROOT, ".cache", "manifests");
}

/** Orders release versions ("v1.14.1" < "v1.15.0" < "v1.15.10"); non-numeric parts compare as text. */
export function compareVersions(a: string, b: string): number {
  const parts = (v: string) => v.replace(/^v/, "").split(/[.-]/);
  const pa = parts(a);
  const pb = parts(b);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i] ?? "";
    const y = pb[i] ?? "";
    const nx = Number(x);
    const ny = Number(y);
    const c =
      x !== "" && y !== "" && Number.isInteger(nx) && Number.isInteger(ny) ? nx - ny : x.localeCompare(y);
    if (c !== 0) return Math.sign(c);
  }
  return 0;
}

/** The versions the lock pins for a component's file, newest first. */
export function lockVersions(component: string, file: string, lock: ManifestLock = LOCK): string[] {
  return lock.files
    .filter((e) => e.component === component && e.file === file)
    .map((e) => e.version)
    .sort((a, b) => compareVersions(b, a));
}

/**
 * The lock entry of a component's file at `version`, or at the newest version the lock holds when none is
 * asked for (a component may be pinned at several versions: the previous one stays for rollbacks).
 */
export function lockEntry(
  component: string,
  file: string,
  lock: ManifestLock = LOCK,
  version?: string,
): LockEntry {
  const versions = lockVersions(component, file, lock);
  if (versions.length === 0) {
    const known = [...new Set(lock.files.map((e) => `${e.component}/${e.file}`))].join(", ");
    throw new Error(`manifest ${component}/${file} is not in the lock (known: ${known})`);
  }
  const wanted = version ?? versions[0];
  const entry = lock.files.find((e) => e.component === component && e.file === file && e.version === wanted);
  if (!entry) {
    throw new Error(
      `manifest ${component}/${file} is not pinned at ${wanted} (the lock holds ${versions.join(", ")})`,
    );
  }
  return entry;
}

/** Where an entry lives under a mirror dir: `<dir>/<component>/<version>/<file>`. */
export function manifestPath(entry: LockEntry, mirrorDir: string): string {
  return path.join(mirrorDir, entry.component, entry.version, ...entry.file.split("/"));
}

export function sha256Hex(data: ArrayBufferView | string): string {
  // A Uint8Array view: @types/node 20's Buffer is not a BinaryLike under TypeScript 5.9's typed arrays.
  const bytes =
    typeof data === "string" ? data : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return crypto.createHash("sha256").update(bytes).digest("hex");
}

/** The hashes a file may have: the mirror's, and the official artifact's once pinned. */
export function acceptedHashes(entry: LockEntry): string[] {
  return [...new Set([entry.sha256, ...(entry.officialSha256 ? [entry.officialSha256] : [])])];
}

/** Throws ManifestHashError unless `data` has one of the entry's pinned hashes. */
export function verifyManifest(entry: LockEntry, data: ArrayBufferView | string, where: string): void {
  const actual = sha256Hex(data);
  const expected = acceptedHashes(entry);
  if (!expected.includes(actual)) throw new ManifestHashError(where, expected, actual);
}

/** Parses multi-document YAML into objects, dropping empty documents; every object needs kind and name. */
export function parseManifest(text: string, source: string): K8sObject[] {
  const objs: K8sObject[] = [];
  YAML.parseAllDocuments(text).forEach((doc, i) => {
    if (doc.errors.length > 0) throw new Error(`${source}: YAML document ${i + 1}: ${doc.errors[0].message}`);
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) return;
    const o = value as Partial<K8sObject>;
    if (typeof o !== "object" || !o.apiVersion || !o.kind || !o.metadata?.name) {
      throw new Error(
        `${source}: YAML document ${i + 1} is not a Kubernetes object (apiVersion, kind, metadata.name)`,
      );
    }
    objs.push(o as K8sObject);
  });
  return objs;
}

const parsed = new Map<string, K8sObject[]>();

/**
 * Reads `<mirrorDir>/<component>/<version>/<file>` as pinned in the lock, verifies its sha256 and returns
 * its objects (a fresh copy per call: callers may edit them). Pure apart from reading the file.
 */
export function loadManifest(component: string, file: string, opts: LoadOptions = {}): K8sObject[] {
  const entry = lockEntry(component, file, opts.lock, opts.version);
  const mirrorDir = opts.mirrorDir ?? defaultMirrorDir();
  const where = manifestPath(entry, mirrorDir);
  if (!fs.existsSync(where)) {
    throw new Error(
      `manifest ${component}/${entry.version}/${file} not found at ${where}: run scripts/fetch-manifests.ts on a ` +
        `connected machine, or point ${MIRROR_ENV} at a mirror (layout <component>/<version>/<file>)`,
    );
  }
  const data = fs.readFileSync(where);
  verifyManifest(entry, data, where);
  const key = `${where}\0${sha256Hex(data)}`;
  let objs = parsed.get(key);
  if (!objs) {
    objs = parseManifest(data.toString("utf8"), where);
    parsed.set(key, objs);
  }
  return structuredClone(objs);
}

// ---------------------------------------------------------------------------------------------
// Pure object edits. They never mutate their input: each returns new arrays/objects.

/** Kinds that are cluster-scoped in the releases we consume (metadata.namespace is meaningless there). */
export const CLUSTER_SCOPED_KINDS = new Set([
  "Namespace",
  "CustomResourceDefinition",
  "ClusterRole",
  "ClusterRoleBinding",
  "ValidatingWebhookConfiguration",
  "MutatingWebhookConfiguration",
  "ValidatingAdmissionPolicy",
  "ValidatingAdmissionPolicyBinding",
  "APIService",
  "PriorityClass",
  "StorageClass",
  "IngressClass",
  "PersistentVolume",
  "ClusterInterceptor",
  "ClusterTriggerBinding",
]);

/**
 * A ConfigGroup's `yaml` input for plain objects: one JSON document per object (JSON is YAML). Handing the
 * provider one string instead of `objs` spares the program serializing every object, property by property,
 * into protobuf Structs (with the garbage that makes, about half of the program's time in a CPU profile of
 * bench/mocks.bench.ts); the provider parses it into the same objects. parseConfigGroupYaml reads it back.
 */
export function configGroupYaml(objs: K8sObject[]): string {
  return objs.map((o) => JSON.stringify(withFieldManager(o))).join("\n---\n");
}

/** The annotation the Kubernetes provider takes its Server-Side Apply field manager name from. */
export const FIELD_MANAGER_ANNOTATION = "pulumi.com/patchFieldManager";
/** The field manager of every object a ConfigGroup applies, and of our own workloads. */
export const FIELD_MANAGER = "pipeline-service";
/** metadata.annotations for a workload we create ourselves (see withFieldManager). */
export const FIELD_MANAGER_ANNOTATIONS: Readonly<Record<string, string>> = {
  [FIELD_MANAGER_ANNOTATION]: FIELD_MANAGER,
};

/**
 * Names the object's Server-Side Apply field manager. Without it the provider draws a random name at each
 * create and keeps it in the state; a create interrupted before the state recorded it (a killed `up`) left
 * the object owned by a name the rerun no longer knew, and the rerun's apply then conflicted on every atomic
 * field the API server had defaulted (a Deployment's env `fieldRef` gains `apiVersion: v1`) instead of
 * adopting the object. A fixed name makes a retried create an idempotent re-apply. Patch resources keep
 * their own names: sharing the object's would make each apply drop the other's fields.
 */
export function withFieldManager(o: K8sObject): K8sObject {
  if (o.metadata.annotations?.[FIELD_MANAGER_ANNOTATION] !== undefined) return o;
  return {
    ...o,
    metadata: { ...o.metadata, annotations: { ...o.metadata.annotations, ...FIELD_MANAGER_ANNOTATIONS } },
  };
}

/** The objects of configGroupYaml's output (what the ConfigGroup will create), in order. */
export function parseConfigGroupYaml(text: string): K8sObject[] {
  return text
    .split("\n---\n")
    .filter((d) => d.trim() !== "")
    .map((d) => JSON.parse(d) as K8sObject);
}

/** A stable identity: `group/kind/namespace/name` (empty parts for the core group / cluster scope). */
export function objectKey(o: K8sObject): string {
  return `${apiGroup(o)}/${o.kind}/${o.metadata.namespace ?? ""}/${o.metadata.name}`;
}

/** The object's API group ("" for the core group). */
function apiGroup(o: K8sObject): string {
  return o.apiVersion.includes("/") ? o.apiVersion.split("/")[0] : "";
}

export function isKind(o: K8sObject, kind: string, name?: string): boolean {
  return o.kind === kind && (name === undefined || o.metadata.name === name);
}

/** Returns the one object of `kind`/`name` (throws naming `owner` when upstream no longer has it). */
export function findObject(objs: K8sObject[], kind: string, name: string, owner: string): K8sObject {
  const found = objs.filter((o) => isKind(o, kind, name));
  if (found.length !== 1) {
    throw new Error(
      `${owner}: expected exactly one ${kind} ${name} in the upstream release, found ${found.length}`,
    );
  }
  return found[0];
}

/** Replaces the one object of `kind`/`name` with `edit(copy)`. */
export function editObject(
  objs: K8sObject[],
  kind: string,
  name: string,
  owner: string,
  edit: (o: K8sObject) => K8sObject,
): K8sObject[] {
  const target = findObject(objs, kind, name, owner);
  return objs.map((o) => (o === target ? edit(structuredClone(o)) : o));
}

/** Removes the one object of `kind`/`name` (throws when absent, so a silent upstream change is caught). */
export function dropObject(objs: K8sObject[], kind: string, name: string, owner: string): K8sObject[] {
  const target = findObject(objs, kind, name, owner);
  return objs.filter((o) => o !== target);
}

/** Splits Namespace objects from the rest, so secrets can be created between the two. */
/** Pod Security Admission labels for a namespace (enforce, plus audit and warn at the same level). */
export function podSecurityLabels(level: "baseline" | "restricted"): Record<string, string> {
  return {
    "pod-security.kubernetes.io/enforce": level,
    "pod-security.kubernetes.io/audit": level,
    "pod-security.kubernetes.io/warn": level,
  };
}

/**
 * Adds Pod Security Admission labels to Namespaces that ship without an enforce level (upstream Chains and
 * Pipelines as Code): every namespace we create states what its pods may do. Existing labels win.
 */
export function withPodSecurity(objs: K8sObject[], level: "baseline" | "restricted"): K8sObject[] {
  return objs.map((o) => {
    if (o.kind !== "Namespace" || o.metadata.labels?.["pod-security.kubernetes.io/enforce"]) return o;
    const copy = structuredClone(o);
    copy.metadata.labels = { ...podSecurityLabels(level), ...copy.metadata.labels };
    return copy;
  });
}

export function splitNamespaces(objs: K8sObject[]): { namespaces: K8sObject[]; rest: K8sObject[] } {
  return {
    namespaces: objs.filter((o) => o.kind === "Namespace"),
    rest: objs.filter((o) => o.kind !== "Namespace"),
  };
}

/**
 * Removes metadata.namespace from cluster-scoped objects (pipelines-as-code ships ClusterRoles with one) and
 * sets `namespace` on namespaced objects that have none (Argo CD's install.yaml is applied with `-n argocd`).
 */
export function normalizeNamespaces(objs: K8sObject[], defaultNamespace?: string): K8sObject[] {
  return objs.map((o) => {
    const clusterScoped = CLUSTER_SCOPED_KINDS.has(o.kind);
    if (clusterScoped && o.metadata.namespace !== undefined) {
      const copy = structuredClone(o);
      delete copy.metadata.namespace;
      return copy;
    }
    if (!clusterScoped && o.metadata.namespace === undefined && defaultNamespace) {
      return { ...o, metadata: { ...o.metadata, namespace: defaultNamespace } };
    }
    return o;
  });
}

/** The containers of a workload's pod template. */
export function podContainers(o: K8sObject): Record<string, unknown>[] {
  const spec = o.spec as { template?: { spec?: { containers?: Record<string, unknown>[] } } } | undefined;
  return spec?.template?.spec?.containers ?? [];
}

/** The annotation a yaml/v2 ConfigGroup orders its objects by (refs to objects of the same group). */
export const DEPENDS_ON_ANNOTATION = "config.kubernetes.io/depends-on";

/** A depends-on reference: `<group>/namespaces/<ns>/<kind>/<name>`, or `<group>/<kind>/<name>`. */
export function dependsOnRef(o: K8sObject): string {
  const group = apiGroup(o);
  const ns = o.metadata.namespace;
  return ns === undefined
    ? `${group}/${o.kind}/${o.metadata.name}`
    : `${group}/namespaces/${ns}/${o.kind}/${o.metadata.name}`;
}

export const ADMISSION_WEBHOOK_KINDS: ReadonlySet<string> = new Set([
  "ValidatingWebhookConfiguration",
  "MutatingWebhookConfiguration",
]);

/**
 * Orders each admission webhook configuration after the Service it calls and the Deployments behind that
 * Service, when they are in the same ConfigGroup. Created last, a configuration never refuses the release's
 * own objects while its webhook starts; deleted first, it never outlives its webhook. That matters on
 * destroy: with failurePolicy Fail, a configuration left without its webhook refuses every update in its
 * scope, including the garbage collector's removal of a foregroundDeletion finalizer, so the delete of a
 * ConfigMap in tekton-pipelines hung until its timeout and left the configuration behind to refuse the next
 * `up`. Apply it before the local profile, which turns webhook Services into selector-less ExternalNames.
 */
export function webhooksAfterBackends(objs: K8sObject[]): K8sObject[] {
  const backends = (namespace: string, name: string): K8sObject[] => {
    const svc = objs.find((o) => isKind(o, "Service", name) && o.metadata.namespace === namespace);
    if (svc === undefined) return [];
    const selector = Object.entries(
      (svc.spec as { selector?: Record<string, string> } | undefined)?.selector ?? {},
    );
    const pods = objs.filter((o) => {
      if (o.kind !== "Deployment" || o.metadata.namespace !== namespace || selector.length === 0)
        return false;
      const labels =
        (o.spec as { template?: { metadata?: { labels?: Record<string, string> } } } | undefined)?.template
          ?.metadata?.labels ?? {};
      return selector.every(([k, v]) => labels[k] === v);
    });
    return [svc, ...pods];
  };
  return objs.map((o) => {
    if (!ADMISSION_WEBHOOK_KINDS.has(o.kind)) return o;
    const webhooks =
      (o.webhooks as { clientConfig?: { service?: { name?: string; namespace?: string } } }[]) ?? [];
    const refs = new Set(
      (o.metadata.annotations?.[DEPENDS_ON_ANNOTATION] ?? "").split(",").filter((r) => r !== ""),
    );
    for (const w of webhooks) {
      const svc = w.clientConfig?.service;
      if (svc?.name !== undefined && svc.namespace !== undefined)
        for (const b of backends(svc.namespace, svc.name)) refs.add(dependsOnRef(b));
    }
    if (refs.size === 0) return o;
    return {
      ...o,
      metadata: {
        ...o.metadata,
        annotations: { ...o.metadata.annotations, [DEPENDS_ON_ANNOTATION]: [...refs].join(",") },
      },
    };
  });
}
