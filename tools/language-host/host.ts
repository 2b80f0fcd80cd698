// The LanguageRuntime gRPC service: runs Pulumi programs and Node.js plugins (policy packs) by spawning `node`
// on the @pulumi/pulumi run scripts installed next to the program, exactly as the CLI expects from
// pulumi-language-nodejs; reports the plugins the program's SDK packages declare and installs its npm
// dependencies. Code generation, packing, linking and debugging are left to upstream's host (see
// notImplementedMessage).
import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import * as grpc from "@grpc/grpc-js";
import * as langpb from "@pulumi/pulumi/proto/language_pb";
import * as pluginpb from "@pulumi/pulumi/proto/plugin_pb";
import type { ILanguageRuntimeServer } from "@pulumi/pulumi/proto/language_grpc_pb";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import {
  HOST_VERSION,
  notImplementedMessage,
  buildConfigEnv,
  buildPluginArgs,
  buildRunArgs,
  envListToObject,
  parseRuntimeOptions,
  pluginRunModule,
  policyPackEnv,
  runOutcome,
  splitPortLine,
  typescriptEnv,
  type NodeOptions,
} from "./args";
import { PolicyProxy } from "./policy-proxy";
import { findPackageJson, installCommand, requiredPackages, walkDependencies } from "./packages";

/** What every request carrying a ProgramInfo boils down to (older CLIs only sent pwd/program). */
interface Program {
  root: string;
  dir: string;
  entryPoint: string;
  options: NodeOptions;
}

function programOf(info: langpb.ProgramInfo | undefined, pwd = "", program = ""): Program {
  const dir = info?.getProgramDirectory() || pwd || process.cwd();
  return {
    root: info?.getRootDirectory() || dir,
    dir,
    entryPoint: info?.getEntryPoint() || program || ".",
    options: parseRuntimeOptions((info?.getOptions()?.toJavaScript() ?? {}) as Record<string, unknown>),
  };
}

/** Resolves a module the way the program itself would, from its own node_modules (not the host's). */
function resolveFrom(dir: string, mod: string, installHint: string): string {
  try {
    return require.resolve(mod, { paths: [dir] });
  } catch {
    throw new Error(
      `It looks like the Pulumi SDK has not been installed (${mod} not found from ${dir}). ${installHint}`,
    );
  }
}

/** protobuf bytes fields want a plain Uint8Array view; no copy of the chunk is made. */
function bytes(data: Buffer | string): Uint8Array {
  if (typeof data === "string") return new TextEncoder().encode(data);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

function grpcError(code: grpc.status, err: unknown): Partial<grpc.StatusObject> {
  return { code, details: err instanceof Error ? err.message : String(err) };
}

/** Stops a child gracefully (SIGINT lets @pulumi/pulumi flush), then for good after 5 s. */
function stop(child: ChildProcess): void {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill("SIGINT");
  setTimeout(
    () => child.exitCode === null && child.signalCode === null && child.kill("SIGKILL"),
    5000,
  ).unref();
}

export class LanguageHost {
  private readonly children = new Set<ChildProcess>();

  constructor(
    private engineAddress: string,
    private readonly tracing: string,
  ) {}

  /** Kills every program/plugin still running (Cancel RPC, or the host shutting down). */
  stopAll(): void {
    for (const child of this.children) stop(child);
  }

  private spawnNode(args: string[], cwd: string, env: NodeJS.ProcessEnv): ChildProcess {
    // process.execPath: the same node that runs this host, so programs never pick up a different one.
    const child = spawn(process.execPath, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    this.children.add(child);
    child.on("close", () => this.children.delete(child));
    return child;
  }

  service(): ILanguageRuntimeServer {
    const unimplemented = (name: string) => (_call: unknown, callback: grpc.sendUnaryData<never>) =>
      callback({ code: grpc.status.UNIMPLEMENTED, details: notImplementedMessage(name) });
    return {
      handshake: (call, callback) => {
        // Only sent when the CLI attaches to an already running host (PULUMI_DEBUG_LANGUAGES).
        this.engineAddress = call.request.getEngineAddress() || this.engineAddress;
        callback(null, new langpb.LanguageHandshakeResponse());
      },
      getPluginInfo: (_call, callback) => callback(null, new pluginpb.PluginInfo().setVersion(HOST_VERSION)),
      // Both read the SDK packages installed for the program (node_modules above the program directory).
      // Like upstream, every declared plugin is reported, also those of SDKs a stack never loads (aws or
      // azure-native in a local region): `up`/`preview` only try to install missing ones (best effort when
      // automatic acquisition is off) and load a provider only when a resource needs it.
      getRequiredPlugins: (call, callback) => {
        try {
          const program = programOf(call.request.getInfo(), call.request.getPwd(), call.request.getProgram());
          const res = new langpb.GetRequiredPluginsResponse();
          for (const p of this.requiredPackages(program.dir)) {
            res.addPlugins(
              new pluginpb.PluginDependency()
                .setName(p.name)
                .setKind("resource")
                .setVersion(p.version)
                .setServer(p.server),
            );
          }
          callback(null, res);
        } catch (err) {
          callback(grpcError(grpc.status.INTERNAL, err));
        }
      },
      getRequiredPackages: (call, callback) => {
        try {
          const program = programOf(call.request.getInfo());
          const res = new langpb.GetRequiredPackagesResponse();
          for (const p of this.requiredPackages(program.dir)) {
            const dep = new pluginpb.PackageDependency()
              .setName(p.name)
              .setKind("resource")
              .setVersion(p.version)
              .setServer(p.server);
            if (p.parameterization) {
              dep.setParameterization(
                new pluginpb.PackageParameterization()
                  .setName(p.parameterization.name)
                  .setVersion(p.parameterization.version)
                  .setValue(p.parameterization.value),
              );
            }
            res.addPackages(dep);
          }
          callback(null, res);
        } catch (err) {
          callback(grpcError(grpc.status.INTERNAL, err));
        }
      },
      run: (call, callback) => {
        this.run(call).then(
          (res) => callback(null, res),
          (err) => callback(grpcError(grpc.status.UNKNOWN, err)),
        );
      },
      runPlugin: (call) => {
        this.runPlugin(call).catch((err) => call.emit("error", grpcError(grpc.status.UNKNOWN, err)));
      },
      installDependencies: (call) => {
        this.installDependencies(call).then(
          () => call.end(),
          (err) => call.emit("error", grpcError(grpc.status.UNKNOWN, err)),
        );
      },
      about: (call, callback) => {
        this.about(call.request).then(
          (res) => callback(null, res),
          (err) => callback(grpcError(grpc.status.UNKNOWN, err)),
        );
      },
      getProgramDependencies: (call, callback) => {
        try {
          const program = programOf(call.request.getInfo(), call.request.getPwd(), call.request.getProgram());
          callback(null, programDependencies(program.dir, call.request.getTransitivedependencies()));
        } catch (err) {
          callback(grpcError(grpc.status.INTERNAL, err));
        }
      },
      runtimeOptionsPrompts: (_call, callback) => callback(null, new langpb.RuntimeOptionsResponse()),
      template: (_call, callback) => callback(null, new langpb.TemplateResponse()),
      cancel: (_call, callback) => {
        this.stopAll();
        callback(null, new Empty());
      },
      // Code generation needs upstream's Node.js codegen (Go), which is not built here.
      generateProgram: unimplemented(
        "GenerateProgram (code generation for `pulumi convert` and `pulumi import`)",
      ),
      generateProject: unimplemented("GenerateProject (`pulumi convert`)"),
      generatePackage: unimplemented("GeneratePackage (SDK generation for `pulumi package add`/`gen-sdk`)"),
      pack: unimplemented("Pack (packing a generated SDK)"),
      link: unimplemented("Link (linking a generated SDK into the program for `pulumi package add`)"),
    };
  }

  /** The declared plugins; packages with unusable metadata are skipped and named on stderr. */
  private requiredPackages(programDir: string) {
    const { packages, problems } = requiredPackages(programDir);
    for (const p of problems) process.stderr.write(`warning: skipping a plugin declaration: ${p}\n`);
    return packages;
  }

  /** `npm ci` (or `npm install` without a lockfile) where the program's package.json is, output streamed. */
  private async installDependencies(
    call: grpc.ServerWritableStream<langpb.InstallDependenciesRequest, langpb.InstallDependenciesResponse>,
  ): Promise<void> {
    const req = call.request;
    const program = programOf(req.getInfo(), req.getDirectory());
    if (!["auto", "npm"].includes(program.options.packagemanager)) {
      throw new Error(notImplementedMessage(`Installing with ${program.options.packagemanager}`));
    }
    const pkgJson = findPackageJson(program.dir);
    if (!pkgJson) throw new Error(`no package.json in ${program.dir} or above it: nothing to install`);
    const root = path.dirname(pkgJson);
    const [cmd, ...args] = installCommand(root, program.options.production);
    const out = (data: Buffer | string) =>
      call.write(new langpb.InstallDependenciesResponse().setStdout(bytes(data)));
    const err = (data: Buffer | string) =>
      call.write(new langpb.InstallDependenciesResponse().setStderr(bytes(data)));
    out(`Installing dependencies in ${root}: ${[cmd, ...args].join(" ")}\n\n`);
    const child = spawn(cmd, args, { cwd: root, env: process.env, stdio: ["ignore", "pipe", "pipe"] });
    this.children.add(child);
    call.on("cancelled", () => stop(child));
    child.stdout.on("data", out);
    child.stderr.on("data", err);
    await new Promise<void>((resolve, reject) => {
      child.on("error", (e) => reject(new Error(`could not run ${cmd}: ${e.message}`)));
      child.on("close", (code, signal) => {
        this.children.delete(child);
        if (code === 0) resolve();
        else reject(new Error(`${[cmd, ...args].join(" ")} failed in ${root} (exit ${code ?? signal})`));
      });
    });
    out("Finished installing dependencies\n\n");
  }

  /** node and npm as the program would see them, and the TypeScript it would load (`pulumi about`). */
  private async about(req: langpb.AboutRequest): Promise<langpb.AboutResponse> {
    const program = programOf(req.getInfo());
    const res = new langpb.AboutResponse().setExecutable(process.execPath).setVersion(process.version);
    const meta = res.getMetadataMap();
    meta.set("packagemanager", "npm");
    const npmVersion = await new Promise<string>((resolve) => {
      const child = spawn("npm", ["--version"], { cwd: program.dir, stdio: ["ignore", "pipe", "ignore"] });
      let v = "";
      child.stdout.on("data", (d: Buffer) => (v += d.toString()));
      child.on("error", () => resolve(""));
      child.on("close", () => resolve(v.trim()));
    });
    if (npmVersion) meta.set("packagemanagerVersion", npmVersion);
    try {
      const ts = require.resolve("typescript/package.json", { paths: [program.dir] });
      meta.set("typescriptVersion", String(JSON.parse(fs.readFileSync(ts, "utf8")).version));
    } catch {
      // no TypeScript installed for the program: nothing to report
    }
    return res;
  }

  private async run(
    call: grpc.ServerUnaryCall<langpb.RunRequest, langpb.RunResponse>,
  ): Promise<langpb.RunResponse> {
    const req = call.request;
    const response = (error: string, bail = false) => new langpb.RunResponse().setError(error).setBail(bail);
    if (req.getAttachDebugger())
      return response(notImplementedMessage("Attaching a debugger (--attach-debugger)"));

    let args: string[];
    let env: NodeJS.ProcessEnv;
    let program: Program;
    try {
      program = programOf(req.getInfo(), req.getPwd(), req.getProgram());
      const runPath = resolveFrom(
        program.dir,
        process.env.PULUMI_LANGUAGE_NODEJS_RUN_PATH || "@pulumi/pulumi/cmd/run",
        "Have you run `npm ci`?",
      );
      args = buildRunArgs({
        runPath,
        monitorAddress: req.getMonitorAddress(),
        engineAddress: this.engineAddress,
        organization: req.getOrganization(),
        project: req.getProject(),
        rootDirectory: program.root,
        stack: req.getStack(),
        programDirectory: program.dir,
        dryRun: req.getDryrun(),
        parallel: req.getParallel(),
        tracing: this.tracing,
        entryPoint: program.entryPoint,
        args: req.getArgsList(),
        nodeargs: program.options.nodeargs,
      });
      const config = new Map(req.getConfigMap().toArray());
      env = {
        ...process.env,
        ...buildConfigEnv(config, req.getConfigsecretkeysList()),
        ...typescriptEnv(program.options),
      };
    } catch (err) {
      return response(err instanceof Error ? err.message : String(err));
    }

    const child = this.spawnNode(args, req.getPwd() || program.dir, env);
    // Piped rather than inherited: node may switch inherited descriptors to non-blocking mode under the CLI.
    child.stdout?.pipe(process.stdout, { end: false });
    child.stderr?.pipe(process.stderr, { end: false });
    call.on("cancelled", () => stop(child));
    // Promises settle once: whichever of 'error' (spawn failed) and 'close' comes first wins.
    return new Promise((resolve) => {
      child.on("error", (err) =>
        resolve(response(`Problem executing program (could not run language executor): ${err.message}`)),
      );
      child.on("close", (code, signal) => {
        const outcome = runOutcome(code, signal);
        resolve(response(outcome.error, outcome.bail));
      });
    });
  }

  private async runPlugin(
    call: grpc.ServerWritableStream<langpb.RunPluginRequest, langpb.RunPluginResponse>,
  ): Promise<void> {
    const req = call.request;
    if (req.getAttachDebugger())
      throw new Error(notImplementedMessage("Attaching a debugger to a plugin (--attach-debugger)"));
    const program = programOf(req.getInfo(), req.getPwd());
    const kind = req.getKind();
    const runPath = resolveFrom(
      program.dir,
      pluginRunModule(kind, process.env.PULUMI_LANGUAGE_NODEJS_RUN_PATH),
      `Have you run npm install in ${program.dir}?`,
    );
    const args = buildPluginArgs(kind, runPath, program.dir, req.getArgsList(), program.options.nodeargs);
    const base = req.getEnvList().length > 0 ? envListToObject(req.getEnvList()) : { ...process.env };
    const env: NodeJS.ProcessEnv = { ...base, ...typescriptEnv(program.options) };

    let open = true;
    const send = (msg: langpb.RunPluginResponse) => open && call.write(msg);
    const stdout = (data: Buffer | string) => send(new langpb.RunPluginResponse().setStdout(bytes(data)));
    const stderr = (data: Buffer | string) => send(new langpb.RunPluginResponse().setStderr(bytes(data)));
    let proxy: PolicyProxy | undefined;
    call.on("cancelled", () => {
      open = false;
      proxy?.close();
    });

    if (kind === "analyzer") {
      proxy = await PolicyProxy.start();
      stdout(`${proxy.port}\n`);
      // Rejected only when the CLI hung up first; then there is nothing left to start.
      const cfg = await proxy.awaitConfiguration().catch(() => undefined);
      if (!open) return;
      if (cfg) {
        Object.assign(
          env,
          policyPackEnv({
            organization: cfg.getOrganization(),
            project: cfg.getProject(),
            stack: cfg.getStack(),
            dryRun: cfg.getDryRun(),
            config: new Map(cfg.getConfigMap().toArray()),
            secretKeys: cfg.getConfigSecretKeysList(),
          }),
        );
      }
    }

    // Policy packs historically run from their own directory; other plugins from the CLI's working directory.
    const child = this.spawnNode(args, kind === "analyzer" ? program.dir : req.getPwd() || program.dir, env);
    call.on("cancelled", () => stop(child));
    child.stderr?.on("data", stderr);
    if (proxy) {
      const p = proxy;
      let buffered = "";
      let attached = false;
      child.stdout?.on("data", (data: Buffer) => {
        if (attached) {
          stdout(data);
          return;
        }
        buffered += data.toString("utf8");
        try {
          const line = splitPortLine(buffered);
          if (!line) return;
          attached = true;
          if (line.rest) stdout(line.rest);
          p.attach(line.port).catch((err: Error) => p.fail(err));
        } catch (err) {
          attached = true; // not a port: pass the output on so the user sees what the pack printed instead
          stdout(buffered);
          p.fail(err as Error);
        }
      });
    } else {
      child.stdout?.on("data", stdout);
    }

    await new Promise<void>((resolve) => {
      let done = false;
      const finish = (code: number, why: string) => {
        if (done) return;
        done = true;
        proxy?.fail(new Error(why));
        proxy?.close();
        send(new langpb.RunPluginResponse().setExitcode(code));
        if (open) call.end();
        resolve();
      };
      child.on("error", (err) => {
        stderr(`Problem executing plugin program (could not run language executor): ${err.message}\n`);
        finish(1, err.message);
      });
      child.on("close", (code, signal) =>
        finish(code ?? 1, `plugin exited (code ${code}, signal ${signal})`),
      );
    });
  }
}

/** The program's installed dependencies (direct ones, or all reachable) with their versions (`pulumi about`). */
function programDependencies(dir: string, transitive: boolean): langpb.GetProgramDependenciesResponse {
  const res = new langpb.GetProgramDependenciesResponse();
  const walk = walkDependencies(dir);
  const pkgs = (transitive ? walk.all : walk.direct)
    .map((p) => ({ name: p.name, version: p.version }))
    .sort((a, b) => (a.name === b.name ? a.version.localeCompare(b.version) : a.name.localeCompare(b.name)));
  for (const p of pkgs)
    res.addDependencies(new langpb.DependencyInfo().setName(p.name).setVersion(p.version));
  return res;
}
