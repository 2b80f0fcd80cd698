// What a Node.js program needs, read from its package.json and node_modules: the resource plugins its Pulumi
// SDK packages declare (GetRequiredPackages/GetRequiredPlugins) and its installed dependencies
// (GetProgramDependencies, `pulumi about`). Only reads files; never runs npm.
import * as fs from "node:fs";
import * as path from "node:path";

/** A package's own Pulumi metadata: package.json's `pulumi` field, or a pulumi-plugin.json beside it. */
export interface PulumiPluginInfo {
  resource?: boolean;
  name?: string;
  version?: string;
  server?: string;
  parameterization?: { name?: string; version?: string; value?: string };
}

interface PackageJson {
  name?: string;
  version?: string;
  pulumi?: PulumiPluginInfo;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

/** One resource plugin the program may load (a PackageDependency of the protocol). */
export interface RequiredPackage {
  name: string;
  /** Always `v`-prefixed, like upstream's host reports it. */
  version: string;
  server: string;
  parameterization?: { name: string; version: string; value: Uint8Array };
  /** The package.json it came from. */
  from: string;
}

export interface InstalledPackage {
  name: string;
  version: string;
  dir: string;
  manifest: PackageJson;
}

export interface Walk {
  /** Directory of the program's package.json (the project root when `main` is a subdirectory). */
  root: string;
  manifest: PackageJson;
  /** Direct dependencies (dependencies, devDependencies, optionalDependencies) that are installed. */
  direct: InstalledPackage[];
  /** Every installed package reachable from the program's package.json, the direct ones included. */
  all: InstalledPackage[];
  /** Declared dependencies that are not installed (`npm ci` not run, or an optional one skipped). */
  missing: string[];
}

function readJson<T>(file: string): T {
  return JSON.parse(fs.readFileSync(file, "utf8")) as T;
}

/**
 * The package.json that governs `dir`: the nearest one at or above it. A project whose Pulumi.yaml says
 * `main: infra/` keeps its package.json (and node_modules) at the root, one level up.
 */
export function findPackageJson(dir: string): string | undefined {
  let d = path.resolve(dir);
  for (;;) {
    const candidate = path.join(d, "package.json");
    if (fs.existsSync(candidate)) return candidate;
    const parent = path.dirname(d);
    if (parent === d) return undefined;
    d = parent;
  }
}

/** Node's lookup of a bare package name from `fromDir`: node_modules/<name> in it and every parent. */
export function resolvePackageDir(fromDir: string, name: string): string | undefined {
  let d = fromDir;
  for (;;) {
    const candidate = path.join(d, "node_modules", name);
    if (fs.existsSync(path.join(candidate, "package.json"))) return fs.realpathSync(candidate);
    const parent = path.dirname(d);
    if (parent === d) return undefined;
    d = parent;
  }
}

/**
 * Walks the dependency graph from the package.json above `programDir`: the root's dependencies of every kind,
 * then each installed package's dependencies and optionalDependencies, transitively, each package once.
 */
export function walkDependencies(programDir: string): Walk {
  const pkgJson = findPackageJson(programDir);
  if (!pkgJson) {
    throw new Error(
      `no package.json found in ${path.resolve(programDir)} or any directory above it (run \`npm init\` and \`npm install @pulumi/pulumi\`)`,
    );
  }
  const root = path.dirname(pkgJson);
  const manifest = readJson<PackageJson>(pkgJson);
  const seen = new Map<string, InstalledPackage>();
  const missing: string[] = [];
  const direct: InstalledPackage[] = [];
  const queue: Array<{ from: string; name: string; isDirect: boolean; optional: boolean }> = [];
  const enqueue = (
    from: string,
    deps: Record<string, string> | undefined,
    isDirect: boolean,
    optional = false,
  ) => {
    for (const name of Object.keys(deps ?? {}).sort()) queue.push({ from, name, isDirect, optional });
  };
  enqueue(root, manifest.dependencies, true);
  enqueue(root, manifest.devDependencies, true);
  enqueue(root, manifest.optionalDependencies, true, true);
  while (queue.length > 0) {
    const { from, name, isDirect, optional } = queue.shift()!;
    const dir = resolvePackageDir(from, name);
    if (!dir) {
      if (isDirect && !optional) missing.push(name);
      continue;
    }
    let pkg = seen.get(dir);
    if (!pkg) {
      const m = readJson<PackageJson>(path.join(dir, "package.json"));
      pkg = { name: m.name ?? name, version: String(m.version ?? ""), dir, manifest: m };
      seen.set(dir, pkg);
      enqueue(dir, m.dependencies, false);
      enqueue(dir, m.optionalDependencies, false, true);
    }
    if (isDirect && !direct.includes(pkg)) direct.push(pkg);
  }
  return { root, manifest, direct, all: [...seen.values()], missing: [...new Set(missing)] };
}

/** The package's Pulumi metadata: package.json `pulumi` (what Node SDKs ship), else pulumi-plugin.json. */
export function pluginInfoOf(pkg: Pick<InstalledPackage, "dir" | "manifest">): PulumiPluginInfo | undefined {
  if (pkg.manifest.pulumi?.resource) return pkg.manifest.pulumi;
  const file = path.join(pkg.dir, "pulumi-plugin.json");
  if (fs.existsSync(file)) {
    const info = readJson<PulumiPluginInfo>(file);
    if (info.resource) return info;
  }
  return undefined;
}

/**
 * The plugin a package declares, with upstream's rules: the name is `pulumi.name`, or the package name
 * without the `@pulumi/` scope (a third-party package must name its plugin); the version is
 * `pulumi.version`, else the package's own, `v`-prefixed. Undefined for packages that are no SDK.
 */
export function requiredPackageOf(
  pkg: Pick<InstalledPackage, "dir" | "manifest">,
): RequiredPackage | undefined {
  const info = pluginInfoOf(pkg);
  if (!info) return undefined;
  const from = path.join(pkg.dir, "package.json");
  let name = info.name ?? "";
  if (!name) {
    const pkgName = pkg.manifest.name ?? "";
    if (!pkgName.startsWith("@pulumi/")) {
      throw new Error(
        `${from}: package ${JSON.stringify(pkgName)} declares a resource plugin but no "name" in its "pulumi" section (required outside the @pulumi scope)`,
      );
    }
    name = pkgName.slice("@pulumi/".length);
  }
  const version = info.version || pkg.manifest.version || "";
  if (!version) throw new Error(`${from}: the resource plugin ${name} has no version`);
  const p = info.parameterization;
  return {
    name,
    version: version.startsWith("v") ? version : `v${version}`,
    server: info.server ?? "",
    parameterization: p
      ? {
          name: p.name ?? "",
          version: p.version ?? "",
          value: new Uint8Array(Buffer.from(p.value ?? "", "base64")),
        }
      : undefined,
    from,
  };
}

export interface RequiredPackages {
  packages: RequiredPackage[];
  /** Packages whose metadata could not be used (reported on stderr, like upstream's host logs them). */
  problems: string[];
}

/** Every resource plugin declared by the installed packages the program depends on, once per name+version. */
export function requiredPackages(programDir: string): RequiredPackages {
  let walk: Walk;
  try {
    walk = walkDependencies(programDir);
  } catch (err) {
    // Like upstream: plugin discovery is advisory, so a program without package.json simply declares none.
    return { packages: [], problems: [(err as Error).message] };
  }
  const byKey = new Map<string, RequiredPackage>();
  const problems: string[] = [];
  for (const pkg of walk.all) {
    try {
      const req = requiredPackageOf(pkg);
      if (req) byKey.set(`${req.name}@${req.version}`, byKey.get(`${req.name}@${req.version}`) ?? req);
    } catch (err) {
      problems.push((err as Error).message);
    }
  }
  const packages = [...byKey.values()].sort((a, b) =>
    a.name === b.name ? a.version.localeCompare(b.version) : a.name.localeCompare(b.name),
  );
  return { packages, problems };
}

/** The npm command InstallDependencies runs in `root`: `npm ci` when a lockfile pins the tree. */
export function installCommand(root: string, production: boolean): string[] {
  const locked = ["package-lock.json", "npm-shrinkwrap.json"].some((f) => fs.existsSync(path.join(root, f)));
  // --ignore-scripts: SDK install scripts (e.g. @pulumi/kubernetes's) download plugins themselves; the CLI
  // installs the plugins GetRequiredPackages reports, from its own plugin cache, instead.
  const args = [locked ? "ci" : "install", "--ignore-scripts", "--no-audit", "--no-fund"];
  if (production) args.push("--omit=dev");
  return ["npm", ...args];
}
