// Tests for our pulumi-language-nodejs (tools/language-host): the pure argument/env builders, the policy-pack
// proxy against an in-process fake analyzer, and the gRPC surface of the real host process with a fake
// `cmd/run` (PULUMI_LANGUAGE_NODEJS_RUN_PATH) that records what it was started with.

import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as grpc from "@grpc/grpc-js";
import * as analyzerpb from "@pulumi/pulumi/proto/analyzer_pb";
import { AnalyzerService } from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import * as langpb from "@pulumi/pulumi/proto/language_pb";
import { LanguageRuntimeClient } from "@pulumi/pulumi/proto/language_grpc_pb";
import * as pluginpb from "@pulumi/pulumi/proto/plugin_pb";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import {
  buildConfigEnv,
  buildPluginArgs,
  buildRunArgs,
  envListToObject,
  parseHostArgs,
  parseRuntimeOptions,
  pluginRunModule,
  policyPackEnv,
  runOutcome,
  splitPortLine,
  splitShellWords,
  toRuntimeConfigKey,
  type RunSpec,
} from "../../tools/language-host/args";
import { PolicyProxy } from "../../tools/language-host/policy-proxy";

const REPO = path.resolve(__dirname, "../..");

describe("language host: command line", () => {
  it("takes the engine address as the last positional and ignores the CLI's logging flags", () => {
    assert.deepEqual(parseHostArgs(["127.0.0.1:1234"]), { engineAddress: "127.0.0.1:1234", tracing: "" });
    assert.deepEqual(parseHostArgs(["--logtostderr", "-v=9", "--tracing", "http://zipkin", "127.0.0.1:5"]), {
      engineAddress: "127.0.0.1:5",
      tracing: "http://zipkin",
    });
    assert.deepEqual(parseHostArgs(["-tracing=t", "e:1"]), { engineAddress: "e:1", tracing: "t" });
    assert.deepEqual(parseHostArgs([]), { engineAddress: "", tracing: "" });
  });
});

describe("language host: runtime options", () => {
  it("defaults to TypeScript with no node arguments", () => {
    assert.deepEqual(parseRuntimeOptions({}), {
      typescript: true,
      tsconfig: "",
      nodeargs: [],
      production: false,
      packagemanager: "auto",
    });
  });

  it("reads production and packagemanager, and names the allowed package managers", () => {
    const o = parseRuntimeOptions({ production: true, packagemanager: "npm" });
    assert.deepEqual([o.production, o.packagemanager], [true, "npm"]);
    assert.throws(() => parseRuntimeOptions({ production: "yes" }), /production option must be a boolean/);
    assert.throws(
      () => parseRuntimeOptions({ packagemanager: "pip" }),
      /packagemanager option must be one of auto, npm, yarn, pnpm, bun, got "pip"/,
    );
  });

  it("reads typescript, tsconfig and shell-split nodeargs", () => {
    assert.deepEqual(
      parseRuntimeOptions({
        typescript: false,
        tsconfig: "tsconfig.build.json",
        nodeargs: "--max-old-space-size=4096 --trace-warnings",
      }),
      {
        typescript: false,
        tsconfig: "tsconfig.build.json",
        nodeargs: ["--max-old-space-size=4096", "--trace-warnings"],
        production: false,
        packagemanager: "auto",
      },
    );
  });

  it("rejects options of the wrong type like the upstream host", () => {
    assert.throws(() => parseRuntimeOptions({ typescript: "yes" }), /typescript option must be a boolean/);
    assert.throws(() => parseRuntimeOptions({ nodeargs: ["--a"] }), /nodeargs option must be a string/);
  });

  it("splits words like a shell, without expansion", () => {
    assert.deepEqual(splitShellWords(`  a 'b c' "d \\"e\\"" f\\ g '' `), ["a", "b c", 'd "e"', "f g", ""]);
    assert.deepEqual(splitShellWords("--require=./x.js   $HOME"), ["--require=./x.js", "$HOME"]);
    assert.deepEqual(splitShellWords(""), []);
    assert.throws(() => splitShellWords("'open"), /unterminated/);
    assert.throws(() => splitShellWords("x\\"), /trailing backslash/);
  });
});

describe("language host: config", () => {
  it("rewrites keys to <namespace>:config:<name> and keeps the legacy form", () => {
    assert.equal(toRuntimeConfigKey("proj:x"), "proj:config:x");
    assert.equal(toRuntimeConfigKey("aws:config:region"), "aws:config:region");
    assert.throws(() => toRuntimeConfigKey("nocolon"), /could not parse nocolon/);
    assert.throws(() => toRuntimeConfigKey("a:b:c"), /configuration key/);
  });

  it("serialises PULUMI_CONFIG and PULUMI_CONFIG_SECRET_KEYS as JSON", () => {
    const env = buildConfigEnv(
      new Map([
        ["proj:x", "y"],
        ["kubernetes:context", "kind"],
      ]),
      ["proj:x"],
    );
    assert.deepEqual(JSON.parse(env.PULUMI_CONFIG), {
      "proj:config:x": "y",
      "kubernetes:config:context": "kind",
    });
    assert.deepEqual(JSON.parse(env.PULUMI_CONFIG_SECRET_KEYS), ["proj:x"]);
    assert.deepEqual(buildConfigEnv(new Map(), []), { PULUMI_CONFIG: "{}", PULUMI_CONFIG_SECRET_KEYS: "[]" });
  });
});

describe("language host: node command lines", () => {
  const spec: RunSpec = {
    runPath: "/p/node_modules/@pulumi/pulumi/cmd/run/index.js",
    monitorAddress: "127.0.0.1:1",
    engineAddress: "127.0.0.1:2",
    organization: "org",
    project: "proj",
    rootDirectory: "/p",
    stack: "dev",
    programDirectory: "/p/src",
    dryRun: true,
    parallel: 16,
    tracing: "",
    entryPoint: "index.ts",
    args: ["extra"],
    nodeargs: ["--trace-warnings"],
  };

  it("passes node flags first, then cmd/run with its flags, then program and args", () => {
    assert.deepEqual(buildRunArgs(spec), [
      "--trace-warnings",
      spec.runPath,
      "--monitor", "127.0.0.1:1",
      "--engine", "127.0.0.1:2",
      "--organization", "org",
      "--project", "proj",
      "--root-directory", "/p",
      "--stack", "dev",
      "--pwd", "/p/src",
      "--dry-run",
      "--parallel", "16",
      "index.ts",
      "extra",
    ]); // prettier-ignore
  });

  it("omits empty flags, keeps --parallel 0 and runs the directory when there is no entry point", () => {
    const minimal = {
      ...spec,
      engineAddress: "",
      organization: "",
      dryRun: false,
      parallel: 0,
      entryPoint: "",
    };
    const args = buildRunArgs({ ...minimal, args: [], nodeargs: [], tracing: "http://t" });
    assert.ok(!args.includes("--engine") && !args.includes("--organization") && !args.includes("--dry-run"));
    assert.deepEqual(args.slice(-5), ["--parallel", "0", "--tracing", "http://t", "."]);
  });

  it("puts the pack directory last for policy packs and first for other plugins", () => {
    assert.equal(pluginRunModule("analyzer", "/override"), "@pulumi/pulumi/cmd/run-policy-pack");
    assert.equal(pluginRunModule("resource"), "@pulumi/pulumi/cmd/run-plugin");
    assert.deepEqual(buildPluginArgs("analyzer", "rpp.js", "/pack", ["-v=9", "127.0.0.1:9"], ["--x"]), [
      "--x",
      "rpp.js",
      "-v=9",
      "127.0.0.1:9",
      "/pack",
    ]);
    assert.deepEqual(buildPluginArgs("resource", "rp.js", "/plug", ["127.0.0.1:9"], []), [
      "rp.js",
      "/plug",
      "127.0.0.1:9",
    ]);
  });

  it("turns the CLI's KEY=value list into an env object", () => {
    assert.deepEqual(envListToObject(["A=1", "B=x=y", "A=2", "junk", "=v"]), { A: "2", B: "x=y" });
  });

  it("gives policy packs the stack they analyse", () => {
    const env = policyPackEnv({
      organization: "",
      project: "proj",
      stack: "dev",
      dryRun: true,
      config: new Map([["proj:x", "y"]]),
      secretKeys: [],
    });
    assert.deepEqual(env, {
      PULUMI_NODEJS_DRY_RUN: "true",
      PULUMI_NODEJS_PROJECT: "proj",
      PULUMI_NODEJS_STACK: "dev",
      PULUMI_CONFIG: '{"proj:x":"y"}',
    });
  });
});

describe("language host: results", () => {
  it("maps exit codes onto RunResponse", () => {
    assert.deepEqual(runOutcome(0, null), { error: "", bail: false });
    assert.deepEqual(runOutcome(32, null), { error: "", bail: true });
    assert.deepEqual(runOutcome(1, null), {
      error: "Program exited with non-zero exit code: 1",
      bail: false,
    });
    assert.deepEqual(runOutcome(null, "SIGKILL"), {
      error: "Program exited unexpectedly: signal SIGKILL",
      bail: false,
    });
  });

  it("reads a plugin's port line only once it is complete", () => {
    assert.equal(splitPortLine("123"), undefined);
    assert.deepEqual(splitPortLine("4567\nhello\n"), { port: 4567, rest: "hello\n" });
    assert.throws(() => splitPortLine("Debugger listening\n"), /invalid port/);
  });
});

// ---------- gRPC ----------

function unary<Req, Res>(
  fn: (req: Req, cb: (err: grpc.ServiceError | null, res: Res) => void) => unknown,
  req: Req,
) {
  return new Promise<Res>((resolve, reject) => fn(req, (err, res) => (err ? reject(err) : resolve(res))));
}

describe("language host: policy proxy", () => {
  it("answers Handshake/ConfigureStack itself, then forwards to the attached pack with the stack config", async () => {
    const seen: string[] = [];
    const fake = new grpc.Server();
    fake.addService(AnalyzerService, {
      configureStack: (
        call: grpc.ServerUnaryCall<analyzerpb.AnalyzerStackConfigureRequest, unknown>,
        cb: grpc.sendUnaryData<unknown>,
      ) => {
        seen.push(`configureStack:${call.request.getStack()}`);
        cb(null, new analyzerpb.AnalyzerStackConfigureResponse());
      },
      getPluginInfo: (_call: unknown, cb: grpc.sendUnaryData<pluginpb.PluginInfo>) =>
        cb(null, new pluginpb.PluginInfo().setVersion("9.9.9")),
    });
    const fakePort = await new Promise<number>((res, rej) =>
      fake.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (e, p) => (e ? rej(e) : res(p))),
    );
    const proxy = await PolicyProxy.start();
    const client = new grpc.Client(`127.0.0.1:${proxy.port}`, grpc.credentials.createInsecure());
    const call = (name: string, req: unknown) => {
      const def = (AnalyzerService as unknown as grpc.ServiceDefinition)[name];
      return new Promise<unknown>((resolve, reject) =>
        client.makeUnaryRequest(def.path, def.requestSerialize, def.responseDeserialize, req, (e, r) =>
          e ? reject(e) : resolve(r),
        ),
      );
    };
    try {
      await call("handshake", new analyzerpb.AnalyzerHandshakeRequest().setEngineAddress("x"));
      const cfgReq = new analyzerpb.AnalyzerStackConfigureRequest().setStack("dev").setProject("proj");
      await call("configureStack", cfgReq);
      const cfg = await proxy.awaitConfiguration();
      assert.equal(cfg?.getProject(), "proj");
      const info = call("getPluginInfo", new Empty()); // waits until the pack is attached
      await proxy.attach(fakePort);
      assert.equal(((await info) as pluginpb.PluginInfo).getVersion(), "9.9.9");
      assert.deepEqual(seen, ["configureStack:dev"]);
    } finally {
      client.close();
      proxy.close();
      fake.forceShutdown();
    }
  });

  it("fails forwarded calls when the pack never comes up", async () => {
    const proxy = await PolicyProxy.start();
    const client = new grpc.Client(`127.0.0.1:${proxy.port}`, grpc.credentials.createInsecure());
    const def = (AnalyzerService as unknown as grpc.ServiceDefinition).getAnalyzerInfo;
    const pending = new Promise<unknown>((resolve, reject) =>
      client.makeUnaryRequest(def.path, def.requestSerialize, def.responseDeserialize, new Empty(), (e, r) =>
        e ? reject(e) : resolve(r),
      ),
    );
    // Attach only once the call is in flight, so it exercises the waiting path.
    await new Promise((r) => setTimeout(r, 100));
    proxy.fail(new Error("pack crashed"));
    await assert.rejects(pending, /policy pack not started: pack crashed/);
    client.close();
    proxy.close();
  });
});

interface RunningHost {
  client: LanguageRuntimeClient;
  stdout: () => string;
  stop: () => void;
}

/** Starts main.ts as the CLI would (flags, engine address last) and connects to the port it prints first. */
async function startHost(env: NodeJS.ProcessEnv): Promise<RunningHost> {
  const main = path.join(REPO, "tools/language-host/main.ts");
  const child = spawn(process.execPath, ["--import", "tsx", main, "--logtostderr", "-v=3", "127.0.0.1:7"], {
    cwd: REPO,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stderr.resume(); // the fake program's stderr lands here; keep the test output clean
  let out = "";
  const port = await new Promise<string>((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`host exited early (${code})`)));
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      const nl = out.indexOf("\n");
      if (nl >= 0) resolve(out.slice(0, nl));
    });
  });
  assert.match(port, /^\d+$/, "the first stdout line is the port");
  const client = new LanguageRuntimeClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  return {
    client,
    stdout: () => out,
    stop: () => {
      client.close();
      child.kill("SIGTERM");
    },
  };
}

describe("language host: gRPC server process", () => {
  let host: RunningHost;
  let client: LanguageRuntimeClient;
  let tmp: string;

  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "langhost-"));
    // Stands in for @pulumi/pulumi/cmd/run: records argv/env, prints on both streams, exits with FAKE_EXIT.
    fs.writeFileSync(
      path.join(tmp, "fake-run.js"),
      `const fs = require("fs");
       fs.writeFileSync(process.env.FAKE_OUT, JSON.stringify({ argv: process.argv.slice(2), cwd: process.cwd(),
         config: process.env.PULUMI_CONFIG, secretKeys: process.env.PULUMI_CONFIG_SECRET_KEYS,
         ts: process.env.PULUMI_NODEJS_TYPESCRIPT, marker: process.env.MARKER }));
       console.log("hello from program"); console.error("warn from program");
       process.exit(Number(process.env.FAKE_EXIT || 0));`,
    );
    host = await startHost({
      PULUMI_LANGUAGE_NODEJS_RUN_PATH: path.join(tmp, "fake-run.js"),
      FAKE_OUT: path.join(tmp, "out.json"),
    });
    client = host.client;
  });

  after(() => {
    host?.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it("reports its version, no required plugins or packages, and the node it runs", async () => {
    const info = await unary<Empty, pluginpb.PluginInfo>(client.getPluginInfo.bind(client), new Empty());
    assert.equal(info.getVersion(), "3.274.1");
    const pkgs = await unary<langpb.GetRequiredPackagesRequest, langpb.GetRequiredPackagesResponse>(
      client.getRequiredPackages.bind(client),
      new langpb.GetRequiredPackagesRequest().setInfo(new langpb.ProgramInfo().setProgramDirectory(tmp)),
    );
    assert.equal(pkgs.getPackagesList().length, 0);
    const about = await unary<langpb.AboutRequest, langpb.AboutResponse>(
      client.about.bind(client),
      new langpb.AboutRequest(),
    );
    assert.equal(about.getVersion(), process.version);
  });

  it("answers UNIMPLEMENTED for code generation, naming upstream's host", async () => {
    await assert.rejects(
      unary(client.generateProgram.bind(client), new langpb.GenerateProgramRequest()),
      (err: grpc.ServiceError) =>
        err.code === grpc.status.UNIMPLEMENTED &&
        /GenerateProgram .*pulumi convert.* use pulumi-language-nodejs from the Pulumi distribution/.test(
          err.details,
        ),
    );
    await assert.rejects(
      unary(client.link.bind(client), new langpb.LinkRequest()),
      (err: grpc.ServiceError) =>
        /Link .*pulumi-language-nodejs from the Pulumi distribution/.test(err.details),
    );
  });

  it("refuses to attach a debugger, naming upstream's host", async () => {
    const res = await run(runRequest("0").setAttachDebugger(true));
    assert.match(
      res.getError(),
      /Attaching a debugger .* pulumi-language-nodejs from the Pulumi distribution/,
    );
  });

  /** infra/ below a root with package.json and node_modules, like this project (Pulumi.yaml main: infra/). */
  const project = () => {
    const root = path.join(tmp, "proj");
    const write = (f: string, v: unknown) => {
      fs.mkdirSync(path.dirname(path.join(root, f)), { recursive: true });
      fs.writeFileSync(path.join(root, f), JSON.stringify(v));
    };
    write("package.json", { name: "proj", dependencies: { "@pulumi/k8s": "4.0.0" } });
    write("node_modules/@pulumi/k8s/package.json", {
      name: "@pulumi/k8s",
      version: "4.0.0",
      pulumi: { resource: true, name: "kubernetes", server: "https://plugins.example.test" },
      dependencies: { "@pulumi/helper": "1.0.0" },
    });
    write("node_modules/@pulumi/helper/package.json", { name: "@pulumi/helper", version: "1.0.0" });
    fs.mkdirSync(path.join(root, "infra"), { recursive: true });
    return new langpb.ProgramInfo().setRootDirectory(root).setProgramDirectory(path.join(root, "infra"));
  };

  it("reports the plugins of the SDKs installed above the program directory, for both RPCs", async () => {
    const info = project();
    const pkgs = await unary<langpb.GetRequiredPackagesRequest, langpb.GetRequiredPackagesResponse>(
      client.getRequiredPackages.bind(client),
      new langpb.GetRequiredPackagesRequest().setInfo(info),
    );
    assert.deepEqual(
      pkgs.getPackagesList().map((p) => [p.getName(), p.getKind(), p.getVersion(), p.getServer()]),
      [["kubernetes", "resource", "v4.0.0", "https://plugins.example.test"]],
    );
    const plugins = await unary<langpb.GetRequiredPluginsRequest, langpb.GetRequiredPluginsResponse>(
      client.getRequiredPlugins.bind(client),
      new langpb.GetRequiredPluginsRequest().setInfo(info),
    );
    assert.deepEqual(
      plugins.getPluginsList().map((p) => [p.getName(), p.getKind(), p.getVersion()]),
      [["kubernetes", "resource", "v4.0.0"]],
    );
  });

  it("lists the program's dependencies from the package.json above it, direct or transitive", async () => {
    const info = project();
    const deps = async (transitive: boolean) =>
      (
        await unary<langpb.GetProgramDependenciesRequest, langpb.GetProgramDependenciesResponse>(
          client.getProgramDependencies.bind(client),
          new langpb.GetProgramDependenciesRequest().setInfo(info).setTransitivedependencies(transitive),
        )
      )
        .getDependenciesList()
        .map((d) => `${d.getName()}@${d.getVersion()}`);
    assert.deepEqual(await deps(false), ["@pulumi/k8s@4.0.0"]);
    assert.deepEqual(await deps(true), ["@pulumi/helper@1.0.0", "@pulumi/k8s@4.0.0"]);
  });

  it("reports node, npm and the program's TypeScript for `pulumi about`", async () => {
    const about = await unary<langpb.AboutRequest, langpb.AboutResponse>(
      client.about.bind(client),
      new langpb.AboutRequest().setInfo(
        new langpb.ProgramInfo().setProgramDirectory(path.join(REPO, "infra")),
      ),
    );
    assert.equal(about.getExecutable(), process.execPath);
    assert.equal(about.getMetadataMap().get("packagemanager"), "npm");
    assert.match(about.getMetadataMap().get("packagemanagerVersion") ?? "", /^\d+\.\d+\.\d+/);
    const ts = JSON.parse(fs.readFileSync(path.join(REPO, "node_modules/typescript/package.json"), "utf8"));
    assert.equal(about.getMetadataMap().get("typescriptVersion"), ts.version);
  });

  /** Runs InstallDependencies to the end: the streamed output, and the error if the stream failed. */
  const install = async (info: langpb.ProgramInfo) => {
    let stdout = "";
    let stderr = "";
    try {
      const stream = client.installDependencies(new langpb.InstallDependenciesRequest().setInfo(info));
      for await (const msg of stream as AsyncIterable<langpb.InstallDependenciesResponse>) {
        stdout += Buffer.from(msg.getStdout_asU8()).toString();
        stderr += Buffer.from(msg.getStderr_asU8()).toString();
      }
      return { stdout, stderr, error: undefined };
    } catch (err) {
      return { stdout, stderr, error: err as grpc.ServiceError };
    }
  };

  it("installs dependencies with npm ci where the package.json is, streaming npm's output", async () => {
    const root = path.join(tmp, "inst");
    fs.mkdirSync(path.join(root, "infra"), { recursive: true });
    fs.writeFileSync(path.join(root, "package.json"), JSON.stringify({ name: "inst", version: "1.0.0" }));
    const lock = {
      name: "inst",
      version: "1.0.0",
      lockfileVersion: 3,
      requires: true,
      packages: { "": { name: "inst", version: "1.0.0" } },
    };
    fs.writeFileSync(path.join(root, "package-lock.json"), JSON.stringify(lock));
    const ok = await install(new langpb.ProgramInfo().setProgramDirectory(path.join(root, "infra")));
    assert.equal(ok.error, undefined);
    assert.match(ok.stdout, new RegExp(`Installing dependencies in ${root}: npm ci --ignore-scripts`));
    assert.match(ok.stdout, /Finished installing dependencies/);

    // A lockfile out of sync with package.json: npm's own error reaches the CLI, and the RPC fails.
    fs.writeFileSync(
      path.join(root, "package.json"),
      JSON.stringify({ name: "inst", version: "1.0.0", dependencies: { "left-pad": "1.0.0" } }),
    );
    const bad = await install(new langpb.ProgramInfo().setProgramDirectory(path.join(root, "infra")));
    assert.match(bad.stderr, /in sync/);
    assert.match(
      bad.error?.details ?? "",
      /npm ci --ignore-scripts --no-audit --no-fund failed in .* \(exit 1\)/,
    );
    assert.doesNotMatch(bad.stdout, /Finished installing dependencies/);
  });

  /** nodeargs also carry a --require preload setting FAKE_EXIT, since the host's own env is fixed. */
  const runRequest = (exit: string) => {
    const preload = path.join(tmp, `exit-${exit}.js`);
    fs.writeFileSync(preload, `process.env.FAKE_EXIT = ${JSON.stringify(exit)};`);
    const options = Struct.fromJavaScript({ nodeargs: `--require ${preload}`, typescript: true });
    const req = new langpb.RunRequest()
      .setMonitorAddress("127.0.0.1:9")
      .setProject("proj")
      .setStack("dev")
      .setDryrun(true)
      .setParallel(4)
      .setInfo(
        new langpb.ProgramInfo()
          .setRootDirectory(tmp)
          .setProgramDirectory(tmp)
          .setEntryPoint(".")
          .setOptions(options),
      )
      .setConfigsecretkeysList(["proj:x"]);
    req.getConfigMap().set("proj:x", "y");
    return req;
  };
  const run = (req: langpb.RunRequest, c = client) =>
    unary<langpb.RunRequest, langpb.RunResponse>(c.run.bind(c), req);

  it("runs the program through cmd/run with flags, config and TypeScript env", async () => {
    const res = await run(runRequest("0"));
    assert.deepEqual([res.getError(), res.getBail()], ["", false]);
    const out = JSON.parse(fs.readFileSync(path.join(tmp, "out.json"), "utf8"));
    assert.deepEqual(out.argv, [
      "--monitor", "127.0.0.1:9", "--engine", "127.0.0.1:7", "--project", "proj", "--root-directory", tmp,
      "--stack", "dev", "--pwd", tmp, "--dry-run", "--parallel", "4", ".",
    ]); // prettier-ignore
    assert.deepEqual(JSON.parse(out.config), { "proj:config:x": "y" });
    assert.deepEqual(JSON.parse(out.secretKeys), ["proj:x"]);
    assert.equal(out.ts, "true");
    assert.match(host.stdout(), /hello from program/, "program stdout is relayed on the host's stdout");
  });

  it("reports exit code 32 as bail and others as an error", async () => {
    const bail = await run(runRequest("32"));
    assert.deepEqual([bail.getError(), bail.getBail()], ["", true]);
    const failed = await run(runRequest("3"));
    assert.deepEqual(
      [failed.getError(), failed.getBail()],
      ["Program exited with non-zero exit code: 3", false],
    );
  });

  it("returns an error text when the program has no @pulumi/pulumi", async () => {
    const bare = await startHost({ PULUMI_LANGUAGE_NODEJS_RUN_PATH: "" });
    try {
      const res = await run(runRequest("0"), bare.client);
      assert.match(res.getError(), /Pulumi SDK has not been installed/);
    } finally {
      bare.stop();
    }
  });

  it("streams a plugin's stdout, stderr and exit code, with exactly the env the CLI sent", async () => {
    const req = new langpb.RunPluginRequest()
      .setKind("tool")
      .setPwd(tmp)
      .setInfo(new langpb.ProgramInfo().setProgramDirectory(tmp).setRootDirectory(tmp).setEntryPoint("."))
      .setArgsList(["a1"])
      .setEnvList([`FAKE_OUT=${path.join(tmp, "plugin.json")}`, "FAKE_EXIT=5", "MARKER=m"]);
    let stdout = "";
    let stderr = "";
    let exit: number | undefined;
    for await (const msg of client.runPlugin(req) as AsyncIterable<langpb.RunPluginResponse>) {
      if (msg.hasStdout()) stdout += Buffer.from(msg.getStdout_asU8()).toString();
      if (msg.hasStderr()) stderr += Buffer.from(msg.getStderr_asU8()).toString();
      if (msg.hasExitcode()) exit = msg.getExitcode();
    }
    assert.equal(exit, 5);
    assert.match(stdout, /hello from program/);
    assert.match(stderr, /warn from program/);
    const out = JSON.parse(fs.readFileSync(path.join(tmp, "plugin.json"), "utf8"));
    assert.deepEqual(out.argv, [tmp, "a1"]);
    assert.equal(out.marker, "m");
    assert.equal(out.cwd, fs.realpathSync(tmp));
  });
});
