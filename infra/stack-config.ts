// Reads the stack's config keys and validates them (infra/config.ts) before anything is registered.
// Kept apart from index.ts so tests can run it with mocked config and without building a region.
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { parse as parseYaml } from "yaml";
import {
  CONFIG_KEYS,
  ConfigError,
  checkFleetShards,
  checkFleetTenants,
  PROGRAM_CONFIG_KEYS,
  PROJECT,
  type ParseContext,
  parseRegionConfig,
  type RegionConfig,
  type StackFileConfig,
} from "./config";

/** Everything the program needs from outside the stack file, resolved and checked up front. */
export interface ResolvedRegion {
  config: RegionConfig;
  /** Kubeconfig content for `cluster.kind: existing` (a secret). */
  kubeconfig?: pulumi.Output<string>;
  /** The local environment description (profile local). */
  localEnv?: LocalEnv;
  /** The local kcp admin kubeconfig content (a secret). */
  kcpAdminKubeconfig?: pulumi.Output<string>;
}

export interface LocalEnv {
  kcp: { frontProxyUrl: string; adminKubeconfig: string; rootShardKubeconfig: string };
  regions: {
    name: string;
    home: boolean;
    kubeconfig: string;
    apiServer: string;
    zones: string[];
    kcpShard: string;
  }[];
}

/**
 * Raw config object as the stack file wrote it (structured values decoded), without the namespace. Keys of
 * the project namespace that nothing reads are kept, so a misspelt key is an error rather than ignored.
 */
export function rawStackConfig(
  config: pulumi.Config,
  all: Record<string, string> = pulumi.runtime.allConfig(),
): Record<string, unknown> {
  const raw: Record<string, unknown> = {};
  const known = new Set<string>([...CONFIG_KEYS, ...PROGRAM_CONFIG_KEYS]);
  for (const full of Object.keys(all)) {
    const key = full.startsWith(`${PROJECT}:`) ? full.slice(PROJECT.length + 1) : undefined;
    if (key !== undefined && !known.has(key)) raw[key] = all[full];
  }
  for (const key of CONFIG_KEYS) {
    const text = config.get(key);
    if (text === undefined) continue;
    try {
      raw[key] = JSON.parse(text);
    } catch {
      raw[key] = text; // a plain string value
    }
  }
  return raw;
}

/** The project root (the directory holding Pulumi.yaml): relative paths in stack config are relative to it. */
export function projectRoot(from = process.cwd()): string {
  for (let dir = path.resolve(from); ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, "Pulumi.yaml"))) return dir;
    if (path.dirname(dir) === dir) return path.resolve(from);
  }
}

function readFileOrThrow(key: string, file: string, what: string): string {
  try {
    return fs.readFileSync(path.resolve(projectRoot(), file), "utf8");
  } catch (e) {
    throw new ConfigError([
      `${PROJECT}:${key} = ${JSON.stringify(file)}: cannot read ${what} (${(e as Error).message})`,
    ]);
  }
}

/**
 * The project's stack files (Pulumi.yaml stackConfigDir, `stacks/`): stack name → the project's keys without
 * the namespace. Files that cannot be read or parsed are skipped: only the fleet check reads these.
 */
export function readStackFiles(root = projectRoot()): Record<string, StackFileConfig> {
  let dir = "stacks";
  try {
    const project = parseYaml(fs.readFileSync(path.join(root, "Pulumi.yaml"), "utf8")) as {
      stackConfigDir?: unknown;
    };
    if (typeof project?.stackConfigDir === "string") dir = project.stackConfigDir;
  } catch {
    // No Pulumi.yaml: the default directory.
  }
  const files: Record<string, StackFileConfig> = {};
  let names: string[] = [];
  try {
    names = fs.readdirSync(path.join(root, dir));
  } catch {
    return files;
  }
  for (const f of names) {
    const stack = /^Pulumi\.(.+)\.ya?ml$/.exec(f)?.[1];
    if (!stack) continue;
    try {
      const doc = parseYaml(fs.readFileSync(path.join(root, dir, f), "utf8")) as { config?: unknown };
      const config = (doc?.config ?? {}) as Record<string, unknown>;
      files[stack] = Object.fromEntries(
        Object.entries(config)
          .filter(([k]) => k.startsWith(`${PROJECT}:`))
          .map(([k, v]) => [k.slice(PROJECT.length + 1), v]),
      );
    } catch {
      continue;
    }
  }
  return files;
}

/**
 * The fleet check (infra/config.ts checkFleetTenants) for this stack against its siblings. This stack is
 * checked as the engine gave its config, in place of its own file (the one for the same region).
 */
export function checkFleet(
  raw: Record<string, unknown>,
  stackFiles: Record<string, StackFileConfig>,
): string[] {
  const siblings = Object.fromEntries(Object.entries(stackFiles).filter(([, c]) => c.region !== raw.region));
  const current = String(raw.region);
  const fleet = { ...siblings, [current]: raw };
  return [...checkFleetTenants(fleet, current), ...checkFleetShards(fleet, current)];
}

/**
 * Validates config and reads the files it points to; throws ConfigError naming the key on any problem.
 * `stackFiles` (default: the project's stack files) are the fleet the tenants are checked against.
 */
export function resolveRegion(
  raw: Record<string, unknown>,
  stackFiles: Record<string, StackFileConfig> = readStackFiles(),
  context: ParseContext = {},
): ResolvedRegion {
  const config = parseRegionConfig(raw, context);
  const fleetProblems = checkFleet(raw, stackFiles);
  if (fleetProblems.length > 0) throw new ConfigError(fleetProblems);
  const resolved: ResolvedRegion = { config };
  if (config.cluster.kind === "existing") {
    resolved.kubeconfig = pulumi.secret(
      readFileOrThrow("cluster.kubeconfigPath", config.cluster.kubeconfigPath, "the kubeconfig"),
    );
  }
  if (config.kcp.localEnvFile) {
    const text = readFileOrThrow(
      "kcp.localEnvFile",
      config.kcp.localEnvFile,
      "the local environment description",
    );
    let env: LocalEnv;
    try {
      env = JSON.parse(text) as LocalEnv;
      if (!Array.isArray(env.regions) || typeof env.kcp?.adminKubeconfig !== "string")
        throw new Error("not an environment description");
    } catch (e) {
      throw new ConfigError([
        `${PROJECT}:kcp.localEnvFile = ${JSON.stringify(config.kcp.localEnvFile)}: expected the description local/env.sh writes (${(e as Error).message}); restart the local environment`,
      ]);
    }
    if (!env.regions.some((r) => r.name === config.region)) {
      throw new ConfigError([
        `${PROJECT}:region = ${JSON.stringify(config.region)}: not a region of the local environment (${env.regions.map((r) => r.name).join(", ")}); start it with LOCAL_REGIONS`,
      ]);
    }
    resolved.localEnv = env;
    resolved.kcpAdminKubeconfig = pulumi.secret(
      readFileOrThrow("kcp.localEnvFile", env.kcp.adminKubeconfig, "the local kcp admin kubeconfig"),
    );
  }
  return resolved;
}

/** Program config keys that hold secrets: set with `pulumi config set --secret`, never in plaintext. */
export const SECRET_CONFIG_KEYS = [
  "resultsDatabasePassword",
  "githubAppId",
  "githubPrivateKey",
  "githubWebhookSecret",
  "argocdRepositoryCredentials",
];

const GITHUB_APP_KEYS = ["githubAppId", "githubPrivateKey", "githubWebhookSecret"];

/** Argo CD repository Secret names: argocd-repo-<name>, a DNS label of at most 63 characters. */
const REPO_NAME = /^[a-z0-9]([-a-z0-9]{0,56}[a-z0-9])?$/;
const REPO_URL = /^(https?:\/\/|ssh:\/\/|git@)\S+$/;

function jsonValue(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * Checks the program's own keys (secrets, Argo CD repositories) against the validated region config; pure.
 * `all` is the engine's config ("pipeline-service:key" -> text), `isSecret` says whether the engine holds a
 * key as a secret. Messages never show a secret's value.
 */
export function checkProgramConfig(
  all: Record<string, string>,
  isSecret: (fullKey: string) => boolean,
  region: RegionConfig,
): string[] {
  const problems: string[] = [];
  const full = (k: string) => `${PROJECT}:${k}`;
  const has = (k: string) => all[full(k)] !== undefined;
  for (const k of SECRET_CONFIG_KEYS) {
    if (has(k) && !isSecret(full(k))) {
      const how =
        k === "argocdRepositoryCredentials"
          ? `pulumi config set --secret --path 'argocdRepositoryCredentials.<repository>.password' <value>`
          : `pulumi config set --secret ${k} <value>`;
      problems.push(
        `${full(k)} = (plaintext, not shown): expected a secret; remove it from the stack file (pulumi config rm ${k}) and set it with: ${how}`,
      );
    }
  }
  const ignored = (k: string, why: string) => {
    if (has(k)) problems.push(`${full(k)} = (set): expected no value: it has no effect ${why}`);
  };
  // Pipelines as Code's GitHub App: all three secrets or none.
  const app = GITHUB_APP_KEYS.filter(has);
  const pac = region.tekton.pipelines.enabled && region.tekton.pipelinesAsCode.enabled;
  if (!pac)
    for (const k of app) ignored(k, "while Pipelines as Code is off (tekton.pipelinesAsCode.enabled)");
  else if (app.length > 0 && app.length < GITHUB_APP_KEYS.length)
    for (const k of GITHUB_APP_KEYS.filter((x) => !has(x)))
      problems.push(
        `${full(k)} = (not set): expected a value: ${GITHUB_APP_KEYS.join(", ")} are set together (pulumi config set --secret ${k} <value>)`,
      );
  // Source: GitHub docs, "About apps" / REST API "Get an app" (the App ID is an integer).
  if (pac && has("githubAppId") && !/^\d+$/.test(all[full("githubAppId")].trim()))
    problems.push(`${full("githubAppId")} = (secret, not shown): expected the GitHub App's numeric App ID`);
  // Source: GitHub docs, "Managing private keys for GitHub Apps" (a PEM-encoded RSA private key).
  if (
    pac &&
    has("githubPrivateKey") &&
    !/-----BEGIN (RSA )?PRIVATE KEY-----/.test(all[full("githubPrivateKey")])
  )
    problems.push(
      `${full("githubPrivateKey")} = (secret, not shown): expected the App's PEM private key (-----BEGIN RSA PRIVATE KEY-----); set it with: pulumi config set --secret githubPrivateKey < key.pem`,
    );
  // The local profile's server trusts loopback connections (program.ts gives Results a placeholder).
  if (region.database.kind === "external" && region.profile === "cloud" && !has("resultsDatabasePassword"))
    problems.push(
      `${full("resultsDatabasePassword")} = (not set): expected the password of the external database (database.kind external): pulumi config set --secret resultsDatabasePassword <value>`,
    );
  if (region.database.kind !== "external")
    ignored(
      "resultsDatabasePassword",
      `with database.kind ${region.database.kind} (the program makes that password)`,
    );
  // Argo CD repositories (the component's own rules, checked here so nothing is registered first).
  const repos = jsonValue(all[full("argocdRepositories")]);
  const names: string[] = [];
  if (repos !== undefined) {
    if (!region.gitops.enabled) ignored("argocdRepositories", "while gitops.enabled is false");
    else if (!Array.isArray(repos))
      problems.push(
        `${full("argocdRepositories")} = ${JSON.stringify(repos)}: expected a list of {name, url, type?}`,
      );
    else
      repos.forEach((r: unknown, i) => {
        const key = `${full("argocdRepositories")}[${i}]`;
        const o = (r !== null && typeof r === "object" ? r : {}) as Record<string, unknown>;
        for (const extra of Object.keys(o).filter((x) => !["name", "url", "type"].includes(x)))
          problems.push(
            `${key}.${extra}: unknown key (check the spelling; credentials go in argocdRepositoryCredentials)`,
          );
        if (typeof o.name !== "string" || !REPO_NAME.test(o.name))
          problems.push(
            `${key}.name = ${JSON.stringify(o.name)}: expected a lowercase DNS label of at most 58 characters`,
          );
        else if (names.includes(o.name))
          problems.push(
            `${key}.name = ${JSON.stringify(o.name)}: expected a name unique among the repositories`,
          );
        else names.push(o.name);
        if (typeof o.url !== "string" || !REPO_URL.test(o.url))
          problems.push(
            `${key}.url = ${JSON.stringify(o.url)}: expected a repository URL (https://, ssh:// or git@)`,
          );
        if (o.type !== undefined && o.type !== "git" && o.type !== "helm")
          problems.push(`${key}.type = ${JSON.stringify(o.type)}: expected one of "git" | "helm"`);
      });
  }
  const creds = jsonValue(all[full("argocdRepositoryCredentials")]);
  if (creds !== undefined && region.gitops.enabled) {
    if (repos === undefined) ignored("argocdRepositoryCredentials", "without argocdRepositories");
    else if (creds === null || typeof creds !== "object" || Array.isArray(creds))
      problems.push(
        `${full("argocdRepositoryCredentials")} = (secret, not shown): expected a map of repository name to credentials`,
      );
    else
      for (const [name, c] of Object.entries(creds as Record<string, unknown>)) {
        const key = `${full("argocdRepositoryCredentials")}.${name}`;
        if (!names.includes(name)) {
          problems.push(
            `${key}: expected the name of a repository in argocdRepositories (${names.join(", ") || "none"})`,
          );
          continue;
        }
        const o = (c !== null && typeof c === "object" ? c : {}) as Record<string, unknown>;
        for (const extra of Object.keys(o).filter(
          (x) => !["username", "password", "sshPrivateKey"].includes(x),
        ))
          problems.push(`${key}.${extra}: unknown key (expected username, password or sshPrivateKey)`);
        for (const [k, v] of Object.entries(o))
          if (typeof v !== "string") problems.push(`${key}.${k} = (secret, not shown): expected a string`);
        if (o.password && o.sshPrivateKey)
          problems.push(`${key} = (secret, not shown): expected a password or an SSH key, not both`);
      }
  }
  return problems;
}
