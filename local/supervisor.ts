// Supervises one local region's real processes (local/processes.ts): waits until each one's Deployment, CRDs,
// Secrets and ConfigMaps exist, launches it in a private mount namespace with its volumes and ServiceAccount
// credentials, restarts it when it exits (with backoff) or when its Deployment's pod template changes, and
// keeps a status file that `local/env.sh status` prints. Started by `local/env.sh start`, one per region, in
// its own process group (`local/env.sh stop` ends the group).
//
//   node --import tsx local/supervisor.ts <region>
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { promisify } from "node:util";
import {
  binaryForImage,
  type DeploymentObject,
  LOCAL_PROCESSES,
  launchScript,
  launchSpec,
  type LocalProcess,
  type ObjectData,
  SERVICE_ACCOUNT_DIR,
} from "./processes";

const exec = promisify(execFile);
const PROJECT_DIR = path.resolve(__dirname, "..");
const LOCAL_DIR = process.env.PIPELINE_SERVICE_LOCAL_DIR ?? path.join(PROJECT_DIR, ".local");
const BIN_DIR = path.join(PROJECT_DIR, ".tools", "bin");
const POLL_MS = 5000;
const TOKEN_REFRESH_MS = 3600_000;
const TOKEN_DURATION = "24h";

interface RegionEnv {
  name: string;
  kubeconfig: string;
  apiServer: string;
}

type State =
  | { state: "waiting"; for: string[] }
  | { state: "paused" }
  | { state: "running"; pid: number; since: string }
  | { state: "backoff"; exitCode: number | null; until: string };

interface Supervised {
  proc: LocalProcess;
  status: State;
  restarts: number;
  child?: ChildProcess;
  /** The last child started (alive until its exit, also while being stopped). */
  lastChild?: ChildProcess;
  templateHash?: string;
  startedAt?: number;
  backoffMs: number;
  nextStart: number;
  tokenWritten?: number;
  saDir?: string;
  serviceAccount?: string;
}

const region = process.argv[2];
if (!region) {
  console.error("usage: local/supervisor.ts <region>");
  process.exit(2);
}
const env = JSON.parse(fs.readFileSync(path.join(LOCAL_DIR, "env.json"), "utf8")) as { regions: RegionEnv[] };
const regionIndex = env.regions.findIndex((r) => r.name === region);
if (regionIndex < 0) {
  console.error(`region ${region} is not in ${LOCAL_DIR}/env.json`);
  process.exit(2);
}
const r = env.regions[regionIndex];
const api = new URL(r.apiServer);
const runDir = path.join(LOCAL_DIR, "run", region);
fs.mkdirSync(runDir, { recursive: true });
const log = (msg: string) => console.log(`${new Date().toISOString()} [${region}] ${msg}`);

async function kubectl(args: string[]): Promise<string> {
  const { stdout } = await exec("kubectl", ["--kubeconfig", r.kubeconfig, ...args], {
    maxBuffer: 256 * 1024 * 1024,
  });
  return stdout;
}

const caPem: Promise<string> = kubectl([
  "config",
  "view",
  "--raw",
  "--minify",
  "-o",
  'jsonpath={.clusters[0].cluster.certificate-authority-data}{"|"}{.clusters[0].cluster.certificate-authority}',
]).then((out) => {
  const [data, file] = out.split("|");
  return data ? Buffer.from(data, "base64").toString("utf8") : fs.readFileSync(file, "utf8");
});

const procs: Supervised[] = LOCAL_PROCESSES.map((proc) => ({
  proc,
  status: { state: "waiting", for: ["the first check"] },
  restarts: 0,
  backoffMs: 2000,
  nextStart: 0,
}));

function writeStatus() {
  const out = Object.fromEntries(procs.map((s) => [s.proc.name, { ...s.status, restarts: s.restarts }]));
  fs.writeFileSync(
    path.join(runDir, "status.tmp"),
    `${JSON.stringify({ pid: process.pid, processes: out }, null, 2)}\n`,
  );
  fs.renameSync(path.join(runDir, "status.tmp"), path.join(runDir, "status.json"));
}

/** Reads Secrets and ConfigMaps of one namespace once per launch attempt. */
function objectReader(ns: string): { data: ObjectData; load: () => Promise<void> } {
  const cache = new Map<string, Record<string, string>>();
  return {
    load: async () => {
      for (const kind of ["secrets", "configmaps"] as const) {
        const list = JSON.parse(await kubectl(["get", kind, "-n", ns, "-o", "json"])) as {
          items: { metadata: { name: string }; data?: Record<string, string> }[];
        };
        for (const o of list.items) {
          const data = Object.fromEntries(
            Object.entries(o.data ?? {}).map(([k, v]) => [
              k,
              kind === "secrets" ? Buffer.from(v, "base64").toString("utf8") : v,
            ]),
          );
          cache.set(`${kind === "secrets" ? "Secret" : "ConfigMap"}/${o.metadata.name}`, data);
        }
      }
    },
    data: (kind, name) => cache.get(`${kind}/${name}`),
  };
}

async function writeToken(s: Supervised, ns: string): Promise<void> {
  const token = (
    await kubectl(["create", "token", s.serviceAccount!, "-n", ns, "--duration", TOKEN_DURATION])
  ).trim();
  // client-go re-reads the token file, so a refresh reaches a running process without a restart.
  fs.writeFileSync(path.join(s.saDir!, "token.tmp"), token, { mode: 0o600 });
  fs.renameSync(path.join(s.saDir!, "token.tmp"), path.join(s.saDir!, "token"));
  s.tokenWritten = Date.now();
}

async function start(s: Supervised, d: DeploymentObject): Promise<void> {
  const { proc } = s;
  const reader = objectReader(proc.namespace);
  await reader.load();
  const spec = launchSpec(proc, d, {
    regionIndex,
    apiServerHost: api.hostname,
    apiServerPort: Number(api.port || 443),
    data: reader.data,
  });
  if (spec.missing.length > 0) {
    s.status = { state: "waiting", for: spec.missing };
    return;
  }
  const dir = path.join(runDir, proc.name);
  const mountsDir = path.join(dir, "mounts");
  fs.rmSync(mountsDir, { recursive: true, force: true });
  const dirs: Record<string, string> = {};
  spec.mounts.forEach((m, i) => {
    const target = m.persistent ? path.join(dir, "volumes", String(i)) : path.join(mountsDir, String(i));
    fs.mkdirSync(target, { recursive: true, mode: 0o700 });
    for (const [file, content] of Object.entries(m.files ?? {})) {
      fs.mkdirSync(path.dirname(path.join(target, file)), { recursive: true });
      fs.writeFileSync(path.join(target, file), content, { mode: 0o600 });
    }
    dirs[m.mountPath] = target;
  });
  s.saDir = path.join(mountsDir, "serviceaccount");
  s.serviceAccount = spec.serviceAccount;
  fs.mkdirSync(s.saDir, { recursive: true, mode: 0o700 });
  fs.writeFileSync(path.join(s.saDir, "ca.crt"), await caPem);
  fs.writeFileSync(path.join(s.saDir, "namespace"), proc.namespace);
  await writeToken(s, proc.namespace);
  dirs[SERVICE_ACCOUNT_DIR] = s.saDir;

  const script = path.join(dir, "launch.sh");
  const binary = binaryForImage(spec.binary, spec.image, (b) => fs.existsSync(path.join(BIN_DIR, b)));
  fs.writeFileSync(script, launchScript(spec, path.join(BIN_DIR, binary), dirs), { mode: 0o700 });
  const logFile = path.join(dir, "process.log");
  if (fs.existsSync(logFile)) fs.renameSync(logFile, `${logFile}.1`);
  const out = fs.openSync(logFile, "a");
  const child = spawn("unshare", ["-m", "sh", script], { stdio: ["ignore", out, out] });
  fs.closeSync(out);
  s.child = child;
  s.lastChild = child;
  alive.add(child);
  s.startedAt = Date.now();
  s.status = { state: "running", pid: child.pid ?? -1, since: new Date().toISOString() };
  log(`${proc.name}: started ${binary} (pid ${child.pid})`);
  child.on("exit", (code, signal) => {
    alive.delete(child);
    if (s.child !== child) return;
    s.child = undefined;
    const ranMs = Date.now() - (s.startedAt ?? 0);
    s.backoffMs = ranMs > 60_000 ? 2000 : Math.min(s.backoffMs * 2, 30_000);
    s.nextStart = Date.now() + s.backoffMs;
    s.restarts++;
    s.status = { state: "backoff", exitCode: code, until: new Date(s.nextStart).toISOString() };
    log(`${proc.name}: exited (${signal ?? `code ${code}`}); restarting in ${s.backoffMs / 1000} s`);
    writeStatus();
  });
}

function stopChild(s: Supervised, why: string): void {
  if (!s.child) return;
  log(`${s.proc.name}: stopping (${why})`);
  const child = s.child;
  s.child = undefined;
  child.kill("SIGTERM");
  setTimeout(() => child.kill("SIGKILL"), 10_000).unref();
}

/** Children still alive, including ones being stopped. */
const alive = new Set<ChildProcess>();

const hash = (o: unknown) => createHash("sha256").update(JSON.stringify(o)).digest("hex").slice(0, 16);

let stopping = false;
async function tick(): Promise<void> {
  const deployments = new Map<string, DeploymentObject>();
  const list = JSON.parse(await kubectl(["get", "deployments", "-A", "-o", "json"])) as {
    items: DeploymentObject[];
  };
  for (const d of list.items) deployments.set(`${d.metadata.namespace}/${d.metadata.name}`, d);
  const crds = new Set(
    (await kubectl(["get", "crds", "-o", "name"])).split("\n").map((l) => l.replace(/^.*\//, "")),
  );
  for (const s of procs) {
    if (stopping) return;
    const { proc } = s;
    const d = deployments.get(`${proc.namespace}/${proc.deployment}`);
    const missing = [
      ...(d ? [] : [`Deployment ${proc.namespace}/${proc.deployment}`]),
      ...proc.crds.filter((c) => !crds.has(c)).map((c) => `CRD ${c}`),
    ];
    if (missing.length > 0) {
      stopChild(s, `${missing.join(", ")} gone`);
      s.status = { state: "waiting", for: missing };
      continue;
    }
    // An operator (or a test) stops one process by creating <run dir>/<process>/paused.
    if (fs.existsSync(path.join(runDir, proc.name, "paused"))) {
      stopChild(s, "paused");
      s.status =
        s.lastChild && alive.has(s.lastChild) ? { state: "waiting", for: ["its exit"] } : { state: "paused" };
      continue;
    }
    const templateHash = hash(d!.spec.template);
    if (s.child && s.templateHash !== templateHash) stopChild(s, "pod template changed");
    if (s.child) {
      if (Date.now() - (s.tokenWritten ?? 0) > TOKEN_REFRESH_MS) await writeToken(s, proc.namespace);
      continue;
    }
    if (Date.now() < s.nextStart) continue;
    s.templateHash = templateHash;
    try {
      await start(s, d!);
    } catch (e) {
      s.status = { state: "waiting", for: [`launch failed: ${(e as Error).message.split("\n")[0]}`] };
      s.nextStart = Date.now() + 10_000;
    }
  }
  writeStatus();
}

async function loop(): Promise<void> {
  log(`supervising ${procs.length} processes (pid ${process.pid})`);
  while (!stopping) {
    try {
      await tick();
    } catch (e) {
      log(`cluster not reachable: ${(e as Error).message.split("\n")[0]}`);
    }
    await new Promise((res) => setTimeout(res, POLL_MS));
  }
}

function shutdown(sig: string) {
  if (stopping) return;
  stopping = true;
  log(`${sig}: stopping every process`);
  for (const s of procs) stopChild(s, sig);
  const deadline = Date.now() + 12_000;
  const wait = () => {
    if (alive.size === 0 || Date.now() > deadline) {
      fs.rmSync(path.join(runDir, "status.json"), { force: true });
      process.exit(0);
    }
    setTimeout(wait, 200);
  };
  wait();
}
process.on("SIGTERM", () => shutdown("SIGTERM"));
process.on("SIGINT", () => shutdown("SIGINT"));
void loop();
