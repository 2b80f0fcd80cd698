// Reads the stack's config keys and validates them (infra/config.ts) before anything is registered.
// Kept apart from index.ts so tests can run it with mocked config and without building a region.
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { parse as parseYaml } from "yaml";
import {
  CONFIG_KEYS,
  ConfigError,
  checkFleetTenants,
  PROGRAM_CONFIG_KEYS,
  PROJECT,
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
  return checkFleetTenants({ ...siblings, [current]: raw }, current);
}

/**
 * Validates config and reads the files it points to; throws ConfigError naming the key on any problem.
 * `stackFiles` (default: the project's stack files) are the fleet the tenants are checked against.
 */
export function resolveRegion(
  raw: Record<string, unknown>,
  stackFiles: Record<string, StackFileConfig> = readStackFiles(),
): ResolvedRegion {
  const config = parseRegionConfig(raw);
  const fleetProblems = checkFleet(raw, stackFiles);
  if (fleetProblems.length > 0) throw new ConfigError(fleetProblems);
  const resolved: ResolvedRegion = { config };
  if (config.cluster.kind === "existing") {
    resolved.kubeconfig = pulumi.secret(
      readFileOrThrow("cluster.kubeconfigPath", config.cluster.kubeconfigPath, "the kubeconfig"),
    );
  }
  if (config.kcp.localEnvFile) {
    const env = JSON.parse(
      readFileOrThrow("kcp.localEnvFile", config.kcp.localEnvFile, "the local environment description"),
    ) as LocalEnv;
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
