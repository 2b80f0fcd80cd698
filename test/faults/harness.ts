// Pieces of the fault tests: stacks in a backend of their own, an `up` that can be killed at a chosen
// moment, and the cluster/state comparison that finds orphans.
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { parse, stringify } from "yaml";
import { FIELD_MANAGER } from "../../components/manifests";
import { ENV, PROJECT_DIR, pulumi, run, type Run } from "../integration/harness";

export { ENV, PROJECT_DIR };

/** Stacks of the project in a backend of their own (a temporary directory); the stack files stay untouched. */
export class Stacks {
  readonly backend: NodeJS.ProcessEnv;
  constructor(readonly dir: string) {
    fs.mkdirSync(path.join(dir, "backend"), { recursive: true });
    this.backend = { PULUMI_BACKEND_URL: `file://${dir}/backend` };
  }

  /** A copy of the stack file (the CLI writes into the file it reads), optionally edited. */
  configFile(stack: string, edit?: (config: Record<string, unknown>) => void): string {
    const committed = fs.readFileSync(path.join(PROJECT_DIR, "stacks", `Pulumi.${stack}.yaml`), "utf8");
    const doc = parse(committed) as { config: Record<string, unknown> };
    edit?.(doc.config);
    const file = path.join(this.dir, `Pulumi.${stack}.${edit ? "edited" : "copy"}.yaml`);
    fs.writeFileSync(file, stringify(doc));
    return file;
  }

  cli(stack: string, args: string[], configFile = this.configFile(stack)): Run {
    return pulumi([...args, "--stack", stack, "--config-file", configFile], { env: this.backend });
  }

  raw(args: string[]): Run {
    return pulumi(args, { env: this.backend });
  }

  /** The stack's state (`pulumi stack export`, secrets encrypted unless showSecrets). */
  exportState(stack: string, showSecrets = false): StateFile {
    const r = this.raw(["stack", "export", "--stack", stack, ...(showSecrets ? ["--show-secrets"] : [])]);
    if (r.code !== 0) throw new Error(`stack export ${stack}: ${r.out}`);
    return JSON.parse(r.stdout) as StateFile;
  }
}

export interface StateResource {
  urn: string;
  type: string;
  custom?: boolean;
  id?: string;
  provider?: string;
  inputs?: Record<string, unknown>;
  outputs?: Record<string, unknown>;
}
export interface StateFile {
  deployment: { resources?: StateResource[]; pending_operations?: unknown[] };
}

export interface KilledUp {
  /** Seconds from start to the kill (undefined when the up ended on its own first). */
  killedAfter?: number;
  /** Resources reported as created before the kill. */
  created: number;
  code: number | null;
  out: string;
}

/**
 * Starts `pulumi up` in its own process group and sends SIGKILL to the whole group (the CLI, the language
 * host, the provider plugins) `delayMs` after the first resource operation starts, as a killed CI runner does.
 */
export function upAndKill(stacks: Stacks, stack: string, delayMs: number): Promise<KilledUp> {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(
      "pulumi",
      [
        "up",
        "--yes",
        "--skip-preview",
        "--non-interactive",
        "--stack",
        stack,
        "--config-file",
        stacks.configFile(stack),
      ],
      { cwd: PROJECT_DIR, env: { ...ENV, ...stacks.backend }, detached: true },
    );
    let out = "";
    let timer: NodeJS.Timeout | undefined;
    let killedAfter: number | undefined;
    const onData = (d: Buffer) => {
      out += d.toString();
      // The first operation on a resource of the program (the stack's own "creating" comes first).
      if (!timer && /^\s*\+\s+(?!pulumi:pulumi:Stack)\S+:\S*:\S+ .*creating/m.test(out)) {
        timer = setTimeout(() => {
          killedAfter = (Date.now() - started) / 1000;
          // The engine starts each plugin in a process group of its own: kill the whole tree, as a lost
          // machine or a killed CI runner would, not only the CLI's group.
          for (const pid of [child.pid!, ...descendants(child.pid!)]) {
            try {
              process.kill(pid, "SIGKILL");
            } catch {
              // already gone
            }
          }
        }, delayMs);
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.on("close", (code) => {
      if (timer) clearTimeout(timer);
      resolve({ killedAfter, created: (out.match(/ created( \(|$)/gm) ?? []).length, code, out });
    });
  });
}

/** Every process below `pid` (children first found, then theirs), read from ps. */
export function descendants(pid: number): number[] {
  const r = spawnSync("ps", ["-eo", "pid=,ppid="], { encoding: "utf8" });
  const children = new Map<number, number[]>();
  for (const l of (r.stdout ?? "").split("\n")) {
    const [p, pp] = l.trim().split(/\s+/).map(Number);
    if (p && pp) children.set(pp, [...(children.get(pp) ?? []), p]);
  }
  const out: number[] = [];
  const walk = (p: number) => {
    for (const c of children.get(p) ?? []) {
      out.push(c);
      walk(c);
    }
  };
  walk(pid);
  return out;
}

/** A small seeded PRNG (mulberry32): the kill points are random but reproducible from the printed seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `group/Kind/namespace/name` of an object (empty group for the core API, empty namespace when cluster-scoped). */
export function objectKey(
  apiVersion: string,
  kind: string,
  namespace: string | undefined,
  name: string,
): string {
  const group = apiVersion.includes("/") ? apiVersion.split("/")[0] : "";
  return `${group}/${kind}/${namespace ?? ""}/${name}`;
}

/** The Kubernetes objects the state holds for the provider whose kubeconfig points at `server`. */
export function stateObjects(
  state: StateFile,
  server: string,
  providerKubeconfig: (r: StateResource) => string,
): Set<string> {
  const resources = state.deployment.resources ?? [];
  const providers = new Set(
    resources
      .filter((r) => r.type === "pulumi:providers:kubernetes" && providerKubeconfig(r).includes(server))
      .map((r) => r.urn),
  );
  // A resource's provider reference is `<provider URN>::<provider ID>`; the ID changes when the provider's
  // inputs do (a restarted cluster's kubeconfig), and the references of unchanged resources may lag behind.
  const providerUrn = (ref: string) => ref.slice(0, ref.lastIndexOf("::"));
  const keys = new Set<string>();
  for (const r of resources) {
    if (
      !r.custom ||
      !r.type.startsWith("kubernetes:") ||
      !r.provider ||
      !providers.has(providerUrn(r.provider))
    )
      continue;
    const o = r.outputs as {
      apiVersion?: string;
      kind?: string;
      metadata?: { name?: string; namespace?: string };
    };
    if (!o?.apiVersion || !o.kind || !o.metadata?.name) continue;
    keys.add(objectKey(o.apiVersion, o.kind, o.metadata.namespace, o.metadata.name));
  }
  return keys;
}

interface ListedObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; managedFields?: { manager?: string }[] };
}

/**
 * Every object in the cluster that a Pulumi Kubernetes provider wrote: its server-side apply field manager
 * is the provider's (random, `pulumi-kubernetes-…`) or the one we name (components/manifests.ts).
 */
export function clusterObjectsOfOurs(kubeconfig: string): Set<string> {
  const types = run("kubectl", ["--kubeconfig", kubeconfig, "api-resources", "--verbs=list", "-o", "name"]);
  if (types.code !== 0) throw new Error(`kubectl api-resources: ${types.out}`);
  // Events and leases churn and are never ours.
  const names = types.stdout
    .split("\n")
    .filter(Boolean)
    .filter((t) => !/^(events|leases)(\.|$)/.test(t));
  // kubectl leaves managedFields out of its output unless asked.
  const r = run("kubectl", [
    "--kubeconfig",
    kubeconfig,
    "get",
    names.join(","),
    "-A",
    "--show-managed-fields",
    "-o",
    "json",
  ]);
  if (r.code !== 0) throw new Error(`kubectl get (every type): ${r.out.slice(-3000)}`);
  const items = (JSON.parse(r.stdout) as { items: ListedObject[] }).items;
  const keys = new Set<string>();
  for (const o of items) {
    const ours = (m: { manager?: string }) =>
      m.manager === FIELD_MANAGER || m.manager?.startsWith("pulumi-kubernetes") === true;
    if (!o.metadata.managedFields?.some(ours)) continue;
    keys.add(objectKey(o.apiVersion, o.kind, o.metadata.namespace, o.metadata.name));
  }
  return keys;
}
