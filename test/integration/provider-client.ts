// A gRPC client for a resource provider plugin binary, as the engine drives it: the plugin is started with no
// engine address (attach mode), prints its port, and is called with Pulumi's wire encoding of property values
// (secrets and unknowns as the engine's signature objects). Used by the provider conformance test.
import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import * as grpc from "@grpc/grpc-js";
import { ResourceProviderClient } from "@pulumi/pulumi/proto/provider_grpc_pb";
import type { PluginInfo } from "@pulumi/pulumi/proto/plugin_pb";
import * as pb from "@pulumi/pulumi/proto/provider_pb";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { ENV } from "./harness";

const SIG = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** A secret on the wire. */
export interface Secret {
  [SIG]: typeof SECRET_SIG;
  value: unknown;
}
export const secret = (value: unknown): Secret => ({ [SIG]: SECRET_SIG, value });
export function isSecret(v: unknown): v is Secret {
  return typeof v === "object" && v !== null && (v as Record<string, unknown>)[SIG] === SECRET_SIG;
}
/** The value without its secret wrapper. */
export const reveal = (v: unknown): unknown => (isSecret(v) ? v.value : v);

export type Props = Record<string, unknown>;

/** The installed plugin binary of the project's PULUMI_HOME (tools/build.sh pulumi-providers installs it). */
export function pluginPath(name: string, version: string): string {
  const bin = path.join(
    ENV.PULUMI_HOME ?? "",
    "plugins",
    `resource-${name}-v${version}`,
    `pulumi-resource-${name}`,
  );
  if (!fs.existsSync(bin)) throw new Error(`${bin} is missing: run tools/build.sh pulumi-providers`);
  return bin;
}

const toStruct = (p: Props): Struct =>
  Struct.fromJavaScript(p as Parameters<typeof Struct.fromJavaScript>[0]);
const fromStruct = (s: Struct | undefined): Props => (s ? (s.toJavaScript() as Props) : {});

type Callback<Res> = (err: grpc.ServiceError | null, res: Res) => void;
function unary<Res>(start: (cb: Callback<Res>) => unknown): Promise<Res> {
  return new Promise((resolve, reject) => start((err, res) => (err ? reject(err) : resolve(res))));
}

export interface DiffResult {
  changes: "none" | "some" | "unknown";
  replaces: string[];
  diffs: string[];
}

/** One running plugin process and a client connected to it. */
export class Plugin {
  private constructor(
    private readonly proc: ChildProcess,
    private readonly client: ResourceProviderClient,
  ) {}

  static async start(bin: string): Promise<Plugin> {
    const proc = spawn(bin, [], { stdio: ["ignore", "pipe", "pipe"], env: ENV });
    let stderr = "";
    proc.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
    const port = await new Promise<number>((resolve, reject) => {
      let out = "";
      const timer = setTimeout(() => reject(new Error(`${bin} printed no port in 30 s: ${stderr}`)), 30_000);
      proc.stdout!.on("data", (d: Buffer) => {
        out += d.toString();
        const m = /^(\d+)\s*$/m.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(Number(m[1]));
        }
      });
      proc.on("exit", (code) => reject(new Error(`${bin} exited ${code}: ${stderr}`)));
    });
    const client = new ResourceProviderClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    return new Plugin(proc, client);
  }

  stop(): void {
    this.client.close();
    this.proc.kill("SIGINT");
  }

  private urn(type: string, name: string): string {
    return `urn:pulumi:conformance::conformance::${type}::${name}`;
  }

  async version(): Promise<string> {
    return (await unary<PluginInfo>((cb) => this.client.getPluginInfo(new Empty(), cb))).getVersion();
  }

  async schema(): Promise<string> {
    return (
      await unary<pb.GetSchemaResponse>((cb) => this.client.getSchema(new pb.GetSchemaRequest(), cb))
    ).getSchema();
  }

  async configure(): Promise<pb.ConfigureResponse> {
    const req = new pb.ConfigureRequest()
      .setArgs(toStruct({}))
      .setAcceptsecrets(true)
      .setAcceptresources(true);
    return unary<pb.ConfigureResponse>((cb) => this.client.configure(req, cb));
  }

  async check(
    type: string,
    news: Props,
    olds: Props = {},
  ): Promise<{ inputs: Props; failures: pb.CheckFailure[] }> {
    const req = new pb.CheckRequest()
      .setUrn(this.urn(type, "r"))
      .setType(type)
      .setName("r")
      .setOlds(toStruct(olds))
      .setNews(toStruct(news));
    const res = await unary<pb.CheckResponse>((cb) => this.client.check(req, cb));
    return { inputs: fromStruct(res.getInputs()), failures: res.getFailuresList() };
  }

  async create(type: string, inputs: Props, preview = false): Promise<{ id: string; outputs: Props }> {
    const req = new pb.CreateRequest()
      .setUrn(this.urn(type, "r"))
      .setType(type)
      .setName("r")
      .setProperties(toStruct(inputs))
      .setPreview(preview);
    const res = await unary<pb.CreateResponse>((cb) => this.client.create(req, cb));
    return { id: res.getId(), outputs: fromStruct(res.getProperties()) };
  }

  async diff(type: string, id: string, olds: Props, news: Props): Promise<DiffResult> {
    const req = new pb.DiffRequest()
      .setUrn(this.urn(type, "r"))
      .setType(type)
      .setName("r")
      .setId(id)
      .setOlds(toStruct(olds))
      .setNews(toStruct(news));
    const res = await unary<pb.DiffResponse>((cb) => this.client.diff(req, cb));
    const changes = ["unknown", "none", "some"] as const;
    return {
      changes: changes[res.getChanges()],
      replaces: res.getReplacesList(),
      diffs: res.getDiffsList(),
    };
  }

  async update(type: string, id: string, olds: Props, news: Props): Promise<Props> {
    const req = new pb.UpdateRequest()
      .setUrn(this.urn(type, "r"))
      .setType(type)
      .setName("r")
      .setId(id)
      .setOlds(toStruct(olds))
      .setNews(toStruct(news));
    return fromStruct((await unary<pb.UpdateResponse>((cb) => this.client.update(req, cb))).getProperties());
  }

  async read(
    type: string,
    id: string,
    state: Props = {},
    inputs: Props = {},
  ): Promise<{ id: string; state: Props; inputs: Props }> {
    const req = new pb.ReadRequest()
      .setUrn(this.urn(type, "r"))
      .setType(type)
      .setName("r")
      .setId(id)
      .setProperties(toStruct(state))
      .setInputs(toStruct(inputs));
    const res = await unary<pb.ReadResponse>((cb) => this.client.read(req, cb));
    return { id: res.getId(), state: fromStruct(res.getProperties()), inputs: fromStruct(res.getInputs()) };
  }

  async delete(type: string, id: string, state: Props): Promise<void> {
    const req = new pb.DeleteRequest()
      .setUrn(this.urn(type, "r"))
      .setType(type)
      .setName("r")
      .setId(id)
      .setProperties(toStruct(state));
    await unary<Empty>((cb) => this.client.delete(req, cb));
  }

  async invoke(tok: string, args: Props): Promise<{ ret: Props; failures: string[] }> {
    const res = await unary<pb.InvokeResponse>((cb) =>
      this.client.invoke(new pb.InvokeRequest().setTok(tok).setArgs(toStruct(args)), cb),
    );
    return { ret: fromStruct(res.getReturn()), failures: res.getFailuresList().map((f) => f.getReason()) };
  }
}
