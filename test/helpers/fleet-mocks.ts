// Mocks under which the whole program (infra/program.ts) runs for any shipped stack: the invokes it
// makes (aws, azure-native) and the outputs it reads back (the EKS cluster, load-balancer addresses, RDS,
// S3, Azure PostgreSQL, the kcp home StackReference; passwords, keys and certificates are generated for
// real by setupMocks). Call
// setupFleetMocks() once at the top of a test file (node:test runs each file in its own process).
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import {
  SHARD_CERT_KINDS,
  SHARD_REQUEST_OUTPUT,
  type ShardRequest,
  shardCertSpecs,
} from "../../components/kcp/enrollment";
import { KCP_HOME_OUTPUT, type KcpHomeValue } from "../../components/kcp/home-reference";
import { PROJECT } from "../../infra/config";
import { program } from "../../infra/program";
import { quiesce, type Registration, recordRegistrations } from "./engine-recorder";
import { type Registered, settle, setupMocks, valueOf } from "./mocks";
import { mockCa, providerOutputs, TLS_CERT_REQUEST, TLS_PRIVATE_KEY } from "./provider-mocks";

export const STACKS_DIR = path.join(__dirname, "../../stacks");

/** The shipped stacks (stacks/Pulumi.<name>.yaml), sorted. */
export const STACK_NAMES = fs
  .readdirSync(STACKS_DIR)
  .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
  .filter((s): s is string => !!s)
  .sort();

export interface FleetMocks {
  /** Every resource registered so far, in order. */
  resources: Registered[];
  /** Every secret the mocks handed out: if one shows up outside a secret envelope, it leaked. */
  secrets: string[];
}

/**
 * What a StackReference reads, by stack name ("org/project/stack" → outputs). A test sets a stack's outputs
 * (e.g. what a mocked home stack really exported); any other stack gets synthesized outputs
 * (synthesizedOutputs).
 */
export const publishedOutputs = new Map<string, Record<string, unknown>>();

/** A shipped stack's kcp shard name (kcp.shardName, else the region). */
export function shardNameOf(stack: string): string {
  const doc = stackDocument(stack);
  return (
    (doc[`${PROJECT}:kcp`] as { shardName?: string } | undefined)?.shardName ??
    (doc[`${PROJECT}:region`] as string)
  );
}

/** The shard names of the shipped non-home cloud stacks. */
function shippedRegionShards(): string[] {
  return STACK_NAMES.filter(
    (s) => !s.startsWith("local-") && stackDocument(s)[`${PROJECT}:home`] !== true,
  ).map(shardNameOf);
}

let homeCas: Promise<Record<"serving" | "client" | "requestHeader", { keyPem: string; certPem: string }>>;

/** A shard's request as a region stack would publish it: real keys and CSRs for shardCertSpecs. */
export async function mockShardRequest(shardName: string, serverNames: string[]): Promise<ShardRequest> {
  const specs = shardCertSpecs(shardName);
  const certificateRequests = {} as Record<(typeof SHARD_CERT_KINDS)[number], string>;
  for (const kind of SHARD_CERT_KINDS) {
    const key = await providerOutputs(TLS_PRIVATE_KEY, { algorithm: "ECDSA", ecdsaCurve: "P256" });
    const csr = await providerOutputs(TLS_CERT_REQUEST, {
      privateKeyPem: key!.privateKeyPemPkcs8,
      subject: { commonName: specs[kind].commonName, organization: specs[kind].organization },
      dnsNames: kind === "server" ? serverNames : [],
    });
    certificateRequests[kind] = csr!.certRequestPem as string;
  }
  const sa = await providerOutputs(TLS_PRIVATE_KEY, { algorithm: "RSA", rsaBits: 2048 });
  return { shardName, certificateRequests, serviceAccountPublicKeyPem: sa!.publicKeyPem as string };
}

/**
 * Outputs of a stack no test published: the home stack's `kcp` (real CA certificates, and a certificate
 * for every shipped region's shard) for a home reference, a shard request for a region reference.
 */
async function synthesizedOutputs(stackName: string): Promise<Record<string, unknown>> {
  const stack = stackName.split("/").pop()!;
  if (STACK_NAMES.includes(stack) && stackDocument(stack)[`${PROJECT}:home`] !== true) {
    const shard = shardNameOf(stack);
    return { [SHARD_REQUEST_OUTPUT]: await mockShardRequest(shard, [`kcp-${shard}.elb.example.com`]) };
  }
  return { [KCP_HOME_OUTPUT]: await synthesizedHome() };
}

/** A home stack's `kcp` output: real CA certificates, and a certificate for every shipped region's shard. */
export async function synthesizedHome(): Promise<KcpHomeValue> {
  homeCas ??= (async () => ({
    serving: await mockCa("kcp-serving-ca"),
    client: await mockCa("kcp-client-ca"),
    requestHeader: await mockCa("kcp-requestheader-ca"),
  }))();
  const cas = await homeCas;
  const certs = Object.fromEntries(SHARD_CERT_KINDS.map((k) => [k, cas.client.certPem]));
  return {
    frontProxyUrl: "https://kcp.example.com",
    caBundle: cas.serving.certPem,
    clientCaCertPem: cas.client.certPem,
    requestHeaderCaCertPem: cas.requestHeader.certPem,
    rootShardUrl: "https://kcp-root.elb.example.com:6443",
    cacheUrl: "https://kcp-cache.elb.example.com:6443",
    shards: Object.fromEntries(shippedRegionShards().map((s) => [s, certs])) as KcpHomeValue["shards"],
  };
}

export function setupFleetMocks(): FleetMocks {
  const secrets: string[] = [];
  const secret = (what: string) => {
    const v = `MOCK-SECRET-${what}-${secrets.length}`;
    secrets.push(v);
    return what.endsWith("key") ? PEM("PRIVATE KEY", v) : v;
  };
  const { resources } = setupMocks({
    onSecret: (v) => secrets.push(v),
    invokes: {
      "aws:index/getPartition:getPartition": () => ({
        partition: "aws",
        dnsSuffix: "amazonaws.com",
        id: "aws",
      }),
      "aws:index/getCallerIdentity:getCallerIdentity": () => ({
        accountId: "123456789012",
        arn: "arn:aws:iam::123456789012:user/ci",
        userId: "AIDA",
        id: "123456789012",
      }),
      "azure-native:authorization:getClientConfig": () => ({
        clientId: "c",
        objectId: "o",
        subscriptionId: "00000000-0000-0000-0000-000000000000",
        tenantId: "11111111-1111-1111-1111-111111111111",
      }),
      "azure-native:containerservice:listManagedClusterUserCredentials": () => ({
        kubeconfigs: [
          {
            name: "clusterUser",
            value: Buffer.from(kubeconfig("https://aks.example:443")).toString("base64"),
          },
        ],
      }),
    },
    outputs: {
      // LoadBalancer Services (kcp shards, front-proxy) get an address, as a cloud would give them.
      "kubernetes:core/v1:Service": (a) => ({
        status: { loadBalancer: { ingress: [{ hostname: `${a.name}.elb.example.com` }] } },
      }),
      "aws:eks/cluster:Cluster": (a) => ({
        name: `${a.name}-0f3c2a1`,
        endpoint: "https://0F3C2A1.gr7.us-east-1.eks.amazonaws.com",
        certificateAuthority: { data: "Q0EtMQo=" },
        identities: [{ oidcs: [{ issuer: "https://oidc.eks.us-east-1.amazonaws.com/id/0F3C2A1" }] }],
        vpcConfig: { ...(a.inputs.vpcConfig as object), clusterSecurityGroupId: "sg-0123" },
      }),
      // kcp's token controller fills a ServiceAccount token Secret (the provider waits for it).
      "kubernetes:core/v1:Secret": (a) =>
        a.inputs.type === "kubernetes.io/service-account-token"
          ? { data: { token: Buffer.from(secret("kcp-sa-token")).toString("base64") } }
          : {},
      // kcp schedules a Workspace: a logical cluster and the shard it landed on.
      "kubernetes:tenancy.kcp.io/v1alpha1:Workspace": (a) => workspaceOutputs(a.inputs),
      "aws:iam/accessKey:AccessKey": () => ({ secret: secret("aws-secret-access") }),
      "aws:kms/key:Key": (a) => ({ arn: `arn:aws:kms:us-east-1:123456789012:key/${a.name}`, keyId: a.name }),
      "aws:rds/instance:Instance": (a) => ({ address: `${a.name}.rds.example.com`, port: 5432 }),
      "aws:s3/bucket:Bucket": (a) => ({ bucket: `${a.name}-bucket` }),
      "aws:s3/bucketV2:BucketV2": (a) => ({ bucket: `${a.name}-bucket` }),
      "azure-native:dbforpostgresql:Server": (a) => ({
        fullyQualifiedDomainName: `${a.name}.postgres.example.com`,
      }),
      "azure-native:dbforpostgresql:Database": (a) => ({ name: a.inputs.databaseName ?? "tekton_results" }),
      "pulumi:pulumi:StackReference": async (a) => ({
        outputs: publishedOutputs.get(a.name) ?? (await synthesizedOutputs(a.name)),
      }),
    },
  });
  return { resources, secrets };
}

/** What kcp adds to a Workspace once scheduled: spec.cluster (a logical cluster name) and the shard. */
export function workspaceOutputs(inputs: Record<string, unknown>): Record<string, unknown> {
  const metadata = (inputs.metadata ?? {}) as { name?: string; annotations?: Record<string, string> };
  const spec = (inputs.spec ?? {}) as Record<string, unknown>;
  const selector = (spec.location as { selector?: { matchLabels?: Record<string, string> } } | undefined)
    ?.selector?.matchLabels;
  const cluster = BigInt(
    `0x${createHash("sha256")
      .update(metadata.name ?? "")
      .digest("hex")
      .slice(0, 20)}`,
  )
    .toString(36)
    .slice(0, 16);
  const shard =
    selector?.["pipeline-service.dev/role"] === "root"
      ? "root"
      : `shard-of-${selector?.["pipeline-service.dev/region"]}`;
  return {
    metadata: { ...metadata, annotations: { ...metadata.annotations, "core.kcp.io/shard": shard } },
    spec: { ...spec, cluster },
  };
}

export function PEM(label: string, body = "MIIBszCCAVmgAwIBAgIUQ29tcG9uZW50"): string {
  return `-----BEGIN ${label}-----\n${body}\n-----END ${label}-----\n`;
}

export function kubeconfig(server: string, token = "t"): string {
  return JSON.stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [
      {
        name: "c",
        cluster: { server, "certificate-authority-data": Buffer.from(PEM("CERTIFICATE")).toString("base64") },
      },
    ],
    users: [{ name: "u", user: { token } }],
    contexts: [{ name: "ctx", context: { cluster: "c", user: "u" } }],
    "current-context": "ctx",
  });
}

/** A local environment description and kubeconfigs, as local/env.sh writes them. */
function fakeLocalEnv(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fleet-"));
  const write = (name: string, text: string) => (
    fs.writeFileSync(path.join(dir, name), text),
    path.join(dir, name)
  );
  const admin = write("admin.kubeconfig", kubeconfig("https://127.0.0.1:6443"));
  const regions = ["local-east", "local-west"].map((name, i) => ({
    name,
    home: i === 0,
    kubeconfig: write(`${name}.kubeconfig`, kubeconfig(`https://127.0.0.1:3210${i}`)),
    apiServer: `https://127.0.0.1:3210${i}`,
    zones: ["a", "b", "c"].map((z) => `${name}-${z}`),
    kcpShard: `shard-${i + 1}`,
  }));
  return write(
    "env.json",
    JSON.stringify({
      kcp: { frontProxyUrl: "https://127.0.0.1:6443", adminKubeconfig: admin, rootShardKubeconfig: admin },
      regions,
    }),
  );
}

let localEnv: string | undefined;

/**
 * The stack file's config ("pipeline-service:key" -> value as YAML gives it). Local stacks point at a
 * fake local environment in a temporary directory instead of .local/.
 */
export function stackDocument(stack: string): Record<string, unknown> {
  const doc = parse(fs.readFileSync(path.join(STACKS_DIR, `Pulumi.${stack}.yaml`), "utf8")) as {
    config: Record<string, unknown>;
  };
  const config = { ...doc.config };
  if (stack.startsWith("local-")) {
    localEnv ??= fakeLocalEnv();
    const env = JSON.parse(fs.readFileSync(localEnv, "utf8")) as {
      regions: { name: string; kubeconfig: string }[];
    };
    const me = env.regions.find((r) => `local-${r.name.slice(6)}` === stack);
    config["pipeline-service:cluster"] = { kind: "existing", kubeconfigPath: me?.kubeconfig };
    config["pipeline-service:kcp"] = { localEnvFile: localEnv };
  }
  return config;
}

/** Config as the engine hands it to the program: structured values JSON-encoded. */
export function encodeConfig(doc: Record<string, unknown>): Record<string, string> {
  const config: Record<string, string> = {};
  for (const [k, v] of Object.entries(doc)) config[k] = typeof v === "string" ? v : JSON.stringify(v);
  return config;
}

export function stackConfig(stack: string): Record<string, string> {
  return encodeConfig(stackDocument(stack));
}

/** Runs the program with `config`, waits until its registrations have completed, and returns its outputs. */
export async function runProgram(config: Record<string, string>): Promise<Record<string, unknown>> {
  pulumi.runtime.setAllConfig(config);
  const outputs = await program();
  await settle();
  await new Promise((r) => setTimeout(r, 500));
  await settle();
  const values: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(outputs) as [string, pulumi.Input<unknown>][])
    values[k] = v === undefined ? undefined : await valueOf(v);
  return values;
}

/**
 * Runs the program with a stack document ("pipeline-service:key" -> value, as stackDocument gives it) and
 * returns what it registered as the engine records it (test/helpers/engine-recorder.ts), in order.
 */
export async function runRecorded(doc: Record<string, unknown>): Promise<Registration[]> {
  return (await runRecordedWithOutputs(doc)).registrations;
}

/** runRecorded, and the stack outputs the program returned (resolved; secrets unwrapped by valueOf). */
export async function runRecordedWithOutputs(
  doc: Record<string, unknown>,
): Promise<{ registrations: Registration[]; outputs: Record<string, unknown> }> {
  const recorded = recordRegistrations();
  await quiesce();
  recorded.length = 0;
  let outputs: Record<string, unknown>;
  try {
    outputs = await runProgram(encodeConfig(doc));
  } finally {
    await quiesce();
  }
  return { registrations: recorded.splice(0), outputs };
}
