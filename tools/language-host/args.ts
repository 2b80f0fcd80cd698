// Pure helpers of the Node.js language host: command-line parsing, runtime options, and the argv/env
// handed to @pulumi/pulumi's cmd/run and cmd/run-policy-pack. No I/O here so they are unit-testable.

/** Where everything this host leaves out lives: upstream's host, shipped with every Pulumi CLI release. */
export const UPSTREAM_HOST =
  "pulumi-language-nodejs from the Pulumi distribution (it ships beside the `pulumi` binary)";

/** The message for a call this host does not implement, naming the host that does. */
export function notImplementedMessage(what: string): string {
  return `${what} is not implemented by this project's Node.js language host (tools/language-host); use ${UPSTREAM_HOST}`;
}

/** Version reported by GetPluginInfo: the CLI release this host stands in for (tools/versions.env). */
export const HOST_VERSION = "3.274.1";

/** Exit code with which @pulumi/pulumi's run scripts say "the user already saw an actionable error". */
export const EXIT_CODE_BAIL = 32;

export interface HostArgs {
  engineAddress: string;
  tracing: string;
}

/**
 * Parses what the CLI passes to a language plugin: optional `--logtostderr`, `-v=N`, `--tracing <url>`
 * (only when the CLI itself logs or traces) and then the engine address as the last positional argument.
 */
export function parseHostArgs(argv: readonly string[]): HostArgs {
  const positional: string[] = [];
  let tracing = "";
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--tracing" || arg === "-tracing") {
      tracing = argv[++i] ?? "";
    } else if (/^--?tracing=/.test(arg)) {
      tracing = arg.slice(arg.indexOf("=") + 1);
    } else if (arg.startsWith("-")) {
      // --logtostderr, -v=N, --runtime=nodejs, ...: logging knobs of the Go hosts, nothing to do for us.
      continue;
    } else {
      positional.push(arg);
    }
  }
  return { engineAddress: positional[0] ?? "", tracing };
}

export const PACKAGE_MANAGERS = ["auto", "npm", "yarn", "pnpm", "bun"] as const;
export type PackageManager = (typeof PACKAGE_MANAGERS)[number];

export interface NodeOptions {
  typescript: boolean;
  tsconfig: string;
  nodeargs: string[];
  /** `npm install --omit=dev` instead of a full install. */
  production: boolean;
  packagemanager: PackageManager;
}

/** Reads `runtime.options` of Pulumi.yaml / PulumiPolicy.yaml, with the same defaults and errors as upstream. */
export function parseRuntimeOptions(options: Record<string, unknown>): NodeOptions {
  const result: NodeOptions = {
    typescript: true,
    tsconfig: "",
    nodeargs: [],
    production: false,
    packagemanager: "auto",
  };
  if (options.typescript !== undefined) {
    if (typeof options.typescript !== "boolean") throw new Error("typescript option must be a boolean");
    result.typescript = options.typescript;
  }
  if (options.tsconfig !== undefined) {
    if (typeof options.tsconfig !== "string") throw new Error("tsconfigpath option must be a string");
    result.tsconfig = options.tsconfig;
  }
  if (options.nodeargs !== undefined) {
    if (typeof options.nodeargs !== "string") throw new Error("nodeargs option must be a string");
    result.nodeargs = splitShellWords(options.nodeargs);
  }
  if (options.production !== undefined) {
    if (typeof options.production !== "boolean") throw new Error("production option must be a boolean");
    result.production = options.production;
  }
  if (options.packagemanager !== undefined) {
    const pm = options.packagemanager;
    if (typeof pm !== "string") throw new Error("packagemanager option must be a string");
    if (!(PACKAGE_MANAGERS as readonly string[]).includes(pm)) {
      throw new Error(
        `packagemanager option must be one of ${PACKAGE_MANAGERS.join(", ")}, got ${JSON.stringify(pm)}`,
      );
    }
    result.packagemanager = pm as PackageManager;
  }
  return result;
}

/** Splits `nodeargs` like a POSIX shell would (quotes and backslashes), without expanding anything. */
export function splitShellWords(input: string): string[] {
  const words: string[] = [];
  let word = "";
  let inWord = false;
  let quote: "'" | '"' | null = null;
  for (let i = 0; i < input.length; i++) {
    const c = input[i];
    if (quote === "'") {
      if (c === "'") quote = null;
      else word += c;
    } else if (quote === '"') {
      if (c === '"') quote = null;
      else if (c === "\\" && i + 1 < input.length && '"\\$`'.includes(input[i + 1])) word += input[++i];
      else word += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      inWord = true;
    } else if (c === "\\") {
      if (i + 1 >= input.length) throw new Error(`nodeargs: trailing backslash in ${JSON.stringify(input)}`);
      word += input[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = "";
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (quote) throw new Error(`nodeargs: unterminated ${quote} quote in ${JSON.stringify(input)}`);
  if (inWord) words.push(word);
  return words;
}

/**
 * Config keys arrive as `<namespace>:<name>`; the runtime is handed `<namespace>:config:<name>`, the form every
 * @pulumi/pulumi release understands (newer ones strip `:config:` again). Same rule as the CLI's config.ParseKey.
 */
export function toRuntimeConfigKey(key: string): string {
  const parts = key.split(":");
  if (parts.length === 2) return `${parts[0]}:config:${parts[1]}`;
  if (parts.length === 3 && parts[1] === "config" && parts[0] !== "" && parts[2] !== "") return key;
  throw new Error(
    `could not parse ${key} as a configuration key (configuration keys should be of the form \`<namespace>:<name>\`)`,
  );
}

/** PULUMI_CONFIG and PULUMI_CONFIG_SECRET_KEYS, read by @pulumi/pulumi's runtime/config. */
export function buildConfigEnv(config: ReadonlyMap<string, string>, secretKeys: readonly string[]) {
  const out: Record<string, string> = {};
  for (const [k, v] of config) out[toRuntimeConfigKey(k)] = v;
  return { PULUMI_CONFIG: JSON.stringify(out), PULUMI_CONFIG_SECRET_KEYS: JSON.stringify(secretKeys) };
}

export interface RunSpec {
  runPath: string;
  monitorAddress: string;
  engineAddress: string;
  organization: string;
  project: string;
  rootDirectory: string;
  stack: string;
  programDirectory: string;
  dryRun: boolean;
  parallel: number;
  tracing: string;
  entryPoint: string;
  args: readonly string[];
  nodeargs: readonly string[];
}

/** argv for `node` running a program: node flags, cmd/run, its flags (see cmd/run usage()), program, args. */
export function buildRunArgs(s: RunSpec): string[] {
  const args = [...s.nodeargs, s.runPath];
  const flag = (name: string, value: string) => {
    if (value !== "") args.push(`--${name}`, value);
  };
  flag("monitor", s.monitorAddress);
  flag("engine", s.engineAddress);
  flag("organization", s.organization);
  flag("project", s.project);
  flag("root-directory", s.rootDirectory);
  flag("stack", s.stack);
  flag("pwd", s.programDirectory);
  if (s.dryRun) args.push("--dry-run");
  flag("parallel", String(s.parallel));
  flag("tracing", s.tracing);
  // An empty entry point means "the program directory": Node then honours package.json "main".
  args.push(s.entryPoint || ".", ...s.args);
  return args;
}

/** Environment switches of cmd/run for TypeScript (ts-node) and a custom tsconfig. */
export function typescriptEnv(opts: NodeOptions): Record<string, string> {
  const env: Record<string, string> = {};
  if (opts.typescript) env.PULUMI_NODEJS_TYPESCRIPT = "true";
  if (opts.tsconfig) env.PULUMI_NODEJS_TSCONFIG_PATH = opts.tsconfig;
  return env;
}

/**
 * argv for `node` running a plugin. Policy packs (kind "analyzer") are started by cmd/run-policy-pack, which
 * expects `<engine-address> <pack-dir>` (the CLI's args end with the engine address); other plugins by
 * cmd/run-plugin with the directory first.
 */
export function buildPluginArgs(
  kind: string,
  runPath: string,
  programDirectory: string,
  pluginArgs: readonly string[],
  nodeargs: readonly string[],
): string[] {
  return kind === "analyzer"
    ? [...nodeargs, runPath, ...pluginArgs, programDirectory]
    : [...nodeargs, runPath, programDirectory, ...pluginArgs];
}

/** Module the host spawns for a plugin of the given kind. */
export function pluginRunModule(kind: string, override?: string): string {
  if (kind === "analyzer") return "@pulumi/pulumi/cmd/run-policy-pack";
  return override || "@pulumi/pulumi/cmd/run-plugin";
}

/** Turns `KEY=value` strings (RunPluginRequest.env) into an env object; later entries win, like execve. */
export function envListToObject(list: readonly string[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const entry of list) {
    const i = entry.indexOf("=");
    if (i > 0) env[entry.slice(0, i)] = entry.slice(i + 1);
  }
  return env;
}

/** Env a policy pack gets from the stack it analyses (what upstream's policy proxy injects). */
export function policyPackEnv(c: {
  organization: string;
  project: string;
  stack: string;
  dryRun: boolean;
  config: ReadonlyMap<string, string>;
  secretKeys: readonly string[];
}): Record<string, string> {
  const env: Record<string, string> = { PULUMI_NODEJS_DRY_RUN: String(c.dryRun) };
  if (c.organization) env.PULUMI_NODEJS_ORGANIZATION = c.organization;
  if (c.project) env.PULUMI_NODEJS_PROJECT = c.project;
  if (c.stack) env.PULUMI_NODEJS_STACK = c.stack;
  if (c.config.size > 0) env.PULUMI_CONFIG = JSON.stringify(Object.fromEntries(c.config));
  if (c.secretKeys.length > 0) env.PULUMI_CONFIG_SECRET_KEYS = JSON.stringify(c.secretKeys);
  return env;
}

export interface RunOutcome {
  error: string;
  bail: boolean;
}

/** Maps how the program's node process ended onto RunResponse (error text, or bail for exit code 32). */
export function runOutcome(code: number | null, signal: string | null): RunOutcome {
  if (code === 0) return { error: "", bail: false };
  if (code === EXIT_CODE_BAIL) return { error: "", bail: true };
  if (code !== null) return { error: `Program exited with non-zero exit code: ${code}`, bail: false };
  return { error: `Program exited unexpectedly: signal ${signal ?? "unknown"}`, bail: false };
}

/** Extracts the first line (the port a plugin prints) from buffered stdout; undefined until it is complete. */
export function splitPortLine(buffered: string): { port: number; rest: string } | undefined {
  const nl = buffered.indexOf("\n");
  if (nl < 0) return undefined;
  const port = Number(buffered.slice(0, nl).trim());
  if (!Number.isInteger(port) || port <= 0 || port > 65535) {
    throw new Error(`policy pack wrote an invalid port to stdout: ${JSON.stringify(buffered.slice(0, nl))}`);
  }
  return { port, rest: buffered.slice(nl + 1) };
}
