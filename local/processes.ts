// What runs for real in a local region: each Tekton (and api-syncagent) Deployment that the region's stack
// applied is run as a local process from the project's own Go builds, launched from the Deployment object
// itself: its container's args and env (with $(VAR) expansion, fieldRefs, Secret/ConfigMap refs), its volumes
// written to files and bind-mounted at their mountPaths in a private mount namespace, and its ServiceAccount
// as in-cluster credentials (a token from the TokenRequest API, the cluster CA, KUBERNETES_SERVICE_HOST/PORT),
// so every process talks to the kwok cluster with exactly the RBAC its pod would have. The only changes are
// the listening ports, taken from one port plan so two regions on one machine never collide.
//
// This file is pure (tested without a cluster); local/supervisor.ts does the I/O.
import * as path from "node:path";

/** Ports of one region's processes: 18000 + 100 × region index, ten per process slot. */
export const PORT_BASE = 18000;
export const PORTS_PER_REGION = 100;
export const PORTS_PER_SLOT = 10;

export function regionPortBase(regionIndex: number): number {
  if (!Number.isInteger(regionIndex) || regionIndex < 0 || regionIndex > 9)
    throw new Error(`region index ${regionIndex}: 0 to 9 (the port plan holds ten regions)`);
  return PORT_BASE + PORTS_PER_REGION * regionIndex;
}

/** The ports of one process slot: metrics, profiling, probes, serving (webhook / API). */
export interface SlotPorts {
  metrics: number;
  profiling: number;
  probes: number;
  serving: number;
}

export function slotPorts(regionIndex: number, slot: number): SlotPorts {
  const b = regionPortBase(regionIndex) + PORTS_PER_SLOT * slot;
  return { metrics: b + 1, profiling: b + 2, probes: b + 3, serving: b + 4 };
}

/** Where a process's overrides come from: its slot's ports. */
type Overrides = (p: SlotPorts) => { env?: Record<string, string>; args?: Record<string, string> };

export interface LocalProcess {
  /** Short name: status lines, log and run directories. */
  name: string;
  namespace: string;
  deployment: string;
  /** The container of the pod template to run. @default the first */
  container?: string;
  /** The binary in .tools/bin (tools/recipes/). */
  binary: string;
  /** Port-plan slot (0-9), unique within a region. */
  slot: number;
  /** CRDs that must exist before the process starts (it would crash-loop without them). */
  crds: string[];
  overrides: Overrides;
}

/** knative-based processes: metrics on loopback, profiling and probes moved off their shared defaults. */
const knative: Overrides = (p) => ({
  env: {
    METRICS_PROMETHEUS_HOST: "127.0.0.1",
    METRICS_PROMETHEUS_PORT: String(p.metrics),
    PROFILING_PORT: String(p.profiling),
    PROBES_PORT: String(p.probes),
  },
});

const knativeWebhook: Overrides = (p) => ({
  env: { ...knative(p).env, WEBHOOK_PORT: String(p.serving) },
});

const TEKTON_CRDS = [
  "pipelineruns.tekton.dev",
  "taskruns.tekton.dev",
  "pipelines.tekton.dev",
  "tasks.tekton.dev",
];
const TRIGGERS_CRDS = ["eventlisteners.triggers.tekton.dev", "triggers.triggers.tekton.dev"];

/** Slots of the webhooks whose port the region's stack must know (webhook Service → local port). */
export const WEBHOOK_SLOTS = { "tekton-pipelines-webhook": 1, "tekton-triggers-webhook": 8 } as const;

/** Everything that runs per local region, in start order. */
export const LOCAL_PROCESSES: LocalProcess[] = [
  {
    name: "pipelines-controller",
    namespace: "tekton-pipelines",
    deployment: "tekton-pipelines-controller",
    binary: "tekton-pipelines-controller",
    slot: 0,
    crds: TEKTON_CRDS,
    overrides: knative,
  },
  {
    name: "pipelines-webhook",
    namespace: "tekton-pipelines",
    deployment: "tekton-pipelines-webhook",
    binary: "tekton-pipelines-webhook",
    slot: WEBHOOK_SLOTS["tekton-pipelines-webhook"],
    crds: TEKTON_CRDS,
    overrides: knativeWebhook,
  },
  {
    name: "events-controller",
    namespace: "tekton-pipelines",
    deployment: "tekton-events-controller",
    binary: "tekton-events-controller",
    slot: 2,
    crds: TEKTON_CRDS,
    overrides: knative,
  },
  {
    name: "remote-resolvers",
    namespace: "tekton-pipelines-resolvers",
    deployment: "tekton-pipelines-remote-resolvers",
    binary: "tekton-pipelines-resolvers",
    slot: 3,
    crds: ["resolutionrequests.resolution.tekton.dev"],
    overrides: knative,
  },
  {
    name: "results-api",
    namespace: "tekton-pipelines",
    deployment: "tekton-results-api",
    binary: "tekton-results-api",
    slot: 4,
    crds: [],
    overrides: (p) => ({
      env: {
        SERVER_PORT: String(p.serving),
        PROMETHEUS_PORT: String(p.metrics),
        PROFILING_PORT: String(p.profiling),
      },
    }),
  },
  {
    name: "results-watcher",
    namespace: "tekton-pipelines",
    deployment: "tekton-results-watcher",
    binary: "tekton-results-watcher",
    slot: 5,
    crds: TEKTON_CRDS,
    // The watcher dials the API through its in-cluster Service; here the API is the slot-4 process. Its
    // certificate names localhost (components/tekton/results.ts), so TLS is verified as in a cluster.
    overrides: (p) => ({
      env: {
        ...knative(p).env,
        TEKTON_RESULTS_API_SERVICE: `localhost:${p.serving - PORTS_PER_SLOT}`,
      },
    }),
  },
  {
    name: "chains-controller",
    namespace: "tekton-chains",
    deployment: "tekton-chains-controller",
    binary: "tekton-chains-controller",
    slot: 6,
    crds: TEKTON_CRDS,
    overrides: knative,
  },
  {
    name: "triggers-controller",
    namespace: "tekton-pipelines",
    deployment: "tekton-triggers-controller",
    binary: "tekton-triggers-controller",
    slot: 7,
    crds: TRIGGERS_CRDS,
    overrides: knative,
  },
  {
    name: "triggers-webhook",
    namespace: "tekton-pipelines",
    deployment: "tekton-triggers-webhook",
    binary: "tekton-triggers-webhook",
    slot: WEBHOOK_SLOTS["tekton-triggers-webhook"],
    crds: TRIGGERS_CRDS,
    overrides: knativeWebhook,
  },
  {
    name: "api-syncagent",
    namespace: "kcp-syncagent",
    deployment: "api-syncagent",
    binary: "api-syncagent",
    slot: 9,
    crds: ["publishedresources.syncagent.kcp.io"],
    overrides: (p) => ({
      args: { "--metrics-address": `127.0.0.1:${p.metrics}`, "--health-address": `127.0.0.1:${p.probes}` },
    }),
  },
];

/** The local webhook port of each webhook Service of a region (what the stack points the API server at). */
export function localWebhookPorts(regionIndex: number): Record<string, number> {
  return Object.fromEntries(
    Object.entries(WEBHOOK_SLOTS).map(([svc, slot]) => [svc, slotPorts(regionIndex, slot).serving]),
  );
}

// ---------------------------------------------------------------------------------------------------------
// Deployment → launch spec

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: {
    fieldRef?: { fieldPath: string };
    secretKeyRef?: { name: string; key: string; optional?: boolean };
    configMapKeyRef?: { name: string; key: string; optional?: boolean };
  };
}
interface Container {
  name: string;
  image?: string;
  args?: string[];
  env?: EnvVar[];
  envFrom?: {
    secretRef?: { name: string; optional?: boolean };
    configMapRef?: { name: string; optional?: boolean };
  }[];
  volumeMounts?: { name: string; mountPath: string; subPath?: string }[];
}
interface KeyToPath {
  key: string;
  path: string;
}
interface Volume {
  name: string;
  secret?: { secretName: string; items?: KeyToPath[]; optional?: boolean };
  configMap?: { name: string; items?: KeyToPath[]; optional?: boolean };
  emptyDir?: unknown;
  persistentVolumeClaim?: { claimName: string };
  projected?: { sources: { serviceAccountToken?: { path: string; audience?: string } }[] };
}
export interface DeploymentObject {
  metadata: { name: string; namespace: string };
  spec: {
    template: {
      spec: { serviceAccountName?: string; containers: Container[]; volumes?: Volume[] };
    };
  };
}

/** Data of a Secret (base64-decoded) or ConfigMap, by name; undefined where the object does not exist. */
export type ObjectData = (kind: "Secret" | "ConfigMap", name: string) => Record<string, string> | undefined;

/** One directory to write and bind-mount: files by relative path, or an empty writable directory. */
export interface Mount {
  mountPath: string;
  files?: Record<string, string>;
  /** Keep the directory between restarts (a PersistentVolumeClaim's data). */
  persistent?: boolean;
}

export interface LaunchSpec {
  binary: string;
  /** The container's image (picks the build, binaryForImage). */
  image: string;
  args: string[];
  env: Record<string, string>;
  mounts: Mount[];
  serviceAccount: string;
  /** What is still missing before the process can start (empty when ready). */
  missing: string[];
}

export interface LaunchContext {
  regionIndex: number;
  /** The kwok API server (in-cluster config points here). */
  apiServerHost: string;
  apiServerPort: number;
  data: ObjectData;
  /** The pod this process stands for (a StatefulSet member's `<sts>-<i>`, its IP). @default `<deployment>-local`, 127.0.0.1 */
  pod?: { name?: string; ip?: string };
}

/** Kubernetes' $(VAR) expansion of args and env values ($$ escapes, unknown names stay as written). */
export function expandVars(s: string, env: Record<string, string>): string {
  return s.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (m: string, name?: string) =>
    m === "$$" ? "$" : name !== undefined && name in env ? env[name] : m,
  );
}

/** Sets `--flag value` / `-flag value` / `--flag=value` in args, appending it when absent. */
export function overrideArg(args: string[], flag: string, value: string): string[] {
  const out = [...args];
  for (let i = 0; i < out.length; i++) {
    if (out[i] === flag && i + 1 < out.length) {
      out[i + 1] = value;
      return out;
    }
    if (out[i].startsWith(`${flag}=`)) {
      out[i] = `${flag}=${value}`;
      return out;
    }
  }
  return [...out, `${flag}=${value}`];
}

const podName = (d: DeploymentObject, ctx: LaunchContext) => ctx.pod?.name ?? `${d.metadata.name}-local`;

function fieldRef(d: DeploymentObject, ctx: LaunchContext, fieldPath: string): string | undefined {
  switch (fieldPath) {
    case "metadata.namespace":
      return d.metadata.namespace;
    case "metadata.name":
      return podName(d, ctx);
    case "spec.serviceAccountName":
      return d.spec.template.spec.serviceAccountName ?? "default";
    case "status.podIP":
      return ctx.pod?.ip ?? "127.0.0.1";
    case "status.hostIP":
      return "127.0.0.1";
    case "spec.nodeName":
      return "localhost";
    default:
      return undefined;
  }
}

/**
 * How to run `proc` from its Deployment: binary, args, env and mounts, or what is still missing (a Secret,
 * a ConfigMap, a key). Ports come from the region's port plan; nothing else is changed.
 */
export function launchSpec(proc: LocalProcess, d: DeploymentObject, ctx: LaunchContext): LaunchSpec {
  const pod = d.spec.template.spec;
  const c = proc.container ? pod.containers.find((x) => x.name === proc.container) : pod.containers[0];
  if (!c) throw new Error(`${d.metadata.namespace}/${d.metadata.name}: no container ${proc.container ?? ""}`);
  const missing: string[] = [];
  const ns = d.metadata.namespace;
  const ports = slotPorts(ctx.regionIndex, proc.slot);
  const overrides = proc.overrides(ports);

  const env: Record<string, string> = {};
  for (const from of c.envFrom ?? []) {
    const ref = from.secretRef ?? from.configMapRef;
    if (!ref) continue;
    const kind = from.secretRef ? "Secret" : "ConfigMap";
    const data = ctx.data(kind, ref.name);
    if (data) Object.assign(env, data);
    else if (!ref.optional) missing.push(`${kind} ${ns}/${ref.name}`);
  }
  for (const e of c.env ?? []) {
    let v: string | undefined;
    if (e.valueFrom?.fieldRef) v = fieldRef(d, ctx, e.valueFrom.fieldRef.fieldPath);
    else if (e.valueFrom?.secretKeyRef || e.valueFrom?.configMapKeyRef) {
      const ref = (e.valueFrom.secretKeyRef ?? e.valueFrom.configMapKeyRef)!;
      const kind = e.valueFrom.secretKeyRef ? "Secret" : "ConfigMap";
      v = ctx.data(kind, ref.name)?.[ref.key];
      if (v === undefined && !ref.optional) missing.push(`${kind} ${ns}/${ref.name} key ${ref.key}`);
    } else v = expandVars(e.value ?? "", env);
    if (v !== undefined) env[e.name] = v;
  }
  // A registry CA bundle the release mounts optionally; without the ConfigMap Go falls back to SSL_CERT_DIR.
  Object.assign(env, overrides.env ?? {}, {
    KUBERNETES_SERVICE_HOST: ctx.apiServerHost,
    KUBERNETES_SERVICE_PORT: String(ctx.apiServerPort),
    POD_NAME: podName(d, ctx),
    HOSTNAME: podName(d, ctx),
  });

  let args = (c.args ?? []).map((a) => expandVars(a, env));
  for (const [flag, value] of Object.entries(overrides.args ?? {})) args = overrideArg(args, flag, value);

  const mounts: Mount[] = [];
  const volumes = new Map((pod.volumes ?? []).map((v) => [v.name, v]));
  for (const m of c.volumeMounts ?? []) {
    const v = volumes.get(m.name);
    if (!v) throw new Error(`${ns}/${d.metadata.name}: volumeMount ${m.name} has no volume`);
    if (m.subPath) throw new Error(`${ns}/${d.metadata.name}: subPath mounts are not supported locally`);
    const source = v.secret ?? v.configMap;
    if (source) {
      const kind = v.secret ? "Secret" : "ConfigMap";
      const name = v.secret ? v.secret.secretName : v.configMap!.name;
      const data = ctx.data(kind, name);
      if (!data) {
        if (!source.optional) missing.push(`${kind} ${ns}/${name}`);
        mounts.push({ mountPath: m.mountPath, files: {} });
        continue;
      }
      const items = source.items ?? Object.keys(data).map((key) => ({ key, path: key }));
      const files: Record<string, string> = {};
      for (const it of items) {
        if (data[it.key] === undefined) missing.push(`${kind} ${ns}/${name} key ${it.key}`);
        else files[it.path] = data[it.key];
      }
      mounts.push({ mountPath: m.mountPath, files });
    } else if (v.persistentVolumeClaim) {
      mounts.push({ mountPath: m.mountPath, persistent: true });
    } else {
      // emptyDir, and projected tokens for audiences only a cloud uses (e.g. Chains' sigstore OIDC token).
      mounts.push({ mountPath: m.mountPath, files: {} });
    }
  }
  return {
    binary: proc.binary,
    image: c.image ?? "",
    args,
    env,
    mounts,
    serviceAccount: pod.serviceAccountName ?? "default",
    missing,
  };
}

/** The tag of an image reference (`repo:tag` or `repo:tag@sha256:…`), if it has one. */
export function imageTag(image: string): string | undefined {
  const ref = image.split("@")[0];
  const colon = ref.lastIndexOf(":");
  return colon > ref.lastIndexOf("/") ? ref.slice(colon + 1) : undefined;
}

/**
 * The build to run for a container image: `<binary>-<tag>` where such a build exists (an older release kept
 * for upgrades and rollbacks, tools/recipes/tekton-pipeline-previous.sh), else the current `<binary>`.
 */
export function binaryForImage(binary: string, image: string, exists: (name: string) => boolean): string {
  const tag = imageTag(image);
  return tag && exists(`${binary}-${tag}`) ? `${binary}-${tag}` : binary;
}

/** The in-cluster credentials directory every pod gets. */
export const SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";

/** Shell-quotes one word. */
export function shellQuote(s: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * The launch script: run in a private mount namespace (`unshare -m`), it bind-mounts each prepared directory
 * at its mountPath (creating an empty mount point where none exists), then replaces itself with the binary
 * in a clean environment. `dirs` maps each mountPath to the prepared directory; `files` maps existing files
 * (e.g. /etc/hosts) to the prepared file bound over them.
 */
export function launchScript(
  spec: LaunchSpec,
  binaryPath: string,
  dirs: Record<string, string>,
  files: Record<string, string> = {},
): string {
  const lines = ["set -eu", "mount --make-rprivate /"];
  // Files first: a directory bound later (e.g. over /tmp) could hide their sources.
  for (const [target, file] of Object.entries(files)) {
    if (!path.isAbsolute(target)) throw new Error(`file ${target} is not absolute`);
    lines.push(`mount --bind ${shellQuote(file)} ${shellQuote(target)}`);
  }
  for (const [mountPath, dir] of Object.entries(dirs)) {
    if (!path.isAbsolute(mountPath)) throw new Error(`mountPath ${mountPath} is not absolute`);
    lines.push(
      `mkdir -p ${shellQuote(mountPath)}`,
      `mount --bind ${shellQuote(dir)} ${shellQuote(mountPath)}`,
    );
  }
  const env = Object.entries({ PATH: "/usr/local/bin:/usr/bin:/bin", HOME: "/tmp", ...spec.env })
    .map(([k, v]) => shellQuote(`${k}=${v}`))
    .join(" ");
  lines.push(`exec env -i ${env} ${shellQuote(binaryPath)} ${spec.args.map(shellQuote).join(" ")}`);
  return `${lines.join("\n")}\n`;
}
