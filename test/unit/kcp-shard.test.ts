// kcp Shard and its Etcd: the kcp command line (flags that exist in kcp v0.32.3, files that are mounted),
// validation, zone placement and disruption budgets; under mocks the cloud rendering (namespace, etcd,
// Secrets with every key/cert/kubeconfig as a Pulumi secret, workload, PDB, label patch on kcp) and the
// local profile registering nothing but the label patch.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as crypto from "node:crypto";
import * as fc from "fast-check";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { type Registered, settle, setupMocks, valueOf } from "../helpers/mocks";
import { protectedOf, quiesce, recordRegistrations } from "../helpers/engine-recorder";
import { findPlaintext, hasSecretEnvelope } from "../helpers/plaintext";
import { mockCa, TLS_PRIVATE_KEY } from "../helpers/provider-mocks";
import { unwrap } from "../helpers/secrets";
import { Shard, type ShardArgs, validateShardArgs } from "../../components/kcp/shard";
import {
  KCP_PATHS,
  kcpShardMounts,
  renderKcpPodTemplate,
  renderKcpShardArgs,
  shardHost,
} from "../../components/kcp/server-workload";
import { etcdClientUrls, renderEtcdArgs, validateEtcdArgs } from "../../components/kcp/etcd";
import { DEFAULT_KCP_IMAGE, etcdQuorum, pdbSpec, zonePlacement } from "../../components/kcp/render";
import type { KcpHome } from "../../components/kcp/home-reference";

const keyPem = (n: string) => `-----BEGIN PRIVATE KEY-----\nkey-of-${n}\n-----END PRIVATE KEY-----\n`;
const certPem = (n: string) => `-----BEGIN CERTIFICATE-----\ncert-of-${n}\n-----END CERTIFICATE-----\n`;

// Keys, CSRs and certificates are generated for real by the mocks (what the tls plugin returns).
const generatedSecrets: string[] = [];
const { resources, states } = setupMocks({
  onSecret: (v) => generatedSecrets.push(v),
  outputs: {
    "kubernetes:core/v1:Service": (a) =>
      (a.inputs.spec as { type?: string }).type === "LoadBalancer"
        ? { status: { loadBalancer: { ingress: [{ hostname: `${a.name}.elb.example.com` }] } } }
        : {},
  },
});
// Registrations as the engine receives them (with protect), from here on.
const registrations = recordRegistrations();

/** Every flag kcp v0.32.3 `kcp start` accepts that we use (pkg/server/options, kcm SAController, etcd). */
const KCP_START_FLAGS = new Set([
  "shard-name",
  "root-directory",
  "secure-port",
  "shard-base-url",
  "shard-external-url",
  "batteries-included",
  "enable-leader-election",
  "tls-cert-file",
  "tls-private-key-file",
  "client-ca-file",
  "requestheader-client-ca-file",
  "requestheader-allowed-names",
  "requestheader-username-headers",
  "requestheader-group-headers",
  "requestheader-extra-headers-prefix",
  "service-account-key-file",
  "service-account-private-key-file",
  "service-account-signing-key-file",
  "shard-client-cert-file",
  "shard-client-key-file",
  "shard-virtual-workspace-ca-file",
  "mount-proxy-client-cert-file",
  "mount-proxy-client-key-file",
  "cache-kubeconfig",
  "logical-cluster-admin-kubeconfig",
  "external-logical-cluster-admin-kubeconfig",
  "root-shard-kubeconfig-file",
  "etcd-servers",
  "etcd-prefix",
  "etcd-cafile",
  "etcd-certfile",
  "etcd-keyfile",
]);

const flagsOf = (args: string[]) =>
  Object.fromEntries(
    args.map((a) => {
      const m = /^--([a-z0-9-]+)=(.*)$/.exec(a);
      assert.ok(m, `flag ${a} is --name=value`);
      return [m[1], m[2]];
    }),
  );

const regionFlags = (etcd: Parameters<typeof renderKcpShardArgs>[0]["etcd"]) =>
  renderKcpShardArgs({
    shardName: "aws-us-east-1",
    baseUrl: "https://shard.example.com:6443",
    externalUrl: "https://kcp.example.com",
    role: "region",
    etcd,
  });

// The fleet CAs a region signs its shard's certificates with: real ones (the home stack's outputs).
const servingCa = mockCa("kcp-serving-ca");
const clientCa = mockCa("kcp-client-ca");
const home: KcpHome = {
  frontProxyUrl: "https://kcp.example.com",
  caBundle: servingCa.then((c) => c.certPem),
  clientCaCertPem: clientCa.then((c) => c.certPem),
  requestHeaderCaCertPem: certPem("requestheader-ca"),
  servingCaKeyPem: pulumi.secret(servingCa.then((c) => c.keyPem)),
  clientCaKeyPem: pulumi.secret(clientCa.then((c) => c.keyPem)),
  serviceAccountKeyPem: pulumi.secret(keyPem("service-account")),
  mountsProxyCertPem: pulumi.secret(certPem("mounts-proxy")),
  mountsProxyKeyPem: pulumi.secret(keyPem("mounts-proxy")),
  rootShardKubeconfig: pulumi.secret("kubeconfig: root-shard-credentials"),
  cacheKubeconfig: pulumi.secret("kubeconfig: cache-credentials"),
  logicalClusterAdminKubeconfig: pulumi.secret("kubeconfig: lca-credentials"),
  externalLogicalClusterAdminKubeconfig: pulumi.secret("kubeconfig: elca-credentials"),
  adminKubeconfig: pulumi.secret("kubeconfig: admin-credentials"),
};
const HOME_SECRETS = [
  keyPem("service-account"),
  certPem("mounts-proxy"),
  keyPem("mounts-proxy"),
  "root-shard-credentials",
  "cache-credentials",
  "lca-credentials",
  "elca-credentials",
];

describe("kcp shard command line", () => {
  test("every flag exists in kcp v0.32.3; region shards register with the root shard", () => {
    const args = regionFlags({
      mode: "external",
      servers: ["https://e-0:2379", "https://e-1:2379"],
      prefix: "/kcp/x",
    });
    for (const a of args) assert.ok(KCP_START_FLAGS.has(a.slice(2, a.indexOf("="))), `unknown kcp flag ${a}`);
    const f = flagsOf(args);
    assert.equal(f["shard-name"], "aws-us-east-1");
    assert.equal(f["shard-base-url"], "https://shard.example.com:6443");
    assert.equal(f["shard-external-url"], "https://kcp.example.com");
    assert.equal(f["root-shard-kubeconfig-file"], "/etc/kcp/kubeconfigs/root-shard.kubeconfig");
    assert.equal(f["cache-kubeconfig"], "/etc/kcp/kubeconfigs/cache.kubeconfig");
    assert.equal(f["etcd-servers"], "https://e-0:2379,https://e-1:2379");
    assert.equal(f["etcd-prefix"], "/kcp/x");
    assert.equal(f["requestheader-username-headers"], "X-Remote-User");
    // --external-hostname is a deprecated no-op in v0.32.3; the base URL sets the external host.
    assert.equal(f["external-hostname"], undefined);
    assert.equal(new Set(args.map((a) => a.slice(0, a.indexOf("=")))).size, args.length, "no flag twice");
  });

  test("root shard: no root-shard kubeconfig; embedded etcd: no etcd flags", () => {
    const root = flagsOf(
      renderKcpShardArgs({
        shardName: "root",
        baseUrl: "https://root:6443",
        externalUrl: "https://kcp.example.com",
        role: "root",
        etcd: { mode: "embedded" },
      }),
    );
    assert.equal(root["root-shard-kubeconfig-file"], undefined);
    assert.equal(root["etcd-servers"], undefined);
    assert.throws(() => regionFlags({ mode: "external", servers: [], prefix: "/p" }), /at least one server/);
  });

  test("every file a flag names lies in a mounted Secret directory (or the data volume)", () => {
    const args = regionFlags({ mode: "external", servers: ["https://e:2379"], prefix: "/kcp/x" });
    const mounts = kcpShardMounts({
      serverTls: "s",
      shardClientTls: "c",
      mountsProxyTls: "m",
      ca: "ca",
      serviceAccount: "sa",
      kubeconfigs: "k",
      etcdClient: "e",
    });
    const dirs = [...mounts.map((m) => m.mountPath), KCP_PATHS.rootDir];
    const files = Object.values(flagsOf(args)).filter((v) => v.startsWith("/etc/") || v.startsWith("/var/"));
    assert.ok(files.length >= 15);
    for (const f of files)
      assert.ok(
        dirs.some((d) => f === d || f.startsWith(`${d}/`)),
        `${f} is not mounted`,
      );
    // Without external etcd there is no etcd mount.
    assert.equal(kcpShardMounts({ ...mountsArgs(), etcdClient: undefined }).length, mounts.length - 1);
  });

  test("pod template: pinned image, non-root, read-only, probes, secrets read-only, zones", () => {
    const t = renderKcpPodTemplate({
      containerName: "kcp",
      image: DEFAULT_KCP_IMAGE,
      command: ["/kcp", "start"],
      args: ["--x=y"],
      mounts: kcpShardMounts(mountsArgs()),
      labels: { app: "kcp" },
      zones: ["z-a", "z-b", "z-c"],
      resources: { requests: { cpu: "1" } },
      dataPath: KCP_PATHS.rootDir,
      persistentData: false,
    });
    const spec = t.spec as k8s.types.input.core.v1.PodSpec;
    const c = (spec.containers as k8s.types.input.core.v1.Container[])[0];
    assert.equal(c.image, "ghcr.io/kcp-dev/kcp:v0.32.3");
    assert.deepEqual(c.command, ["/kcp", "start"]);
    assert.equal(spec.automountServiceAccountToken, false);
    assert.equal((spec.securityContext as { runAsNonRoot: boolean }).runAsNonRoot, true);
    assert.equal((spec.securityContext as { runAsUser: number }).runAsUser, 65532);
    assert.deepEqual(c.securityContext, {
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ["ALL"] },
    });
    assert.equal((c.readinessProbe as { httpGet: { path: string } }).httpGet.path, "/readyz");
    const vols = spec.volumes as k8s.types.input.core.v1.Volume[];
    assert.deepEqual(
      vols.filter((v) => v.emptyDir).map((v) => v.name),
      ["data", "tmp"],
    );
    for (const m of c.volumeMounts as k8s.types.input.core.v1.VolumeMount[])
      if (!["data", "tmp"].includes(m.name as string)) assert.equal(m.readOnly, true, m.name as string);
    const persistent = renderKcpPodTemplate({ ...podParams(), persistentData: true });
    assert.ok(
      !(
        (persistent.spec as k8s.types.input.core.v1.PodSpec).volumes as k8s.types.input.core.v1.Volume[]
      ).some((v) => v.name === "data"),
      "the data volume comes from the claim template",
    );
  });

  test("validation names the bad argument", () => {
    const p = {} as k8s.Provider;
    const ok: ShardArgs = { region: "aws-us-east-1", kcpProvider: p, provider: p, home };
    assert.doesNotThrow(() => validateShardArgs(ok));
    assert.doesNotThrow(() => validateShardArgs({ region: "local-east", kcpProvider: p, profile: "local" }));
    const bad: [Partial<ShardArgs>, RegExp][] = [
      [{ region: "Bad_Region" }, /region/],
      [{ shardName: "root" }, /shardName/],
      [{ provider: undefined }, /provider/],
      [{ home: undefined }, /home/],
      [{ etcd: "embedded", replicas: 2 }, /replicas must be 1 with embedded/],
      [{ replicas: 0 }, /replicas/],
      [{ image: "ghcr.io/kcp-dev/kcp:latest" }, /pinned/],
      [{ etcdImage: "quay.io/coreos/etcd" }, /pinned/],
      [{ zones: ["a", "a"] }, /distinct/],
      [{ externalHostname: "https://x" }, /externalHostname/],
      [{ resources: { limits: { memory: "lots" } } }, /resources: memory/],
      [{ storageSize: "10G" }, /storageSize/],
    ];
    for (const [patch, re] of bad) assert.throws(() => validateShardArgs({ ...ok, ...patch }), re);
  });

  test("shard host: given name, then load balancer hostname or IP, else in-cluster name", () => {
    const base = { serviceName: "kcp-x", namespace: "kcp" };
    assert.equal(
      shardHost({ ...base, serviceType: "LoadBalancer", externalHostname: "s.example.com" }),
      "s.example.com",
    );
    assert.equal(
      shardHost({ ...base, serviceType: "LoadBalancer", ingress: [{ ip: "10.1.2.3" }] }),
      "10.1.2.3",
    );
    assert.equal(
      shardHost({ ...base, serviceType: "LoadBalancer", ingress: [{ hostname: "a.elb" }] }),
      "a.elb",
    );
    assert.equal(shardHost({ ...base, serviceType: "ClusterIP" }), "kcp-x.kcp.svc");
    assert.throws(() => shardHost({ ...base, serviceType: "LoadBalancer", ingress: [] }), /no load balancer/);
  });
});

describe("zones, quorum and disruption budgets", () => {
  test("pods stay on the given zones and spread evenly across them (any distinct zone list)", () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.stringMatching(/^[a-z][a-z0-9-]{0,10}[a-z0-9]$/), { maxLength: 6 }),
        (zones) => {
          const p = zonePlacement({ app: "x" }, zones);
          const hard = (
            p.topologySpreadConstraints as { whenUnsatisfiable: string; topologyKey: string }[]
          ).filter((c) => c.whenUnsatisfiable === "DoNotSchedule");
          assert.deepEqual(
            hard.map((c) => c.topologyKey),
            ["topology.kubernetes.io/zone"],
          );
          const terms = (
            p.affinity as
              | {
                  nodeAffinity?: {
                    requiredDuringSchedulingIgnoredDuringExecution: {
                      nodeSelectorTerms: { matchExpressions: { values: string[] }[] }[];
                    };
                  };
                }
              | undefined
          )?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms;
          if (zones.length === 0) assert.equal(terms, undefined);
          else assert.deepEqual(terms?.[0].matchExpressions[0].values, zones);
        },
      ),
    );
  });

  test("etcd keeps a majority; servers keep all but one", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 9 }), (n) => {
        const q = etcdQuorum(n);
        assert.ok(q <= n, `quorum ${q} of ${n}`);
        // Any two sets of `q` members overlap (a majority), and one member fewer would not.
        assert.ok(2 * q > n && 2 * (q - 1) <= n, `quorum ${q} of ${n}`);
      }),
    );
    assert.deepEqual(pdbSpec({ a: "b" }, "quorum", 3), {
      minAvailable: 2,
      selector: { matchLabels: { a: "b" } },
    });
    assert.deepEqual(pdbSpec({ a: "b" }, "quorum", 5).minAvailable, 3);
    assert.deepEqual(pdbSpec({ a: "b" }, "serving", 2), {
      maxUnavailable: 1,
      selector: { matchLabels: { a: "b" } },
    });
    // One replica: never a budget that blocks every drain.
    assert.deepEqual(pdbSpec({ a: "b" }, "quorum", 1).maxUnavailable, 1);
  });

  test("etcd command line: every member in the initial cluster, TLS for clients and peers", () => {
    const args = renderEtcdArgs({ name: "etcd", replicas: 3, quotaBackendBytes: 1024 });
    const f = flagsOf(args);
    assert.equal(
      f["initial-cluster"],
      [0, 1, 2].map((i) => `etcd-${i}=https://etcd-${i}.etcd-peer.$(POD_NAMESPACE).svc:2380`).join(","),
    );
    assert.equal(f["client-cert-auth"], "true");
    assert.equal(f["peer-client-cert-auth"], "true");
    assert.match(f["listen-client-urls"], /^https:/);
    assert.deepEqual(etcdClientUrls("etcd", "kcp", 2), [
      "https://etcd-0.etcd-peer.kcp.svc:2379",
      "https://etcd-1.etcd-peer.kcp.svc:2379",
    ]);
    const p = {} as k8s.Provider;
    assert.throws(
      () => validateEtcdArgs({ provider: p, namespace: "kcp", replicas: 2 }),
      /replicas must be 1, 3 or 5/,
    );
  });
});

describe("Shard under mocks", () => {
  const kcp = new k8s.Provider("kcp-root", { kubeconfig: "{}" });
  const cluster = new k8s.Provider("east-cluster", { kubeconfig: "{}" });
  const under = (prefix: string) => (r: Registered) => r.name.startsWith(prefix);

  test("local profile: only the Shard object's labels, through the kcp provider", async () => {
    const shard = new Shard("local-east", {
      profile: "local",
      region: "local-east",
      shardName: "shard-1",
      kcpProvider: kcp,
    });
    await settle();
    const mine = resources.filter(under("local-east"));
    assert.deepEqual(
      mine.map((r) => r.type),
      ["pipeline-service:kcp:Shard", "kubernetes:core.kcp.io/v1alpha1:ShardPatch"],
    );
    assert.deepEqual(mine[1].inputs.metadata, {
      name: "shard-1",
      labels: { "pipeline-service.dev/region": "local-east", "pipeline-service.dev/role": "region" },
    });
    assert.match(mine[1].provider ?? "", /::kcp-root::/);
    assert.equal(shard.baseUrl, undefined);
  });

  test("cloud profile: namespace kcp, etcd over zones, secrets, Deployment, PDB, Service, label patch", async () => {
    const shard = new Shard("aws-east", {
      region: "aws-us-east-1",
      kcpProvider: kcp,
      provider: cluster,
      home,
      zones: ["us-east-1a", "us-east-1b", "us-east-1c"],
    });
    await settle();
    const mine = resources.filter(under("aws-east"));
    const one = (type: string) => {
      const found = mine.filter((r) => r.type === type);
      assert.equal(found.length, 1, `one ${type}, got ${found.length}`);
      return found[0];
    };
    assert.equal((one("kubernetes:core/v1:Namespace").inputs.metadata as { name: string }).name, "kcp");
    // No workload reaches the default provider: every Kubernetes object goes to the cluster or to kcp.
    for (const r of mine.filter((x) => x.type.startsWith("kubernetes:")))
      assert.match(r.provider ?? "", r.type.includes("kcp.io") ? /::kcp-root::/ : /::east-cluster::/, r.name);

    const deploy = one("kubernetes:apps/v1:Deployment").inputs as {
      spec: { replicas: number; template: { spec: k8s.types.input.core.v1.PodSpec } };
    };
    assert.equal(deploy.spec.replicas, 2);
    const c = (deploy.spec.template.spec.containers as k8s.types.input.core.v1.Container[])[0];
    const f = flagsOf(c.args as string[]);
    assert.equal(f["shard-name"], "aws-us-east-1");
    assert.equal(f["shard-base-url"], "https://aws-east-svc.elb.example.com:6443");
    assert.equal(f["shard-external-url"], "https://kcp.example.com");
    assert.equal(
      f["etcd-servers"],
      [0, 1, 2].map((i) => `https://etcd-${i}.etcd-peer.kcp.svc:2379`).join(","),
    );
    assert.equal(f["etcd-prefix"], "/kcp/aws-us-east-1");
    const mounted = (deploy.spec.template.spec.volumes as k8s.types.input.core.v1.Volume[])
      .filter((v) => v.secret)
      .map((v) => (v.secret as { secretName: string }).secretName)
      .sort();
    const secretNames = mine
      .filter((r) => r.type === "kubernetes:core/v1:Secret")
      .map((r) => (r.inputs.metadata as { name: string }).name);
    for (const s of mounted) assert.ok(secretNames.includes(s), `mounted Secret ${s} is created`);

    const etcd = mine.find((r) => r.type === "kubernetes:apps/v1:StatefulSet")!.inputs as {
      spec: {
        replicas: number;
        podManagementPolicy: string;
        template: { spec: k8s.types.input.core.v1.PodSpec };
      };
    };
    assert.equal(etcd.spec.replicas, 3);
    assert.equal(etcd.spec.podManagementPolicy, "Parallel");
    assert.match(JSON.stringify(etcd.spec.template.spec.affinity), /us-east-1a.*us-east-1b.*us-east-1c/);
    const pdbs = mine
      .filter((r) => r.type === "kubernetes:policy/v1:PodDisruptionBudget")
      .map((r) => r.inputs.spec as { minAvailable?: number; maxUnavailable?: number });
    assert.deepEqual(pdbs.map((p) => p.minAvailable ?? `max ${p.maxUnavailable}`).sort(), [2, "max 1"]);

    // The serving certificate names the load balancer; the shard's client identity is system:masters.
    const serverCsr = unwrap(mine.find((r) => r.name === "aws-east-server-csr")!.inputs).value as {
      dnsNames: string[];
    };
    assert.ok(serverCsr.dnsNames.includes("aws-east-svc.elb.example.com"));
    assert.ok(serverCsr.dnsNames.includes("kcp-aws-us-east-1.kcp.svc"));
    const serverCert = unwrap(mine.find((r) => r.name === "aws-east-server-cert")!.inputs).value as {
      caCertPem: string;
    };
    const serving = await servingCa;
    assert.equal(serverCert.caCertPem, serving.certPem);
    const issued = new crypto.X509Certificate(states.get("aws-east-server-cert")?.certPem as string);
    assert.ok(
      issued.verify(new crypto.X509Certificate(serving.certPem).publicKey),
      "signed by the serving CA",
    );
    assert.match(issued.subjectAltName ?? "", /DNS:aws-east-svc\.elb\.example\.com/);
    const client = new crypto.X509Certificate(states.get("aws-east-shard-client-cert")?.certPem as string);
    assert.match(client.subject, /O=system:masters/);
    assert.ok(client.verify(new crypto.X509Certificate((await clientCa).certPem).publicKey));

    const patch = one("kubernetes:core.kcp.io/v1alpha1:ShardPatch");
    assert.deepEqual((patch.inputs.metadata as { labels: unknown }).labels, {
      "pipeline-service.dev/region": "aws-us-east-1",
      "pipeline-service.dev/role": "region",
    });
    assert.equal(await valueOf(shard.baseUrl!), "https://aws-east-svc.elb.example.com:6443");
  });

  test("every key, client certificate and kubeconfig reaches the engine only as a secret", async () => {
    await settle();
    const mine = resources.filter(under("aws-east"));
    const keyNames = mine
      .filter((r) => r.type === TLS_PRIVATE_KEY)
      .map((r) => r.name)
      .sort();
    assert.deepEqual(keyNames, [
      "aws-east-etcd-ca-key",
      "aws-east-etcd-client-key",
      "aws-east-etcd-member-key",
      "aws-east-server-key",
      "aws-east-shard-client-key",
    ]);
    const generatedKeys = keyNames.flatMap((n) =>
      ["privateKeyPem", "privateKeyPemPkcs8"].map((k) => states.get(n)?.[k] as string),
    );
    assert.ok(generatedKeys.every((k) => generatedSecrets.includes(k)));
    const clientCert = states.get("aws-east-shard-client-cert")?.certPem as string;
    const cas = [(await servingCa).keyPem, (await clientCa).keyPem];
    const secrets = [...HOME_SECRETS, ...cas, ...generatedKeys, clientCert];
    assert.deepEqual(findPlaintext(mine, secrets), []);
    // The scan saw the values: every Secret's data is an envelope.
    for (const r of mine.filter((x) => x.type === "kubernetes:core/v1:Secret"))
      assert.ok(hasSecretEnvelope(r), r.name);
  });

  test("embedded etcd: one StatefulSet with a claim, no etcd cluster", async () => {
    new Shard("dev-east", {
      region: "dev-east",
      kcpProvider: kcp,
      provider: cluster,
      home,
      etcd: "embedded",
      serviceType: "ClusterIP",
    });
    await settle();
    const mine = resources.filter(under("dev-east"));
    const sts = mine.filter((r) => r.type === "kubernetes:apps/v1:StatefulSet");
    assert.equal(sts.length, 1);
    const spec = sts[0].inputs.spec as {
      replicas: number;
      volumeClaimTemplates: unknown[];
      template: { spec: { containers: { args: string[] }[] } };
    };
    assert.equal(spec.replicas, 1);
    assert.equal(spec.volumeClaimTemplates.length, 1);
    const f = flagsOf(spec.template.spec.containers[0].args);
    assert.equal(f["etcd-servers"], undefined);
    assert.equal(f["shard-base-url"], "https://kcp-dev-east.kcp.svc:6443");
    assert.equal(mine.filter((r) => r.type === "kubernetes:apps/v1:Deployment").length, 0);
  });
});

function mountsArgs() {
  return {
    serverTls: "s",
    shardClientTls: "c",
    mountsProxyTls: "m",
    ca: "ca",
    serviceAccount: "sa",
    kubeconfigs: "k",
  };
}
function podParams(): Parameters<typeof renderKcpPodTemplate>[0] {
  return {
    containerName: "kcp",
    image: DEFAULT_KCP_IMAGE,
    command: ["/kcp", "start"],
    args: [],
    mounts: kcpShardMounts(mountsArgs()),
    labels: { app: "kcp" },
    zones: [],
    resources: {},
    dataPath: KCP_PATHS.rootDir,
    persistentData: false,
  };
}

describe("Shard protect", () => {
  const kcp = new k8s.Provider("kcp-protect", { kubeconfig: "{}" });
  const cluster = new k8s.Provider("protect-cluster", { kubeconfig: "{}" });
  const shard = (name: string, extra: Partial<ShardArgs>) =>
    new Shard(name, { region: name, kcpProvider: kcp, provider: cluster, home, ...extra });

  test("protect: the etcd StatefulSet only (not the certificates, Secrets, Deployment); without it, nothing", async () => {
    shard("guarded", { protect: true });
    shard("open", {});
    await settle();
    await quiesce();
    assert.deepEqual(protectedOf(registrations, "guarded"), [
      "kubernetes:apps/v1:StatefulSet guarded-etcd-sts",
    ]);
    assert.deepEqual(protectedOf(registrations, "open"), []);
  });

  test("embedded etcd: the kcp StatefulSet (its claim holds the data) is the leaf protected", async () => {
    shard("embedded", { protect: true, etcd: "embedded", serviceType: "ClusterIP" });
    await settle();
    await quiesce();
    assert.deepEqual(protectedOf(registrations, "embedded"), ["kubernetes:apps/v1:StatefulSet embedded-sts"]);
  });
});
