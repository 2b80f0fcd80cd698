// kcp Root: the kubeconfig renderer (round trip, validation, property test), the front-proxy and cache
// server command lines and mapping, validation; under mocks the PKI (three CAs, service-account key, client
// identities), the three workloads behind their Services, the disruption budgets, the home outputs (all
// public: no secret, no key), a scan of every registered input for plaintext keys and credentials, and the
// enrollment of other regions' shards (their requests signed by the CA shardCertSpecs names, refused when
// they ask for another identity or a host another server answers at, their ServiceAccount keys trusted at
// the front-proxy).
import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as crypto from "node:crypto";
import * as fc from "fast-check";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { parse as parseYaml } from "yaml";
import { type Registered, settle, setupMocks, valueOf } from "../helpers/mocks";
import { protectedOf, quiesce, recordRegistrations } from "../helpers/engine-recorder";
import { findPlaintext, hasSecretEnvelope } from "../helpers/plaintext";
import {
  TLS_CERT_REQUEST,
  TLS_LOCALLY_SIGNED_CERT,
  TLS_PRIVATE_KEY,
  providerOutputs,
} from "../helpers/provider-mocks";
import { unwrap } from "../helpers/secrets";
import { Root, type RootArgs, validateRootArgs } from "../../components/kcp/root";
import {
  type FleetCaName,
  SHARD_CERT_KINDS,
  type ShardCertKind,
  type ShardRequest,
  checkShardRequest,
  externalServerNamesOf,
  shardCertSpecs,
} from "../../components/kcp/enrollment";
import { renderCacheServerArgs } from "../../components/kcp/cache-server";
import {
  FRONT_PROXY_PATHS,
  renderFrontProxyArgs,
  renderFrontProxyMapping,
  serviceAccountKeyFile,
} from "../../components/kcp/front-proxy";
import { renderKubeconfig } from "../../components/kcp/kubeconfig";
import {
  type KcpSecretKind,
  ROOT_OBJECTS,
  SHARD_NAMESPACE,
  kcpSecretName,
  shardObjectName,
} from "../../components/kcp/names";
import { serviceDnsNames, splitSans } from "../../components/kcp/render";
import {
  KCP_HOME_STRING_KEYS,
  type KcpHome,
  checkHomeValue,
  homeStackOutput,
} from "../../components/kcp/home-reference";

const keyPem = (n: string) => `-----BEGIN PRIVATE KEY-----\nkey-of-${n}\n-----END PRIVATE KEY-----\n`;
const certPem = (n: string) => `-----BEGIN CERTIFICATE-----\ncert-of-${n}\n-----END CERTIFICATE-----\n`;

// Keys, CSRs and certificates are generated for real by the mocks (what the tls plugin returns).
const generatedSecrets: string[] = [];
const { resources, states } = setupMocks({
  onSecret: (v) => generatedSecrets.push(v),
  outputs: {
    "kubernetes:core/v1:Service": (a) =>
      (a.inputs.spec as { type?: string }).type === "LoadBalancer"
        ? { status: { loadBalancer: { ingress: [{ ip: `10.0.0.${a.name.length}` }] } } }
        : {},
  },
});
// Registrations as the engine receives them (with protect), from here on.
const registrations = recordRegistrations();

interface KubeconfigShape {
  clusters: { name: string; cluster: { server: string; "certificate-authority-data": string } }[];
  users: { name: string; user: { "client-certificate-data": string; "client-key-data": string } }[];
  contexts: { name: string; context: { cluster: string; user: string } }[];
  "current-context": string;
}
const b64d = (s: string) => Buffer.from(s, "base64").toString("utf8");

/** A region's shard as its stack would have it: its private keys (kept there) and the request it publishes. */
interface RegionShard {
  keys: Record<ShardCertKind, string>;
  serviceAccountKeyPem: string;
  request: ShardRequest;
}

/**
 * Real keys and CSRs (generated as the tls plugin would) for shardCertSpecs(shardName); the serving request
 * names `externalHosts` and, as Shard's does, the shard's in-cluster names and loopback. `subjects` replaces
 * the identity some requests ask for.
 */
async function regionShard(
  shardName: string,
  externalHosts: string[],
  subjects: Partial<Record<ShardCertKind, { commonName: string; organization?: string }>> = {},
): Promise<RegionShard> {
  const specs = shardCertSpecs(shardName);
  const serving = splitSans([
    ...externalHosts,
    ...serviceDnsNames(shardObjectName(shardName), SHARD_NAMESPACE),
    "localhost",
    "127.0.0.1",
  ]);
  const keys = {} as Record<ShardCertKind, string>;
  const certificateRequests = {} as Record<ShardCertKind, string>;
  for (const kind of SHARD_CERT_KINDS) {
    const key = await providerOutputs(TLS_PRIVATE_KEY, { algorithm: "ECDSA", ecdsaCurve: "P256" });
    keys[kind] = key!.privateKeyPemPkcs8 as string;
    const csr = await providerOutputs(TLS_CERT_REQUEST, {
      privateKeyPem: keys[kind],
      subject: subjects[kind] ?? {
        commonName: specs[kind].commonName,
        organization: specs[kind].organization,
      },
      dnsNames: kind === "server" ? serving.dnsNames : [],
      ipAddresses: kind === "server" ? serving.ipAddresses : [],
    });
    certificateRequests[kind] = csr!.certRequestPem as string;
  }
  const sa = await providerOutputs(TLS_PRIVATE_KEY, { algorithm: "RSA", rsaBits: 2048 });
  return {
    keys,
    serviceAccountKeyPem: sa!.privateKeyPemPkcs8 as string,
    request: { shardName, certificateRequests, serviceAccountPublicKeyPem: sa!.publicKeyPem as string },
  };
}

/** The Root resource (`<root>-<suffix>`) of each fleet CA. */
const CA_RESOURCE: Record<FleetCaName, string> = {
  serving: "serving-ca",
  client: "client-ca",
  requestHeader: "requestheader-ca",
  cacheClient: "cache-client-ca",
};

/** A certificate's subject as sorted "K=v" lines. */
const subjectOf = (cert: crypto.X509Certificate) => cert.subject.split("\n").sort();

/**
 * What the home stack exports is public: no value secret, none holds a private key or any key the mocks
 * generated, and checkHomeValue reads the exported value back complete.
 */
async function assertPublicHome(home: KcpHome, secrets: string[]) {
  assert.deepEqual(Object.keys(home).sort(), [...KCP_HOME_STRING_KEYS, "shards"].sort());
  for (const [k, v] of Object.entries(home) as [string, pulumi.Output<unknown>][]) {
    assert.equal(await pulumi.isSecret(v), false, `${k} is not secret`);
    const text = JSON.stringify(await valueOf(v));
    assert.ok(!text.includes("PRIVATE KEY"), `${k} holds no private key`);
    assert.ok(!secrets.some((s) => text.includes(s)), `${k} holds no generated secret`);
  }
  const exported = homeStackOutput(home);
  assert.equal(await pulumi.isSecret(exported), false);
  return checkHomeValue(await valueOf(exported), "home stack test");
}

describe("renderKubeconfig", () => {
  test("round trip: server, CA and client credentials come back byte for byte", () => {
    const pemBody = fc.stringMatching(/^[A-Za-z0-9+/=\n]{1,200}$/);
    fc.assert(
      fc.property(
        fc.domain(),
        fc.integer({ min: 1, max: 65535 }),
        pemBody,
        pemBody,
        pemBody,
        (host, port, ca, crt, key) => {
          const caPem = `-----BEGIN CERTIFICATE-----\n${ca}\n-----END CERTIFICATE-----\n`;
          const clientCertPem = `-----BEGIN CERTIFICATE-----\n${crt}\n-----END CERTIFICATE-----\n`;
          const clientKeyPem = `-----BEGIN EC PRIVATE KEY-----\n${key}\n-----END EC PRIVATE KEY-----\n`;
          const server = `https://${host}:${port}/clusters/root`;
          const out = renderKubeconfig({ server, caPem, clientCertPem, clientKeyPem, name: "x" });
          const doc = parseYaml(out) as KubeconfigShape;
          assert.equal(doc["current-context"], "x");
          assert.deepEqual(doc.contexts, [{ name: "x", context: { cluster: "x", user: "x" } }]);
          assert.equal(doc.clusters[0].cluster.server, server);
          assert.equal(b64d(doc.clusters[0].cluster["certificate-authority-data"]), caPem);
          assert.equal(b64d(doc.users[0].user["client-certificate-data"]), clientCertPem);
          assert.equal(b64d(doc.users[0].user["client-key-data"]), clientKeyPem);
          // Deterministic: the same input renders the same bytes (no spurious provider diffs).
          assert.equal(renderKubeconfig({ server, caPem, clientCertPem, clientKeyPem, name: "x" }), out);
        },
      ),
      { numRuns: 50 },
    );
  });

  test("rejects bad input without quoting the key", () => {
    const ok = {
      server: "https://a:1",
      caPem: certPem("ca"),
      clientCertPem: certPem("c"),
      clientKeyPem: keyPem("k"),
    };
    assert.throws(() => renderKubeconfig({ ...ok, server: "http://a:1" }), /must be https/);
    assert.throws(() => renderKubeconfig({ ...ok, server: "not a url" }), /not a URL/);
    assert.throws(() => renderKubeconfig({ ...ok, caPem: "x" }), /caPem/);
    assert.throws(() => renderKubeconfig({ ...ok, clientCertPem: "x" }), /clientCertPem/);
    assert.throws(
      () => renderKubeconfig({ ...ok, clientKeyPem: "secret-material" }),
      (e: Error) => /clientKeyPem/.test(e.message) && !e.message.includes("secret-material"),
    );
  });
});

describe("front-proxy and cache server rendering", () => {
  test("front-proxy: mapping sends workspaces and virtual workspaces to the root shard", () => {
    const mapping = parseYaml(renderFrontProxyMapping("https://kcp-root.kcp-root.svc:6443")) as Record<
      string,
      string
    >[];
    assert.deepEqual(
      mapping.map((m) => [m.path, m.backend]),
      [
        ["/clusters/", "https://kcp-root.kcp-root.svc:6443"],
        ["/services/", "https://kcp-root.kcp-root.svc:6443"],
      ],
    );
    const mounted = Object.values(FRONT_PROXY_PATHS);
    const files = [
      ...mapping.flatMap((m) => [m.backend_server_ca, m.proxy_client_cert, m.proxy_client_key]),
      ...renderFrontProxyArgs()
        .map((a) => a.slice(a.indexOf("=") + 1))
        .filter((v) => v.startsWith("/")),
    ];
    for (const f of files)
      assert.ok(
        mounted.some((d) => f === d || f.startsWith(`${d}/`)),
        `${f} is not mounted`,
      );
    const names = renderFrontProxyArgs().map((a) => a.slice(2, a.indexOf("=")));
    assert.ok(names.includes("requestheader-allowed-names") && names.includes("service-account-key-file"));
    // Region workspaces' ServiceAccounts live on region shards: the proxy must not look them up on root.
    assert.ok(renderFrontProxyArgs().includes("--service-account-lookup=false"));
    // One key per signer: the root's, then each region shard's public key, all in the service-account mount.
    const keyFiles = (files: string[]) =>
      renderFrontProxyArgs(files)
        .filter((a) => a.startsWith("--service-account-key-file="))
        .map((a) => a.slice(a.indexOf("=") + 1));
    assert.deepEqual(keyFiles([]), [`${FRONT_PROXY_PATHS.serviceAccount}/tls.key`]);
    assert.deepEqual(keyFiles([serviceAccountKeyFile("east"), serviceAccountKeyFile("west")]), [
      `${FRONT_PROXY_PATHS.serviceAccount}/tls.key`,
      `${FRONT_PROXY_PATHS.serviceAccount}/shard-east.pub`,
      `${FRONT_PROXY_PATHS.serviceAccount}/shard-west.pub`,
    ]);
  });

  test("cache server: client CA only; etcd flags with a prefix of its own", () => {
    const ext = renderCacheServerArgs({
      mode: "external",
      servers: ["https://e-0:2379"],
      prefix: "/kcp-cache",
    });
    assert.ok(ext.includes("--etcd-prefix=/kcp-cache"));
    assert.ok(ext.includes("--client-ca-file=/etc/kcp/tls/ca/client-ca.crt"));
    assert.equal(renderCacheServerArgs({ mode: "embedded" }).filter((a) => a.startsWith("--etcd")).length, 0);
  });

  test("validation names the bad argument", () => {
    // Only the names count here; the requests themselves are checked where they are signed.
    const shard = (shardName: string) => ({ shardName }) as ShardRequest;
    const ok: RootArgs = { provider: {} as k8s.Provider, externalUrl: "https://kcp.example.com" };
    assert.doesNotThrow(() => validateRootArgs(ok));
    const bad: [Partial<RootArgs>, RegExp][] = [
      [{ externalUrl: "http://kcp.example.com" }, /https/],
      [{ externalUrl: "https://kcp.example.com/clusters/root" }, /no path/],
      [{ etcd: "embedded", rootShardReplicas: 2 }, /rootShardReplicas must be 1/],
      [{ etcd: "embedded", cacheServerReplicas: 3 }, /cacheServerReplicas must be 1/],
      [{ frontProxyReplicas: 0 }, /frontProxyReplicas/],
      [{ rootShardHostname: "Root_Host" }, /rootShardHostname/],
      [{ image: "ghcr.io/kcp-dev/kcp" }, /pinned/],
      [{ certValidityHours: 10 }, /certValidityHours/],
      [{ caValidityHours: 100, certValidityHours: 200 }, /caValidityHours/],
      [{ shardRequests: [shard("east"), shard("west"), shard("east")] }, /"east" is requested twice/],
      [{ shardRequests: [shard("root")] }, /"root"/],
    ];
    for (const [patch, re] of bad) assert.throws(() => validateRootArgs({ ...ok, ...patch }), re);
    assert.doesNotThrow(() => validateRootArgs({ ...ok, shardRequests: [shard("east"), shard("west")] }));
  });
});

describe("Root under mocks", () => {
  const cluster = new k8s.Provider("home-cluster", { kubeconfig: "{}" });
  const root = new Root("home", {
    provider: cluster,
    externalUrl: "https://kcp.example.com",
    zones: ["eu-a", "eu-b", "eu-c"],
    rootShardHostname: "root.kcp.internal",
  });
  const mine = () => resources.filter((r: Registered) => r.name.startsWith("home"));
  const named = (n: string) => {
    const r = mine().find((x) => x.name === n);
    assert.ok(r, `resource ${n}`);
    return r;
  };

  /** A string output the mocks generated for resource `n`. */
  const out = (n: string, k: string) => {
    const v = states.get(n)?.[k];
    assert.equal(typeof v, "string", `${n}.${k}`);
    return v as string;
  };

  test("PKI: four CAs, an RSA service-account key, client identities with kcp's groups", async () => {
    await settle();
    for (const ca of ["serving-ca", "client-ca", "requestheader-ca", "cache-client-ca"]) {
      const inputs = unwrap(named(`home-${ca}`).inputs).value as {
        isCaCertificate: boolean;
        allowedUses: string[];
        validityPeriodHours: number;
        earlyRenewalHours: number;
      };
      assert.equal(named(`home-${ca}`).type, "tls:index/selfSignedCert:SelfSignedCert");
      assert.equal(inputs.isCaCertificate, true, ca);
      assert.ok(inputs.allowedUses.includes("cert_signing"));
      assert.deepEqual([inputs.validityPeriodHours, inputs.earlyRenewalHours], [87600, 8760]);
      assert.ok(new crypto.X509Certificate(out(`home-${ca}`, "certPem")).ca, ca);
    }
    assert.equal(named("home-service-account-key").inputs.algorithm, "RSA");
    assert.match(out("home-service-account-key", "privateKeyPemPkcs8"), /^-----BEGIN PRIVATE KEY-----/);
    const subject = (n: string) =>
      (
        unwrap(named(`home-${n}-csr`).inputs).value as {
          subject: { commonName: string; organization?: string };
        }
      ).subject;
    assert.deepEqual(subject("kcp-admin"), { commonName: "kcp-admin", organization: "system:kcp:admin" });
    assert.deepEqual(subject("shard-admin"), { commonName: "shard-admin", organization: "system:masters" });
    assert.deepEqual(
      subject("external-logical-cluster-admin").organization,
      "system:kcp:external-logical-cluster-admin",
    );
    assert.deepEqual(subject("front-proxy-requestheader").commonName, "kcp-front-proxy");
    // Requestheader identities are signed by the requestheader CA, not the client CA.
    const caOf = (n: string) =>
      (unwrap(named(`home-${n}-cert`).inputs).value as { caCertPem: string }).caCertPem;
    assert.equal(caOf("mounts-proxy"), out("home-requestheader-ca", "certPem"));
    assert.equal(caOf("kcp-admin"), out("home-client-ca", "certPem"));
    assert.equal(caOf("kcp-front-proxy-server"), out("home-serving-ca", "certPem"));
    const frontSans = unwrap(named("home-kcp-front-proxy-server-csr").inputs).value as {
      dnsNames: string[];
    };
    assert.ok(frontSans.dnsNames.includes("kcp.example.com"));
    // What kcp reads from the certificates: the groups (O=), client vs server use, the chain.
    const admin = new crypto.X509Certificate(out("home-kcp-admin-cert", "certPem"));
    assert.match(admin.subject, /O=system:kcp:admin/);
    assert.ok(admin.verify(new crypto.X509Certificate(out("home-client-ca", "certPem")).publicKey));
    assert.deepEqual(admin.keyUsage, ["1.3.6.1.5.5.7.3.2"], "client_auth only");
    const front = new crypto.X509Certificate(out("home-kcp-front-proxy-server-cert", "certPem"));
    assert.deepEqual(front.keyUsage, ["1.3.6.1.5.5.7.3.1"], "server_auth only");
    assert.match(front.subjectAltName ?? "", /DNS:kcp\.example\.com/);
  });

  test("workloads: root shard, cache server, front-proxy behind LoadBalancers; etcd; budgets", async () => {
    await settle();
    const deploys = mine().filter((r) => r.type === "kubernetes:apps/v1:Deployment");
    assert.deepEqual(deploys.map((d) => (d.inputs.metadata as { name: string }).name).sort(), [
      "kcp-cache",
      "kcp-front-proxy",
      "kcp-root",
    ]);
    for (const d of deploys) {
      const spec = d.inputs.spec as { replicas: number; template: { spec: k8s.types.input.core.v1.PodSpec } };
      assert.equal(spec.replicas, 2, d.name);
      assert.match(JSON.stringify(spec.template.spec.affinity), /eu-a.*eu-b.*eu-c/);
      assert.equal((d.inputs.metadata as { namespace: string }).namespace, "kcp-root");
    }
    const argsOf = (n: string) =>
      (
        deploys.find((d) => (d.inputs.metadata as { name: string }).name === n)!.inputs.spec as {
          template: { spec: { containers: { args: string[] }[] } };
        }
      ).template.spec.containers[0].args;
    const rootArgs = argsOf("kcp-root");
    assert.ok(rootArgs.includes("--shard-name=root"));
    assert.ok(rootArgs.includes("--shard-base-url=https://root.kcp.internal:6443"));
    assert.ok(rootArgs.includes("--shard-external-url=https://kcp.example.com"));
    assert.ok(rootArgs.includes("--etcd-prefix=/kcp/root"));
    assert.ok(!rootArgs.some((a) => a.startsWith("--root-shard-kubeconfig-file")));
    assert.ok(argsOf("kcp-cache").includes("--etcd-prefix=/kcp-cache"));
    // No region shard enrolled: the front-proxy trusts the root's ServiceAccount key only.
    assert.deepEqual(
      argsOf("kcp-front-proxy").filter((a) => a.startsWith("--service-account-key-file=")),
      [`--service-account-key-file=${FRONT_PROXY_PATHS.serviceAccount}/tls.key`],
    );

    const services = mine().filter((r) => r.type === "kubernetes:core/v1:Service");
    const svc = (n: string) =>
      services.find((s) => (s.inputs.metadata as { name: string }).name === n)!.inputs.spec as {
        type: string;
        ports: { port: number }[];
      };
    assert.equal(svc("kcp-front-proxy").type, "LoadBalancer");
    assert.equal(svc("kcp-front-proxy").ports[0].port, 443);
    assert.equal(svc("kcp-root").type, "LoadBalancer");
    assert.equal(svc("kcp-cache").ports[0].port, 6443);
    assert.equal(mine().filter((r) => r.type === "kubernetes:apps/v1:StatefulSet").length, 1, "one etcd");
    assert.equal(mine().filter((r) => r.type === "kubernetes:policy/v1:PodDisruptionBudget").length, 4);
    const cm = mine().find((r) => r.type === "kubernetes:core/v1:ConfigMap")!;
    assert.match(
      (cm.inputs.data as Record<string, string>)["mapping.yaml"],
      /backend: https:\/\/kcp-root\.kcp-root\.svc:6443/,
    );
  });

  test("home outputs: every key present, all public; the admin kubeconfig stays with the Root", async () => {
    await settle();
    const value = await assertPublicHome(root.home, generatedSecrets);
    assert.equal(value.frontProxyUrl, "https://kcp.example.com");
    assert.equal(value.caBundle, out("home-serving-ca", "certPem"));
    assert.equal(value.clientCaCertPem, out("home-client-ca", "certPem"));
    assert.equal(value.requestHeaderCaCertPem, out("home-requestheader-ca", "certPem"));
    // Other regions reach the root shard and cache at their external hosts.
    assert.equal(value.rootShardUrl, "https://root.kcp.internal:6443");
    assert.equal(await valueOf(root.rootShardUrl), "https://root.kcp.internal:6443");
    assert.equal(value.cacheUrl, `https://10.0.0.${"home-kcp-cache-svc".length}:6443`);
    // No region has asked for a shard: nothing signed.
    assert.deepEqual(value.shards, {});
    // The home region's own credentials and signer: secret, never part of `home`.
    assert.equal(await pulumi.isSecret(root.adminKubeconfig), true);
    assert.equal(await pulumi.isSecret(pulumi.output(root.signer.serviceAccountKeyPem)), true);
    assert.equal(await valueOf(pulumi.output(root.signer.cas.serving.cert)), value.caBundle);
    const admin = parseYaml(await valueOf(root.adminKubeconfig)) as KubeconfigShape;
    assert.equal(admin.clusters[0].cluster.server, "https://kcp.example.com");
    assert.equal(
      b64d(admin.users[0].user["client-key-data"]),
      out("home-kcp-admin-key", "privateKeyPemPkcs8"),
    );
    assert.ok(
      new crypto.X509Certificate(b64d(admin.users[0].user["client-certificate-data"])).checkPrivateKey(
        crypto.createPrivateKey(b64d(admin.users[0].user["client-key-data"])),
      ),
      "the admin kubeconfig's certificate and key belong together",
    );
  });

  test("the cache client certificate is signed by a CA only the cache server trusts", async () => {
    await settle();
    const secretData = (obj: string, kind: KcpSecretKind) => {
      const s = mine().find(
        (r) =>
          r.type === "kubernetes:core/v1:Secret" &&
          (r.inputs.metadata as { name: string }).name === kcpSecretName(obj, kind),
      );
      assert.ok(s, `Secret ${kcpSecretName(obj, kind)}`);
      return unwrap(s.inputs.stringData).value as Record<string, string>;
    };
    // The root shard's kubeconfig towards the cache server (in-cluster).
    const cache = parseYaml(
      secretData(ROOT_OBJECTS.rootShard, "kubeconfigs")["cache.kubeconfig"],
    ) as KubeconfigShape;
    assert.equal(cache.clusters[0].cluster.server, "https://kcp-cache.kcp-root.svc:6443");
    const cert = new crypto.X509Certificate(b64d(cache.users[0].user["client-certificate-data"]));
    assert.equal(cert.toString(), out("home-cache-client-cert", "certPem"));
    const cacheCa = new crypto.X509Certificate(out("home-cache-client-ca", "certPem"));
    const clientCa = new crypto.X509Certificate(await valueOf(root.home.clientCaCertPem));
    assert.ok(cert.verify(cacheCa.publicKey), "signed by the cache client CA");
    assert.ok(!cert.verify(clientCa.publicKey), "not by the fleet client CA the shards trust");
    const data = secretData(ROOT_OBJECTS.cache, "ca");
    assert.equal(data["client-ca.crt"], out("home-cache-client-ca", "certPem"));
  });

  test("no key, client certificate or kubeconfig reaches the engine in plaintext", async () => {
    await settle();
    const keys = mine().filter((r) => r.type === TLS_PRIVATE_KEY);
    // 4 CAs, the service-account key, 8 client and 3 server certificates, etcd CA/member/client.
    assert.equal(keys.length, 19);
    const keyPems = keys.flatMap((k) => [out(k.name, "privateKeyPem"), out(k.name, "privateKeyPemPkcs8")]);
    assert.ok(keyPems.every((k) => generatedSecrets.includes(k)));
    const clientCerts = [
      "kcp-admin",
      "shard-admin",
      "root-shard-client",
      "cache-client",
      "logical-cluster-admin",
      "external-logical-cluster-admin",
      "front-proxy-requestheader",
      "mounts-proxy",
    ].map((n) => out(`home-${n}-cert`, "certPem"));
    assert.deepEqual(findPlaintext(mine(), [...keyPems, ...clientCerts]), []);
    const secrets = mine().filter((r) => r.type === "kubernetes:core/v1:Secret");
    assert.ok(secrets.length >= 12);
    for (const s of secrets) assert.ok(hasSecretEnvelope(s), s.name);
  });
});

describe("Root enrolls other regions' shards", () => {
  const cluster = new k8s.Provider("fleet-cluster", { kubeconfig: "{}" });
  const hosts = {
    frontProxy: "kcp.fleet.example.com",
    root: "root.fleet.internal",
    cache: "cache.fleet.internal",
  };
  let east: RegionShard;
  let west: RegionShard;
  let fleet: Root;
  const mine = () => resources.filter((r: Registered) => r.name.startsWith("fleet-"));
  const out = (n: string, k: string) => {
    const v = states.get(n)?.[k];
    assert.equal(typeof v, "string", `${n}.${k}`);
    return v as string;
  };
  const caCert = (ca: FleetCaName) => new crypto.X509Certificate(out(`fleet-${CA_RESOURCE[ca]}`, "certPem"));

  before(async () => {
    east = await regionShard("east", ["kcp-east.example.com"]);
    west = await regionShard("west", ["kcp-west.example.com"]);
    fleet = new Root("fleet", {
      provider: cluster,
      externalUrl: `https://${hosts.frontProxy}`,
      rootShardHostname: hosts.root,
      cacheServerHostname: hosts.cache,
      shardRequests: [east.request, west.request],
    });
    await settle();
  });

  test("each request is signed: a certificate per kind, by the CA shardCertSpecs names, for the region's key", async () => {
    const shards = await valueOf(fleet.home.shards);
    assert.deepEqual(Object.keys(shards).sort(), ["east", "west"]);
    for (const region of [east, west]) {
      const name = region.request.shardName;
      const specs = shardCertSpecs(name);
      assert.deepEqual(Object.keys(shards[name]).sort(), [...SHARD_CERT_KINDS].sort());
      assert.equal(
        mine().find((r) => r.name === `fleet-enroll-${name}`)?.type,
        "pipeline-service:kcp:ShardEnrollment",
      );
      for (const kind of SHARD_CERT_KINDS) {
        const spec = specs[kind];
        const what = `${name} ${kind}`;
        const signed = mine().find((r) => r.name === `fleet-enroll-${name}-${kind}`);
        assert.equal(signed?.type, TLS_LOCALLY_SIGNED_CERT, what);
        const cert = new crypto.X509Certificate(shards[name][kind]);
        // Signed by its CA, and by none of the other fleet CAs.
        for (const ca of Object.keys(CA_RESOURCE) as FleetCaName[])
          assert.equal(cert.verify(caCert(ca).publicKey), ca === spec.ca, `${what} verified by the ${ca} CA`);
        assert.equal(cert.issuer, caCert(spec.ca).subject, what);
        // The identity the spec gives it (kcp reads CN as the user, O as the group).
        assert.deepEqual(
          subjectOf(cert),
          [`CN=${spec.commonName}`, ...(spec.organization ? [`O=${spec.organization}`] : [])].sort(),
          what,
        );
        // For the key the region keeps: the home stack never held it.
        assert.ok(cert.checkPrivateKey(crypto.createPrivateKey(region.keys[kind])), what);
        const server = spec.uses.includes("server_auth");
        assert.deepEqual(cert.keyUsage, [server ? "1.3.6.1.5.5.7.3.1" : "1.3.6.1.5.5.7.3.2"], what);
        // The serving certificate carries the names the region asked for (in-cluster ones and loopback too:
        // every shard has its own, so no other shard's request conflicts); a client certificate none.
        const sans = server
          ? [
              `kcp-${name}.example.com`,
              ...serviceDnsNames(shardObjectName(name), SHARD_NAMESPACE),
              "localhost",
            ]
              .map((h) => `DNS:${h}`)
              .concat("IP Address:127.0.0.1")
              .sort()
          : undefined;
        assert.deepEqual(cert.subjectAltName?.split(", ").sort(), sans, what);
      }
    }
    // The regions' keys never reach the engine; the fleet CAs' keys only inside secrets.
    const regionKeys = [east, west].flatMap((r) => [...Object.values(r.keys), r.serviceAccountKeyPem]);
    assert.deepEqual(findPlaintext(resources, regionKeys), []);
    const caKeys = Object.values(CA_RESOURCE).map((ca) => out(`fleet-${ca}-key`, "privateKeyPemPkcs8"));
    assert.deepEqual(findPlaintext(mine(), caKeys), []);
  });

  test("the front-proxy trusts each region shard's ServiceAccount public key", () => {
    const deploy = mine().find(
      (r) =>
        r.type === "kubernetes:apps/v1:Deployment" &&
        (r.inputs.metadata as { name: string }).name === ROOT_OBJECTS.frontProxy,
    );
    assert.ok(deploy, "the front-proxy Deployment");
    const args = (deploy.inputs.spec as { template: { spec: { containers: { args: string[] }[] } } }).template
      .spec.containers[0].args;
    assert.deepEqual(
      args.filter((a) => a.startsWith("--service-account-key-file=")),
      ["tls.key", serviceAccountKeyFile("east"), serviceAccountKeyFile("west")].map(
        (f) => `--service-account-key-file=${FRONT_PROXY_PATHS.serviceAccount}/${f}`,
      ),
    );
    const secret = mine().find(
      (r) =>
        r.type === "kubernetes:core/v1:Secret" &&
        (r.inputs.metadata as { name: string }).name ===
          kcpSecretName(ROOT_OBJECTS.frontProxy, "service-account"),
    );
    assert.ok(secret, "the front-proxy's service-account Secret");
    assert.ok(hasSecretEnvelope(secret));
    const data = unwrap(secret.inputs.stringData).value as Record<string, string>;
    assert.deepEqual(Object.keys(data).sort(), ["shard-east.pub", "shard-west.pub", "tls.key"]);
    assert.equal(data["shard-east.pub"], east.request.serviceAccountPublicKeyPem);
    assert.equal(data["shard-west.pub"], west.request.serviceAccountPublicKeyPem);
    // A token the region's shard signs with its own key verifies against what the front-proxy holds.
    const claims = new TextEncoder().encode("token");
    const signature = new Uint8Array(crypto.sign("sha256", claims, east.serviceAccountKeyPem));
    assert.ok(crypto.verify("sha256", claims, data["shard-east.pub"], signature));
    assert.ok(!crypto.verify("sha256", claims, data["shard-west.pub"], signature));
    assert.equal(data["tls.key"], out("fleet-service-account-key", "privateKeyPemPkcs8"));
  });

  test("the exported home value stays public with shards enrolled, and reads back complete", async () => {
    const value = await assertPublicHome(fleet.home, generatedSecrets);
    assert.deepEqual(Object.keys(value.shards).sort(), ["east", "west"]);
    assert.equal(value.rootShardUrl, `https://${hosts.root}:6443`);
    assert.equal(value.cacheUrl, `https://${hosts.cache}:6443`);
    assert.equal(value.frontProxyUrl, `https://${hosts.frontProxy}`);
  });

  test("a serving request for a host the root or another shard answers at is refused, naming the host", async () => {
    // What Root reserves for a shard: the front-proxy's, root shard's and cache server's hosts, and
    // every other shard's serving names.
    const reserved = [hosts.frontProxy, hosts.root, hosts.cache, ...externalServerNamesOf(west.request)];
    assert.doesNotThrow(() => checkShardRequest(east.request, "shard east", reserved));
    for (const host of [hosts.frontProxy, "KCP.fleet.example.com", hosts.root, "kcp-west.example.com"]) {
      const { request } = await regionShard("east", ["kcp-east.example.com", host]);
      assert.throws(
        () => checkShardRequest(request, "shard east", reserved),
        (e: Error) =>
          e.message.startsWith('shard east: output "kcpShardRequest" server: requests ') &&
          e.message.includes(host) &&
          /another kcp server answers at/.test(e.message),
        host,
      );
    }
  });

  test("a request for another identity than shardCertSpecs gives it is refused", async () => {
    const cases: [Partial<Record<ShardCertKind, { commonName: string; organization?: string }>>, RegExp][] = [
      [
        { "shard-client": { commonName: "kcp-shard-east", organization: "system:kcp:admin" } },
        /shard-client: requests "CN=kcp-shard-east, O=system:kcp:admin", not "CN=kcp-shard-east, O=system:masters"/,
      ],
      [
        { "mounts-proxy": { commonName: "kcp-mounts-proxy", organization: "system:masters" } },
        /mounts-proxy: requests "CN=kcp-mounts-proxy, O=system:masters", not "CN=kcp-mounts-proxy"/,
      ],
      [
        { admin: { commonName: "kcp-admin", organization: "system:kcp:admin" } },
        /admin: requests "CN=kcp-admin/,
      ],
      // Another shard's identity.
      [{ "cache-client": { commonName: "kcp-shard-west", organization: "system:masters" } }, /cache-client/],
    ];
    for (const [subjects, re] of cases) {
      const { request } = await regionShard("east", ["kcp-east.example.com"], subjects);
      assert.throws(() => checkShardRequest(request, "region stack acme/p/east", []), re);
    }
  });
});

describe("Root protect", () => {
  const cluster = new k8s.Provider("protect-cluster", { kubeconfig: "{}" });
  const root = (name: string, extra: Partial<RootArgs>) =>
    new Root(name, { provider: cluster, externalUrl: `https://${name}.example.com`, ...extra });

  test("protect: the etcd StatefulSet only (not the PKI, Secrets, Deployments); without it, nothing", async () => {
    root("guarded", { protect: true });
    root("open", {});
    await settle();
    await quiesce();
    assert.deepEqual(protectedOf(registrations, "guarded"), [
      "kubernetes:apps/v1:StatefulSet guarded-etcd-sts",
    ]);
    assert.deepEqual(protectedOf(registrations, "open"), []);
  });

  test("embedded etcd: the root shard's and cache server's StatefulSets are the leaves protected", async () => {
    root("embedded", { protect: true, etcd: "embedded" });
    await settle();
    await quiesce();
    assert.deepEqual(protectedOf(registrations, "embedded"), [
      "kubernetes:apps/v1:StatefulSet embedded-kcp-cache-sts",
      "kubernetes:apps/v1:StatefulSet embedded-kcp-root-sts",
    ]);
  });
});
