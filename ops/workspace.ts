// Shared pieces of the ops commands: the project's environment (scripts/env.sh as an object), stack
// discovery and selection, the explicit "can this stack run here?" checks (cloud credentials, provider
// plugins, the local environment), and the Automation API workspace. Pure parts are exported for tests.
import { execFileSync } from "node:child_process";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as net from "node:net";
import * as path from "node:path";
import type * as auto from "@pulumi/pulumi/automation";
import { parse as parseYaml } from "yaml";
import { PulumiProcesses } from "./cancel";
import type { StackCloud, StackTarget } from "./report";

export const PROJECT_DIR = path.resolve(__dirname, "..");
const CONFIG_NS = "pipeline-service:";

export type Env = Record<string, string>;

/** Parses `env -0` output (NUL-separated NAME=value, values may contain newlines). */
export function parseEnv0(text: string): Env {
  const env: Env = {};
  for (const entry of text.split("\0")) {
    const eq = entry.indexOf("=");
    if (eq > 0) env[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  return env;
}

/**
 * The environment every pulumi call needs, taken from scripts/env.sh itself (the single source: PATH with
 * .tools/bin, PULUMI_HOME, the file backend, the passphrase file, offline flags), plus what the ops
 * commands add: state secrets as fallback, so stack files never need a per-checkout encryptionsalt.
 */
export function loadProjectEnv(projectDir = PROJECT_DIR, base: NodeJS.ProcessEnv = process.env): Env {
  const out = execFileSync(
    "bash",
    ["-c", '. "$1/scripts/env.sh" >/dev/null && env -0', "env.sh", projectDir],
    {
      env: base,
      encoding: "utf8",
      maxBuffer: 16 * 1024 * 1024,
    },
  );
  return { ...parseEnv0(out), PULUMI_FALLBACK_TO_STATE_SECRETS_MANAGER: "true" };
}

/** A stack of stacks/, with what the ops commands need to know before running anything. */
export interface StackInfo extends StackTarget {
  /** The stack file (stacks/Pulumi.<stack>.yaml). */
  file: string;
  /** `cluster.kind: existing`: the kubeconfig it reads (relative to the project). */
  kubeconfigPath?: string;
  /** `kcp.localEnvFile`: the local environment description it reads. */
  localEnvFile?: string;
  /** `kcp.homeStack`: the stack it reads through a StackReference (org/project/stack). */
  homeStack?: string;
  /** `profile`: local stacks share one local kcp (the home stack's root:tenants) instead of a reference. */
  profile: "local" | "cloud";
}

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (v && typeof v === "object" && !Array.isArray(v) ? (v as Json) : {});
const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);

/** Reads a stack file's document (pure): cloud from `cluster.kind`, the files a local stack needs. */
export function stackInfoFromDocument(stack: string, file: string, doc: unknown): StackInfo {
  const config = obj(obj(doc).config);
  const get = (key: string) => config[CONFIG_NS + key];
  const cluster = obj(get("cluster"));
  const kind = str(cluster.kind);
  const profile = str(get("profile")) ?? "cloud";
  const cloud: StackCloud =
    kind === "eks" ? "aws" : kind === "aks" ? "azure" : profile === "local" ? "local" : "existing";
  return {
    stack,
    file,
    region: str(get("region")) ?? stack,
    cloud,
    cloudRegion: kind === "eks" ? str(cluster.region) : kind === "aks" ? str(cluster.location) : undefined,
    // The CLI may rewrite a boolean as the string "true" (it did when `stack init` wrote a salt into the file).
    home: get("home") === true || get("home") === "true",
    kubeconfigPath: kind === "existing" ? str(cluster.kubeconfigPath) : undefined,
    localEnvFile: str(obj(get("kcp")).localEnvFile),
    homeStack: str(obj(get("kcp")).homeStack),
    profile: profile === "local" ? "local" : "cloud",
  };
}

/** The report's view of a stack (no local file paths). */
export function toTarget(s: StackInfo): StackTarget {
  return { stack: s.stack, region: s.region, cloud: s.cloud, cloudRegion: s.cloudRegion, home: s.home };
}

/** Every stack in the project's stack config dir, sorted by name. */
export function discoverStacks(projectDir = PROJECT_DIR): StackInfo[] {
  const project = obj(parseYaml(fs.readFileSync(path.join(projectDir, "Pulumi.yaml"), "utf8")));
  const dir = path.join(projectDir, str(project.stackConfigDir) ?? ".");
  return fs
    .readdirSync(dir)
    .map((f) => /^Pulumi\.(.+)\.ya?ml$/.exec(f))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => {
      const file = path.join(dir, m[0]);
      return stackInfoFromDocument(m[1], file, parseYaml(fs.readFileSync(file, "utf8")));
    })
    .sort((a, b) => a.stack.localeCompare(b.stack));
}

export function projectName(projectDir = PROJECT_DIR): string {
  return str(obj(parseYaml(fs.readFileSync(path.join(projectDir, "Pulumi.yaml"), "utf8"))).name) ?? "project";
}

/** `*` and `?` globs over stack names; anything else is literal. */
export function globToRegExp(glob: string): RegExp {
  const body = glob
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/\?/g, ".");
  return new RegExp(`^${body}$`);
}

export interface Selection {
  selected: string[];
  /** Patterns that matched no stack (a typo must not silently preview nothing). */
  unmatched: string[];
}

/**
 * Which stacks a command runs on: the given names/globs (comma-separated lists allowed), else all;
 * `local` keeps only local-profile stacks. Order follows `all`.
 */
export function selectStacks(
  all: Pick<StackInfo, "stack" | "cloud">[],
  opts: { patterns?: string[]; local?: boolean },
): Selection {
  const patterns = (opts.patterns ?? [])
    .flatMap((p) => p.split(","))
    .map((p) => p.trim())
    .filter(Boolean);
  const regexps = patterns.map(globToRegExp);
  const unmatched = patterns.filter((_, i) => !all.some((s) => regexps[i].test(s.stack)));
  const selected = all
    .filter((s) => regexps.length === 0 || regexps.some((r) => r.test(s.stack)))
    .filter((s) => !opts.local || s.cloud === "local")
    .map((s) => s.stack);
  return { selected, unmatched };
}

export type Check = { ok: true; source: string } | { ok: false; reason: string };

const set = (env: Env, k: string) => (env[k] ?? "") !== "";
const truthy = (env: Env, k: string) => /^(1|true|yes)$/i.test(env[k] ?? "");

/**
 * AWS credentials the provider would find, judged from the environment only (no network): static keys,
 * web identity (GitHub OIDC via aws-actions/configure-aws-credentials), container credentials, or a named
 * or default profile in the shared files. Instance-metadata credentials are invisible here: pass
 * `--assume-credentials aws` on such runners.
 */
export function awsCredentials(env: Env, exists: (file: string) => boolean): Check {
  if (set(env, "AWS_ACCESS_KEY_ID") && set(env, "AWS_SECRET_ACCESS_KEY")) {
    return { ok: true, source: "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY" };
  }
  if (set(env, "AWS_ROLE_ARN") && set(env, "AWS_WEB_IDENTITY_TOKEN_FILE")) {
    return { ok: true, source: "AWS_ROLE_ARN + AWS_WEB_IDENTITY_TOKEN_FILE" };
  }
  if (set(env, "AWS_CONTAINER_CREDENTIALS_FULL_URI") || set(env, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI")) {
    return { ok: true, source: "container credentials" };
  }
  const home = env.HOME ?? "";
  const files = [
    env.AWS_SHARED_CREDENTIALS_FILE || path.join(home, ".aws", "credentials"),
    env.AWS_CONFIG_FILE || path.join(home, ".aws", "config"),
  ];
  const profile = env.AWS_PROFILE || env.AWS_DEFAULT_PROFILE;
  if (files.some(exists)) return { ok: true, source: `shared config (profile ${profile || "default"})` };
  return {
    ok: false,
    reason:
      "no AWS credentials (set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_ROLE_ARN + AWS_WEB_IDENTITY_TOKEN_FILE, or AWS_PROFILE)",
  };
}

/**
 * Azure credentials azure-native would find: a service principal (secret, certificate or OIDC) with
 * tenant and subscription, a managed identity, or an Azure CLI login (azure/login in GitHub Actions).
 */
export function azureCredentials(env: Env, exists: (file: string) => boolean): Check {
  const sp = set(env, "ARM_CLIENT_ID") && set(env, "ARM_TENANT_ID") && set(env, "ARM_SUBSCRIPTION_ID");
  if (sp && set(env, "ARM_CLIENT_SECRET"))
    return { ok: true, source: "service principal (ARM_CLIENT_SECRET)" };
  if (sp && set(env, "ARM_CLIENT_CERTIFICATE_PATH"))
    return { ok: true, source: "service principal (certificate)" };
  const oidcToken =
    set(env, "ARM_OIDC_TOKEN") ||
    set(env, "ARM_OIDC_TOKEN_FILE_PATH") ||
    (set(env, "ACTIONS_ID_TOKEN_REQUEST_URL") && set(env, "ACTIONS_ID_TOKEN_REQUEST_TOKEN"));
  if (sp && truthy(env, "ARM_USE_OIDC") && oidcToken) return { ok: true, source: "service principal (OIDC)" };
  if (truthy(env, "ARM_USE_MSI")) return { ok: true, source: "managed identity (ARM_USE_MSI)" };
  const azureDir = env.AZURE_CONFIG_DIR || path.join(env.HOME ?? "", ".azure");
  if (
    exists(path.join(azureDir, "azureProfile.json")) &&
    exists(path.join(azureDir, "msal_token_cache.json"))
  ) {
    return { ok: true, source: "Azure CLI login" };
  }
  return {
    ok: false,
    reason:
      "no Azure credentials (set ARM_CLIENT_ID, ARM_TENANT_ID, ARM_SUBSCRIPTION_ID and ARM_CLIENT_SECRET or ARM_USE_OIDC=true, or log in with the Azure CLI)",
  };
}

/** Provider plugins a stack's program loads (the region's cluster kind decides the cloud provider). */
export function requiredPlugins(s: Pick<StackInfo, "cloud">): string[] {
  return s.cloud === "aws"
    ? ["aws", "kubernetes"]
    : s.cloud === "azure"
      ? ["azure-native", "kubernetes"]
      : ["kubernetes"];
}

/** Where the CLI would find a resource plugin: $PATH, or an installed copy under $PULUMI_HOME/plugins. */
export function findPlugin(
  name: string,
  env: Env,
  fsx: { exists: (f: string) => boolean; list: (dir: string) => string[] },
): string | undefined {
  for (const dir of (env.PATH ?? "").split(path.delimiter).filter(Boolean)) {
    const file = path.join(dir, `pulumi-resource-${name}`);
    if (fsx.exists(file)) return file;
  }
  const pluginsDir = path.join(env.PULUMI_HOME || path.join(env.HOME ?? "", ".pulumi"), "plugins");
  const installed = fsx.list(pluginsDir).find((d) => new RegExp(`^resource-${name}-v\\d`).test(d));
  return installed ? path.join(pluginsDir, installed) : undefined;
}

export interface PreflightInput {
  env: Env;
  exists: (file: string) => boolean;
  list: (dir: string) => string[];
  /** Clouds whose ambient credentials are trusted without an env check (`--assume-credentials`). */
  assumeCredentials?: string[];
  projectDir?: string;
}

/**
 * Why a stack cannot run here (undefined: it can), checked without network: cloud credentials, the
 * provider plugins (when the CLI may not download them), and for local stacks the files the local
 * environment writes. Reachability of a local cluster is checked separately (checkReachable).
 */
export function preflight(s: StackInfo, input: PreflightInput): string | undefined {
  const problems: string[] = [];
  const assumed = input.assumeCredentials ?? [];
  if (s.cloud === "aws" && !assumed.includes("aws")) {
    const c = awsCredentials(input.env, input.exists);
    if (!c.ok) problems.push(c.reason);
  }
  if (s.cloud === "azure" && !assumed.includes("azure")) {
    const c = azureCredentials(input.env, input.exists);
    if (!c.ok) problems.push(c.reason);
  }
  if (truthy(input.env, "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION")) {
    const missing = requiredPlugins(s).filter((p) => !findPlugin(p, input.env, input));
    if (missing.length) {
      // `pulumi install` fetches each plugin at the version its SDK declares (the language host reports them).
      const how = new Set(
        missing.map((p) =>
          p === "kubernetes" ? "tools/build.sh pulumi-kubernetes" : "pulumi install --no-dependencies",
        ),
      );
      problems.push(
        `provider plugin${missing.length > 1 ? "s" : ""} ${missing.join(", ")} not installed (${[...how].join("; ")})`,
      );
    }
  }
  const root = input.projectDir ?? PROJECT_DIR;
  const localFiles = [s.localEnvFile, s.kubeconfigPath].filter((f): f is string => !!f);
  const absent = localFiles.filter((f) => !input.exists(path.resolve(root, f)));
  if (absent.length) {
    problems.push(
      s.cloud === "local"
        ? `local environment not started (${absent.join(", ")} missing: local/env.sh start)`
        : `missing ${absent.join(", ")}`,
    );
  }
  return problems.length ? problems.join("; ") : undefined;
}

/** The API server of a kubeconfig's current context (or its first cluster). */
export function kubeconfigServer(doc: unknown): string | undefined {
  const kc = obj(doc);
  const contexts = Array.isArray(kc.contexts) ? kc.contexts.map(obj) : [];
  const clusters = Array.isArray(kc.clusters) ? kc.clusters.map(obj) : [];
  const current = contexts.find((c) => c.name === kc["current-context"]) ?? contexts[0];
  const clusterName = str(obj(current?.context).cluster);
  const cluster = clusters.find((c) => c.name === clusterName) ?? clusters[0];
  return str(obj(cluster?.cluster).server);
}

/** A TCP connect to the stack's cluster API (undefined: reachable), so a stopped cluster is a clear skip. */
export async function checkReachable(
  s: StackInfo,
  projectDir = PROJECT_DIR,
  timeoutMs = 3000,
): Promise<string | undefined> {
  if (!s.kubeconfigPath) return undefined;
  let server: string | undefined;
  try {
    server = kubeconfigServer(parseYaml(fs.readFileSync(path.resolve(projectDir, s.kubeconfigPath), "utf8")));
  } catch (e) {
    return `cannot read ${s.kubeconfigPath}: ${(e as Error).message}`;
  }
  if (!server) return `no cluster server in ${s.kubeconfigPath}`;
  const url = new URL(server);
  const port = Number(url.port || (url.protocol === "http:" ? 80 : 443));
  const host = url.hostname.replace(/^\[|\]$/g, "");
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (reason?: string) => {
      socket.destroy();
      resolve(reason);
    };
    socket.setTimeout(timeoutMs, () => done(`cluster API ${server} not reachable (timeout)`));
    socket.once("connect", () => done(undefined));
    socket.once("error", (e) =>
      done(
        `cluster API ${server} not reachable (${(e as NodeJS.ErrnoException).code ?? e.message})${s.cloud === "local" ? ": local/env.sh status" : ""}`,
      ),
    );
  });
}

export const realFs = {
  exists: (f: string) => fs.existsSync(f),
  list: (dir: string) => {
    try {
      return fs.readdirSync(dir);
    } catch {
      return [];
    }
  },
};

/** Shared state of one ops command run: env, the Automation API workspace, the stacks of the project. */
export interface OpsContext {
  projectDir: string;
  project: string;
  env: Env;
  workspace: auto.LocalWorkspace;
  stacks: StackInfo[];
  /** The pulumi processes running (for cancellation). */
  processes: PulumiProcesses;
  /** The stack files as they were when the command started (never written by the commands). */
  stackFiles: StackFileGuard;
}

export async function openContext(projectDir: string = PROJECT_DIR): Promise<OpsContext> {
  const env = loadProjectEnv(projectDir);
  const bundled = path.join(projectDir, ".tools", "bin", "pulumi");
  if (!fs.existsSync(bundled))
    throw new Error(`${bundled} is missing: run scripts/install.sh (or tools/build.sh pulumi)`);
  // Loaded here, not at import: the Automation API takes seconds to load and the pure parts need none of it.
  const automation = await import("@pulumi/pulumi/automation");
  const processes = new PulumiProcesses();
  const pulumiCommand = processes.adopt(
    await automation.PulumiCommand.get({ root: path.join(projectDir, ".tools") }),
  );
  const workspace = await automation.LocalWorkspace.create({
    workDir: projectDir,
    pulumiCommand,
    envVars: env,
  });
  const stacks = discoverStacks(projectDir);
  const stackFiles = new StackFileGuard(stacks.map((s) => s.file));
  return { projectDir, project: projectName(projectDir), env, workspace, stacks, processes, stackFiles };
}

const sha = (text: string) => crypto.createHash("sha256").update(text).digest("hex");

/** Keys the CLI adds to a stack file for its secrets manager. */
export const CLI_SECRETS_KEYS = ["encryptionsalt", "secretsprovider", "encryptedkey"];

/** A stack file's data as the CLI reads it: scalars as strings (it re-quotes them), its own keys left out. */
function canonical(text: string): string {
  const norm = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(norm)
      : v && typeof v === "object"
        ? Object.fromEntries(
            Object.keys(v)
              .sort()
              .map((k) => [k, norm((v as Json)[k])]),
          )
        : v === null || v === undefined
          ? v
          : String(v as string | number | boolean);
  const doc = { ...obj(parseYaml(text)) };
  for (const k of CLI_SECRETS_KEYS) delete doc[k];
  return JSON.stringify(norm(doc));
}

const comments = (text: string) => text.split("\n").filter((l) => /^\s*#/.test(l));

/**
 * True when `after` is `before` as the CLI rewrites it: the same config data and comments, with at most its
 * secrets-manager keys added and its own quoting (pure).
 */
export function onlyCliRewrite(before: string, after: string): boolean {
  try {
    return (
      canonical(before) === canonical(after) &&
      sha(comments(before).join("\n")) === sha(comments(after).join("\n"))
    );
  } catch {
    return false;
  }
}

/**
 * The stack files are the user's. Operations read a copy taken when the command started
 * (effectiveConfigFile) and a stack is created in a scratch directory (openStack). The CLI still writes
 * its encryptionsalt (and its quoting) into stacks/ on `up`, even when it reads a copy: `settle` puts such
 * a file back only when nothing but that changed (same data, same comments) and says so; a file whose
 * data or comments changed (the user's edit during the run) is never touched and is reported.
 */
export class StackFileGuard {
  private readonly snapshot = new Map<string, { hash: string; text: string }>();

  constructor(files: string[]) {
    for (const f of files) {
      const text = fs.readFileSync(f, "utf8");
      this.snapshot.set(f, { hash: sha(text), text });
    }
  }

  /** The content an operation uses (the file as the command found it). */
  text(file: string): string {
    const entry = this.snapshot.get(file);
    if (!entry) throw new Error(`${file} is not a stack file of this project`);
    return entry.text;
  }

  /** unchanged; restored (the CLI's own rewrite, undone); changed (someone else's edit, left as it is). */
  settle(file: string): "unchanged" | "restored" | "changed" {
    const entry = this.snapshot.get(file);
    if (!entry || !fs.existsSync(file)) return entry ? "changed" : "unchanged";
    const now = fs.readFileSync(file, "utf8");
    if (sha(now) === entry.hash) return "unchanged";
    if (!onlyCliRewrite(entry.text, now)) return "changed";
    fs.writeFileSync(file, entry.text);
    return "restored";
  }

  /** Settles every stack file; returns those changed by someone other than the CLI. */
  changed(): string[] {
    return [...this.snapshot.keys()].filter((f) => this.settle(f) === "changed");
  }
}

/** Serializes workspace set-up (`stack init/select` write shared files); operations then run in parallel. */
let setupChain: Promise<unknown> = Promise.resolve();
function serialized<T>(fn: () => Promise<T>): Promise<T> {
  const next = setupChain.then(fn, fn);
  setupChain = next.catch(() => undefined);
  return next;
}

/** The stacks of this project the backend has (short names). */
export async function backendStacks(ctx: Pick<OpsContext, "workspace">): Promise<Set<string>> {
  return serialized(async () => {
    const list = await ctx.workspace.listStacks();
    return new Set(list.map((x) => x.name.split("/").pop() ?? x.name));
  });
}

/**
 * Opens a stack of the backend; undefined when the backend has none of that name. Stacks are created only on
 * request (`create`, from --create-missing with --secrets-provider): `pulumi stack init` runs in a scratch
 * copy of the project file, so the salt it writes lands there and in the stack's state, never in stacks/.
 */
export function openStack(
  ctx: OpsContext,
  s: StackInfo,
  opts: { create?: { secretsProvider: string } },
): Promise<auto.Stack | undefined> {
  return serialized(async () => {
    const exists = (await ctx.workspace.listStacks()).some(
      (x) => x.name === s.stack || x.name.endsWith(`/${s.stack}`),
    );
    if (!exists) {
      if (!opts.create) return undefined;
      fs.mkdirSync(path.join(ctx.projectDir, ".state"), { recursive: true });
      const scratch = fs.mkdtempSync(path.join(ctx.projectDir, ".state", "stack-init-"));
      try {
        const project = obj(parseYaml(fs.readFileSync(path.join(ctx.projectDir, "Pulumi.yaml"), "utf8")));
        fs.writeFileSync(
          path.join(scratch, "Pulumi.yaml"),
          `name: ${JSON.stringify(project.name)}\nruntime: ${JSON.stringify(obj(project).runtime ?? "nodejs")}\n`,
        );
        await ctx.processes.run(
          ctx.workspace.pulumiCommand.command,
          ["stack", "init", s.stack, "--secrets-provider", opts.create.secretsProvider],
          scratch,
          ctx.env,
        );
      } finally {
        fs.rmSync(scratch, { recursive: true, force: true });
      }
    }
    const { Stack } = await import("@pulumi/pulumi/automation");
    return Stack.select(s.stack, ctx.workspace);
  });
}

/**
 * The config file an operation reads: a copy of the stack file as the command found it, under .state/
 * (gitignored), passed as --config-file: the CLI may write the stack's salt or its own quoting into the
 * file it reads, and that must never be the user's file.
 */
export function effectiveConfigFile(
  ctx: Pick<OpsContext, "projectDir" | "stackFiles">,
  s: StackInfo,
): string {
  const dir = path.join(ctx.projectDir, ".state", "stack-config");
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, path.basename(s.file));
  fs.writeFileSync(file, ctx.stackFiles.text(s.file));
  return file;
}
