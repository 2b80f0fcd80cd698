// The whole program (infra/program.ts) for every shipped stack under mocks: what each region registers,
// by type; that secrets never reach a resource in plaintext; and the region facts policies rely on.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import { KCP_HOME_PLAIN_KEYS, KCP_HOME_SECRET_KEYS } from "../../components/kcp/home-reference";
import { program } from "../../infra/program";
import { countByType, type Registered, settle, setupMocks } from "../helpers/mocks";
import { findPlaintext, hasSecretEnvelope } from "../helpers/plaintext";

const DYNAMIC = "pulumi-nodejs:dynamic:Resource";
/** Every secret the mocks hand out: if one shows up outside a secret envelope, it leaked. */
const secrets: string[] = [];
const secret = (what: string) => {
  const v = `MOCK-SECRET-${what}-${secrets.length}`;
  secrets.push(v);
  return what.endsWith("key") ? PEM("PRIVATE KEY", v) : v;
};

const { resources } = setupMocks({
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
        { name: "clusterUser", value: Buffer.from(kubeconfig("https://aks.example:443")).toString("base64") },
      ],
    }),
  },
  outputs: {
    [DYNAMIC]: () => ({
      result: secret("password"),
      privateKeyPem: secret("key"),
      publicKeyPem: PEM("PUBLIC KEY"),
      certPem: PEM("CERTIFICATE"),
    }),
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
    "aws:iam/accessKey:AccessKey": () => ({ secret: secret("aws-secret-access") }),
    "aws:rds/instance:Instance": (a) => ({ address: `${a.name}.rds.example.com`, port: 5432 }),
    "aws:s3/bucket:Bucket": (a) => ({ bucket: `${a.name}-bucket` }),
    "aws:s3/bucketV2:BucketV2": (a) => ({ bucket: `${a.name}-bucket` }),
    "azure-native:dbforpostgresql:Server": (a) => ({
      fullyQualifiedDomainName: `${a.name}.postgres.example.com`,
    }),
    "azure-native:dbforpostgresql:Database": (a) => ({ name: a.inputs.databaseName ?? "tekton_results" }),
    "pulumi:pulumi:StackReference": (a) => ({
      outputs: {
        kcp: Object.fromEntries([
          ...KCP_HOME_PLAIN_KEYS.map((k) => [
            k,
            k === "frontProxyUrl" ? "https://kcp.example.com" : `PEM-${k}`,
          ]),
          ...KCP_HOME_SECRET_KEYS.map((k) => [
            k,
            k.endsWith("Kubeconfig")
              ? kubeconfig("https://kcp.example.com")
              : secret(`${a.name}-${k.replace(/Pem$/, "").toLowerCase()}`),
          ]),
        ]),
      },
    }),
  },
});

function PEM(label: string, body = "MIIBszCCAVmgAwIBAgIUQ29tcG9uZW50"): string {
  return `-----BEGIN ${label}-----\n${body}\n-----END ${label}-----\n`;
}

function kubeconfig(server: string): string {
  return JSON.stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: "c", cluster: { server, "certificate-authority-data": "Q0EtMQo=" } }],
    users: [{ name: "u", user: { token: "t" } }],
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

const STACKS = path.join(__dirname, "../../stacks");
const localEnv = fakeLocalEnv();

function stackConfig(stack: string): Record<string, string> {
  const doc = parse(fs.readFileSync(path.join(STACKS, `Pulumi.${stack}.yaml`), "utf8")) as {
    config: Record<string, unknown>;
  };
  const config: Record<string, string> = {};
  for (const [k, v] of Object.entries(doc.config)) config[k] = typeof v === "string" ? v : JSON.stringify(v);
  if (stack.startsWith("local-")) {
    const env = JSON.parse(fs.readFileSync(localEnv, "utf8")) as {
      regions: { name: string; kubeconfig: string }[];
    };
    const me = env.regions.find((r) => `local-${r.name.slice(6)}` === stack);
    config["pipeline-service:cluster"] = JSON.stringify({ kind: "existing", kubeconfigPath: me?.kubeconfig });
    config["pipeline-service:kcp"] = JSON.stringify({ localEnvFile: localEnv });
  }
  return config;
}

/** Runs the program for one stack and returns what it registered. */
async function run(stack: string): Promise<Registered[]> {
  pulumi.runtime.setAllConfig(stackConfig(stack));
  program();
  await settle();
  await new Promise((r) => setTimeout(r, 500));
  await settle();
  // Registrations complete asynchronously; every resource of a region carries its name as prefix.
  return resources.filter((r) => r.name.startsWith(stack));
}

const STACK_NAMES = fs
  .readdirSync(STACKS)
  .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
  .filter((s): s is string => !!s)
  .sort();

void describe("every shipped stack under mocks", () => {
  const registered = new Map<string, Registered[]>();
  for (const stack of STACK_NAMES) {
    void it(`${stack}: builds one FailureDomain whose region facts match the stack`, async () => {
      const rs = await run(stack);
      registered.set(stack, rs);
      const domains = rs.filter((r) => r.type === "pipeline-service:index:FailureDomain");
      assert.equal(domains.length, 1);
      assert.equal(domains[0].inputs.region, stack);
      assert.equal(
        rs.filter((r) => r.type === "pipeline-service:kcp:Shard").length,
        1,
        "one kcp shard per region",
      );
      assert.equal(
        rs.filter((r) => r.type === "pipeline-service:kcp:Root").length,
        stack === "aws-us-east-1" ? 1 : 0,
      );
      console.log(`\n${stack}: ${rs.length} resources\n${JSON.stringify(countByType(rs), null, 1)}`);
    });
  }

  void it("no secret reaches any resource input in plaintext", () => {
    assert.ok(secrets.length > 10, "the mocks handed out secrets");
    assert.ok(resources.some(hasSecretEnvelope));
    assert.deepEqual(findPlaintext(resources, secrets), []);
  });

  void it("cloud regions run the full Tekton stack and Argo CD; local ones too, with the same components", () => {
    for (const stack of STACK_NAMES) {
      const types = new Set((registered.get(stack) ?? []).map((r) => r.type));
      for (const t of [
        "pipeline-service:tekton:Pipelines",
        "pipeline-service:tekton:Triggers",
        "pipeline-service:tekton:Results",
        "pipeline-service:tekton:Chains",
        "pipeline-service:tekton:PipelinesAsCode",
        "pipeline-service:gitops:ArgoCd",
      ])
        assert.ok(types.has(t), `${stack} lacks ${t}`);
    }
  });
});
