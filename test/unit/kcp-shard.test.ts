// kcp Shard and its Etcd: the kcp command line (flags that exist in kcp v0.32.3, files that are mounted),
// validation, zone placement and disruption budgets; under mocks the cloud rendering (namespace, etcd,
// Secrets with every key/cert/kubeconfig as a Pulumi secret, workload, PDB, label patch on kcp) of the home
// region's shard (signed with the fleet CAs) and of another region's (its requests until the home stack has
// signed them, then its own keys with those certificates), and the local profile registering nothing but the
// label patch.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as crypto from "node:crypto";
import * as fc from "fast-check";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { type Registered, countByType, settle, setupMocks, valueOf } from "../helpers/mocks";
import { protectedOf, quiesce, recordRegistrations } from "../helpers/engine-recorder";
import { findPlaintext, hasSecretEnvelope } from "../helpers/plaintext";
import {
  mockCa,
  providerOutputs,
  TLS_CERT_REQUEST,
  TLS_LOCALLY_SIGNED_CERT,
  TLS_PRIVATE_KEY,
} from "../helpers/provider-mocks";
import { unwrap } from "../helpers/secrets";
import { type KcpFleet, Shard, type ShardArgs, validateShardArgs } from "../../components/kcp/shard";
import {
  type ShardSigner,
  SHARD_CERT_KINDS,
  type ShardCertKind,
  type ShardCertificates,
  type ShardRequest,
  checkShardRequest,
  shardCertSpecs,
} from "../../components/kcp/enrollment";
import { csrNames } from "../../components/shared/csr";
import {
  KCP_PATHS,
  kcpShardMounts,
  renderKcpPodTemplate,
  renderKcpShardArgs,
  shardHost,
} from "../../components/kcp/server-workload";
import { etcdClientUrls, renderEtcdArgs, validateEtcdArgs } from "../../components/kcp/etcd";
import { DEFAULT_KCP_IMAGE, etcdQuorum, pdbSpec, zonePlacement } from "../../components/kcp/render";
import { ROOT_SHARD_KUBECONFIG_CONTEXT } from "../../components/kcp/kubeconfig";
import type { SigningCa } from "../../components/kcp/pki";
import { parse as parseYaml } from "yaml";

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

// The fleet CAs (real ones: the mocks check every signature) and the root's public facts.
const servingCa = mockCa("kcp-serving-ca");
const clientCa = mockCa("kcp-client-ca");
const requestHeaderCa = mockCa("kcp-requestheader-ca");
const cacheClientCa = mockCa("kcp-cache-client-ca");
const fleetCas = {
  serving: servingCa,
  client: clientCa,
  requestHeader: requestHeaderCa,
  cacheClient: cacheClientCa,
};
const FLEET_URLS = {
  frontProxy: "https://kcp.example.com",
  rootShard: "https://root.kcp.example.com:6443",
  cache: "https://cache.kcp.example.com:6443",
};
const fleet: KcpFleet = {
  frontProxyUrl: FLEET_URLS.frontProxy,
  caBundle: servingCa.then((c) => c.certPem),
  clientCaCertPem: clientCa.then((c) => c.certPem),
  requestHeaderCaCertPem: requestHeaderCa.then((c) => c.certPem),
  rootShardUrl: FLEET_URLS.rootShard,
  cacheUrl: FLEET_URLS.cache,
};
/** The home region's shard signs with the fleet CAs (Root.signer). */
const signingCa = (ca: ReturnType<typeof mockCa>): SigningCa => ({
  cert: ca.then((c) => c.certPem),
  key: pulumi.secret(ca.then((c) => c.keyPem)),
});
const signer: ShardSigner = {
  cas: {
    serving: signingCa(servingCa),
    client: signingCa(clientCa),
    requestHeader: signingCa(requestHeaderCa),
    cacheClient: signingCa(cacheClientCa),
  },
  serviceAccountKeyPem: pulumi.secret(keyPem("service-account")),
};
/** Every key of the signer: no Secret of any shard but the home region's holds one (and it only the SA key). */
const signerKeys = async () => [
  keyPem("service-account"),
  ...(await Promise.all(Object.values(fleetCas))).map((c) => c.keyPem),
];

/** A region stack's admin certificate request (FailureDomain's): a real CSR for exactly its identity. */
async function adminRequest(shardName: string): Promise<string> {
  const key = await providerOutputs(TLS_PRIVATE_KEY, { algorithm: "ECDSA", ecdsaCurve: "P256" });
  const spec = shardCertSpecs(shardName).admin;
  const csr = await providerOutputs(TLS_CERT_REQUEST, {
    privateKeyPem: key!.privateKeyPemPkcs8,
    subject: { commonName: spec.commonName, organization: spec.organization },
  });
  return csr!.certRequestPem as string;
}

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
    const ok: ShardArgs = { region: "aws-us-east-1", kcpProvider: p, provider: p, fleet, signer };
    assert.doesNotThrow(() => validateShardArgs(ok));
    assert.doesNotThrow(() => validateShardArgs({ region: "local-east", kcpProvider: p, profile: "local" }));
    // Another region: its admin request is published with the shard's; until its certificates are signed
    // nothing is patched on kcp, so no kcp provider is needed yet.
    const region: ShardArgs = { region: "aws-eu-west-1", provider: p, fleet, adminCertificateRequest: "csr" };
    assert.doesNotThrow(() => validateShardArgs(region));
    const signed = { certificates: {} as ShardCertificates };
    assert.doesNotThrow(() => validateShardArgs({ ...region, ...signed, kcpProvider: p }));
    assert.throws(() => validateShardArgs({ ...region, ...signed }), /kcpProvider is required/);
    assert.throws(
      () => validateShardArgs({ ...region, adminCertificateRequest: undefined }),
      /adminCertificateRequest/,
    );
    assert.throws(() => validateShardArgs({ ...ok, ...signed }), /exclude each other/);
    assert.throws(() => validateShardArgs({ ...ok, adminCertificateRequest: "csr" }), /exclude each other/);
    const bad: [Partial<ShardArgs>, RegExp][] = [
      [{ region: "Bad_Region" }, /region/],
      [{ shardName: "root" }, /shardName/],
      [{ provider: undefined }, /provider/],
      [{ kcpProvider: undefined }, /kcpProvider/],
      [{ fleet: undefined }, /fleet/],
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
      fleet,
      signer,
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
    // Every certificate carries its identity in shardCertSpecs and is signed by that CA of the fleet.
    const specs = shardCertSpecs("aws-us-east-1");
    for (const kind of SHARD_CERT_KINDS.filter((k) => k !== "admin")) {
      const cert = new crypto.X509Certificate(states.get(`aws-east-${kind}-cert`)?.certPem as string);
      const ca = new crypto.X509Certificate((await fleetCas[specs[kind].ca]).certPem);
      assert.ok(cert.verify(ca.publicKey), `${kind} is signed by the ${specs[kind].ca} CA`);
      assert.match(cert.subject, new RegExp(`CN=${specs[kind].commonName}$`, "m"), kind);
    }
    // The shard builds its kubeconfigs from its own certificates and the fleet's URLs; its ServiceAccount
    // key is the root's (the signer's).
    const files = secretFiles(mine);
    const sa = files.get("kcp-aws-us-east-1-service-account")!;
    assert.deepEqual(sa, { "tls.key": keyPem("service-account") });
    await assertKubeconfigs(files, "aws-us-east-1", (kind) => ({
      cert: states.get(`aws-east-${kind}-cert`)?.certPem as string,
      key: states.get(`aws-east-${kind}-key`)?.privateKeyPemPkcs8 as string,
    }));

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
      "aws-east-cache-client-key",
      "aws-east-etcd-ca-key",
      "aws-east-etcd-client-key",
      "aws-east-etcd-member-key",
      "aws-east-external-logical-cluster-admin-key",
      "aws-east-logical-cluster-admin-key",
      "aws-east-mounts-proxy-key",
      "aws-east-server-key",
      "aws-east-shard-client-key",
    ]);
    const generatedKeys = keyNames.flatMap((n) =>
      ["privateKeyPem", "privateKeyPemPkcs8"].map((k) => states.get(n)?.[k] as string),
    );
    assert.ok(generatedKeys.every((k) => generatedSecrets.includes(k)));
    // Client certificates are credentials' public halves, kept secret all the same.
    const clientCerts = SHARD_CERT_KINDS.filter((k) => k !== "admin" && k !== "server").map(
      (k) => states.get(`aws-east-${k}-cert`)?.certPem as string,
    );
    assert.ok(clientCerts.every((c) => c.includes("BEGIN CERTIFICATE")));
    const secrets = [...(await signerKeys()), ...generatedKeys, ...clientCerts];
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
      fleet,
      signer,
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

/** What each Secret among `registered` holds (secret envelopes removed), by object name. */
function secretFiles(registered: Registered[]): Map<string, Record<string, string>> {
  const out = new Map<string, Record<string, string>>();
  for (const r of registered.filter((x) => x.type === "kubernetes:core/v1:Secret")) {
    const v = unwrap(r.inputs).value as { metadata: { name: string }; stringData: Record<string, string> };
    out.set(v.metadata.name, v.stringData);
  }
  return out;
}

interface Kubeconfig {
  "current-context": string;
  clusters: { name: string; cluster: { server: string; "certificate-authority-data": string } }[];
  users: { name: string; user: { "client-certificate-data": string; "client-key-data": string } }[];
}
const fromBase64 = (s: string) => Buffer.from(s, "base64").toString("utf8");

/** The shard's kubeconfigs: each a fleet URL, the serving CA, and one of the shard's own key pairs. */
async function assertKubeconfigs(
  files: Map<string, Record<string, string>>,
  shardName: string,
  pairOf: (kind: ShardCertKind) => { cert: string; key: string },
): Promise<void> {
  const kubeconfigs = files.get(`kcp-${shardName}-kubeconfigs`);
  assert.ok(kubeconfigs, "the kubeconfigs Secret is created");
  const expected: Record<string, [server: string, kind: ShardCertKind, context: string]> = {
    "root-shard.kubeconfig": [FLEET_URLS.rootShard, "shard-client", ROOT_SHARD_KUBECONFIG_CONTEXT],
    "cache.kubeconfig": [FLEET_URLS.cache, "cache-client", "cache"],
    "logical-cluster-admin.kubeconfig": [
      FLEET_URLS.rootShard,
      "logical-cluster-admin",
      "logical-cluster-admin",
    ],
    "external-logical-cluster-admin.kubeconfig": [
      FLEET_URLS.frontProxy,
      "external-logical-cluster-admin",
      "external-logical-cluster-admin",
    ],
  };
  assert.deepEqual(Object.keys(kubeconfigs).sort(), Object.keys(expected).sort());
  const servingCert = (await servingCa).certPem;
  for (const [file, [server, kind, context]] of Object.entries(expected)) {
    const k = parseYaml(kubeconfigs[file]) as Kubeconfig;
    assert.equal(k["current-context"], context, file);
    assert.equal(k.clusters[0].cluster.server, server, file);
    assert.equal(fromBase64(k.clusters[0].cluster["certificate-authority-data"]), servingCert, file);
    const pair = pairOf(kind);
    assert.ok(pair.cert.includes("BEGIN CERTIFICATE") && pair.key.includes("PRIVATE KEY"), kind);
    assert.equal(
      fromBase64(k.users[0].user["client-certificate-data"]),
      pair.cert,
      `${file}: the ${kind} certificate`,
    );
    assert.equal(
      fromBase64(k.users[0].user["client-key-data"]),
      pair.key,
      `${file}: the shard's own ${kind} key`,
    );
  }
}

describe("Shard of another region (the home stack signs its requests)", () => {
  const kcp = new k8s.Provider("kcp-regions", { kubeconfig: "{}" });
  const cluster = new k8s.Provider("west-cluster", { kubeconfig: "{}" });
  const under = (prefix: string) => resources.filter((r) => r.name.startsWith(prefix));
  const assertOnCluster = (mine: Registered[]) => {
    for (const r of mine.filter((x) => x.type.startsWith("kubernetes:")))
      assert.match(
        r.provider ?? "",
        r.type.includes("kcp.io") ? /::kcp-regions::/ : /::west-cluster::/,
        r.name,
      );
  };

  test("without certificates: keys, requests and the Service only; nothing runs, nothing on kcp", async () => {
    const admin = await adminRequest("aws-eu-west-1");
    const shard = new Shard("eu-wait", {
      region: "aws-eu-west-1",
      provider: cluster,
      fleet,
      adminCertificateRequest: admin,
    });
    await settle();
    const mine = under("eu-wait");
    assert.equal(shard.started, false);
    assert.equal(shard.labelPatch, undefined);
    for (const type of [
      "kubernetes:core/v1:Secret",
      "kubernetes:apps/v1:Deployment",
      "kubernetes:apps/v1:StatefulSet",
      "kubernetes:core.kcp.io/v1alpha1:ShardPatch",
      TLS_LOCALLY_SIGNED_CERT,
    ])
      assert.equal(mine.filter((r) => r.type === type).length, 0, `no ${type}`);
    // Exactly: its namespace, its Service (the serving request names its load balancer), a key and a
    // request per certificate it uses, and its ServiceAccount key.
    assert.deepEqual(countByType(mine), {
      "kubernetes:core/v1:Namespace": 1,
      "kubernetes:core/v1:Service": 1,
      "pipeline-service:kcp:Shard": 1,
      [TLS_CERT_REQUEST]: 6,
      [TLS_PRIVATE_KEY]: 7,
    });
    assertOnCluster(mine);

    const request: ShardRequest = await valueOf(shard.request!);
    assert.equal(request.shardName, "aws-eu-west-1");
    assert.deepEqual(Object.keys(request.certificateRequests).sort(), [...SHARD_CERT_KINDS].sort());
    const specs = shardCertSpecs("aws-eu-west-1");
    for (const kind of SHARD_CERT_KINDS) {
      const names = csrNames(request.certificateRequests[kind]);
      assert.equal(names.commonName, specs[kind].commonName, kind);
      assert.deepEqual(names.organizations, specs[kind].organization ? [specs[kind].organization] : [], kind);
      assert.deepEqual(names.otherSubjectOids, [], kind);
      if (kind === "admin") assert.equal(request.certificateRequests.admin, admin);
      else {
        // The request is the shard's own CSR, made with a key it keeps.
        const csr = states.get(`eu-wait-${kind}-csr`);
        assert.equal(request.certificateRequests[kind], csr?.certRequestPem, kind);
        assert.equal(csr?.privateKeyPem, states.get(`eu-wait-${kind}-key`)?.privateKeyPemPkcs8, kind);
      }
    }
    const server = csrNames(request.certificateRequests.server);
    assert.ok(server.dnsNames.includes("eu-wait-svc.elb.example.com"), "the serving request names the LB");
    assert.ok(server.dnsNames.includes("kcp-aws-eu-west-1.kcp.svc"));
    // Its own ServiceAccount key (RSA): the public half is published for the front-proxy to trust.
    const saKey = states.get("eu-wait-service-account-key");
    assert.equal(saKey?.algorithm, "RSA");
    assert.equal(crypto.createPublicKey(request.serviceAccountPublicKeyPem).asymmetricKeyType, "rsa");
    assert.equal(request.serviceAccountPublicKeyPem, saKey?.publicKeyPem);
    // The home stack accepts the request as it is, and nothing in it is private.
    assert.doesNotThrow(() => checkShardRequest(request, "eu-wait", []));
    assert.doesNotMatch(JSON.stringify(request), /PRIVATE KEY/);
  });

  test("with certificates: the given certificates with the shard's own keys; no fleet key in any Secret", async () => {
    const admin = await adminRequest("aws-eu-west-2");
    const certificates = Object.fromEntries(
      SHARD_CERT_KINDS.map((k) => [k, certPem(`eu-run-${k}`)]),
    ) as ShardCertificates;
    const shard = new Shard("eu-run", {
      region: "aws-eu-west-2",
      kcpProvider: kcp,
      provider: cluster,
      fleet,
      adminCertificateRequest: admin,
      certificates,
    });
    await settle();
    const mine = under("eu-run");
    assert.equal(shard.started, true);
    assertOnCluster(mine);
    // The region signs nothing with a fleet CA: its only certificates of its own are etcd's (etcd's CA).
    const fleetCaCerts = (await Promise.all(Object.values(fleetCas))).map((c) => c.certPem);
    const signedHere = mine.filter((r) => r.type === TLS_LOCALLY_SIGNED_CERT);
    assert.deepEqual(signedHere.map((r) => r.name).sort(), [
      "eu-run-etcd-client-cert",
      "eu-run-etcd-member-cert",
    ]);
    for (const r of signedHere)
      assert.ok(!fleetCaCerts.includes(states.get(r.name)?.caCertPem as string), r.name);
    const patches = mine.filter((r) => r.type === "kubernetes:core.kcp.io/v1alpha1:ShardPatch");
    assert.equal(patches.length, 1);
    assert.deepEqual(patches[0].inputs.metadata, {
      name: "aws-eu-west-2",
      labels: { "pipeline-service.dev/region": "aws-eu-west-2", "pipeline-service.dev/role": "region" },
    });

    const files = secretFiles(mine);
    const deploy = mine.filter((r) => r.type === "kubernetes:apps/v1:Deployment");
    assert.equal(deploy.length, 1);
    const volumes = (
      unwrap(deploy[0].inputs).value as { spec: { template: { spec: k8s.types.input.core.v1.PodSpec } } }
    ).spec.template.spec.volumes as k8s.types.input.core.v1.Volume[];
    for (const v of volumes.filter((x) => x.secret)) {
      const secretName = (v.secret as { secretName: string }).secretName;
      assert.ok(files.has(secretName), `mounted Secret ${secretName} is created`);
    }

    const own = (kind: ShardCertKind) => states.get(`eu-run-${kind}-key`)?.privateKeyPemPkcs8 as string;
    for (const kind of ["server", "shard-client", "mounts-proxy"] as const)
      assert.deepEqual(
        files.get(`kcp-aws-eu-west-2-${kind}-tls`),
        { "tls.crt": certificates[kind], "tls.key": own(kind) },
        `${kind}: the signed certificate with the shard's own key`,
      );
    await assertKubeconfigs(files, "aws-eu-west-2", (kind) => ({ cert: certificates[kind], key: own(kind) }));
    assert.deepEqual(files.get("kcp-aws-eu-west-2-ca"), {
      "serving-ca.crt": (await servingCa).certPem,
      "client-ca.crt": (await clientCa).certPem,
      "requestheader-ca.crt": (await requestHeaderCa).certPem,
    });
    // ServiceAccount tokens are signed with the shard's own key, the one its request publishes.
    const saKey = states.get("eu-run-service-account-key");
    assert.deepEqual(files.get("kcp-aws-eu-west-2-service-account"), {
      "tls.key": saKey?.privateKeyPemPkcs8,
    });
    assert.equal((await valueOf(shard.request!)).serviceAccountPublicKeyPem, saKey?.publicKeyPem);

    // Every private key in any Secret (kubeconfigs decoded) is one the shard generated; no fleet key is.
    const generated = mine
      .filter((r) => r.type === TLS_PRIVATE_KEY)
      .flatMap((r) => ["privateKeyPem", "privateKeyPemPkcs8"].map((k) => states.get(r.name)?.[k] as string));
    const fleetKeys = await signerKeys();
    let keysSeen = 0;
    for (const [name, data] of files)
      for (const [file, value] of Object.entries(data)) {
        const texts = [value];
        if (file.endsWith(".kubeconfig"))
          for (const u of (parseYaml(value) as Kubeconfig).users)
            texts.push(fromBase64(u.user["client-key-data"]), fromBase64(u.user["client-certificate-data"]));
        for (const text of texts) {
          for (const k of fleetKeys) assert.ok(!text.includes(k.trim()), `${name}/${file} holds a fleet key`);
          for (const block of text.match(
            /-----BEGIN [A-Z ]*PRIVATE KEY-----[^-]*-----END [A-Z ]*PRIVATE KEY-----/g,
          ) ?? []) {
            keysSeen++;
            assert.ok(
              generated.some((g) => g.trim() === block.trim()),
              `${name}/${file} holds a key the shard did not generate`,
            );
          }
        }
      }
    // server, shard-client, mounts-proxy, four kubeconfigs, ServiceAccount, etcd member and client.
    assert.equal(keysSeen, 10);

    // Keys and client certificates reach the engine only as secrets.
    const clientCerts = SHARD_CERT_KINDS.filter((k) => shardCertSpecs("aws-eu-west-2")[k].organization).map(
      (k) => certificates[k],
    );
    assert.deepEqual(findPlaintext(mine, [...generated, ...clientCerts]), []);
    for (const r of mine.filter((x) => x.type === "kubernetes:core/v1:Secret"))
      assert.ok(hasSecretEnvelope(r), r.name);
  });
});

describe("Shard protect", () => {
  const kcp = new k8s.Provider("kcp-protect", { kubeconfig: "{}" });
  const cluster = new k8s.Provider("protect-cluster", { kubeconfig: "{}" });
  const shard = (name: string, extra: Partial<ShardArgs>) =>
    new Shard(name, { region: name, kcpProvider: kcp, provider: cluster, fleet, signer, ...extra });

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
