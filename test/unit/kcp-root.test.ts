// kcp Root: the kubeconfig renderer (round trip, validation, property test), the front-proxy and cache
// server command lines and mapping, validation; under mocks the PKI (three CAs, service-account key, client
// identities), the three workloads behind their Services, the disruption budgets, the home outputs (secrets
// secret, public values plain) and a scan of every registered input for plaintext keys and credentials.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as crypto from "node:crypto";
import * as fc from "fast-check";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { parse as parseYaml } from "yaml";
import { type Registered, settle, setupMocks, valueOf } from "../helpers/mocks";
import { protectedOf, quiesce, recordRegistrations } from "../helpers/engine-recorder";
import { findPlaintext, hasSecretEnvelope } from "../helpers/plaintext";
import { TLS_PRIVATE_KEY } from "../helpers/provider-mocks";
import { unwrap } from "../helpers/secrets";
import { Root, type RootArgs, validateRootArgs } from "../../components/kcp/root";
import { renderCacheServerArgs } from "../../components/kcp/cache-server";
import {
  FRONT_PROXY_PATHS,
  renderFrontProxyArgs,
  renderFrontProxyMapping,
} from "../../components/kcp/front-proxy";
import { renderKubeconfig } from "../../components/kcp/kubeconfig";
import { kcpSecretName, ROOT_OBJECTS } from "../../components/kcp/names";
import { KCP_HOME_KEYS, KCP_HOME_SECRET_KEYS, homeStackOutput } from "../../components/kcp/home-reference";

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
    ];
    for (const [patch, re] of bad) assert.throws(() => validateRootArgs({ ...ok, ...patch }), re);
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

  test("home outputs: every key present; credentials secret, URLs and CA certificates plain", async () => {
    await settle();
    assert.deepEqual(Object.keys(root.home).sort(), [...KCP_HOME_KEYS].sort());
    for (const k of KCP_HOME_KEYS) {
      const secret = (KCP_HOME_SECRET_KEYS as readonly string[]).includes(k);
      assert.equal(await pulumi.isSecret(root.home[k]), secret, k);
    }
    assert.equal(await valueOf(root.home.frontProxyUrl), "https://kcp.example.com");
    assert.equal(await valueOf(root.home.caBundle), out("home-serving-ca", "certPem"));
    const server = async (k: "rootShardKubeconfig" | "cacheKubeconfig" | "adminKubeconfig") =>
      (parseYaml(await valueOf(root.home[k])) as KubeconfigShape).clusters[0].cluster.server;
    // Other regions reach the root shard and cache at their external hosts.
    assert.equal(await server("rootShardKubeconfig"), "https://root.kcp.internal:6443");
    assert.equal(await server("cacheKubeconfig"), `https://10.0.0.${"home-kcp-cache-svc".length}:6443`);
    assert.equal(await server("adminKubeconfig"), "https://kcp.example.com");
    // kcp reads a region shard's root-shard kubeconfig through its "shard-base" context, nothing else.
    const rootShard = parseYaml(await valueOf(root.home.rootShardKubeconfig)) as KubeconfigShape;
    assert.deepEqual(
      rootShard.contexts.map((c) => c.name),
      ["shard-base"],
    );
    const admin = parseYaml(await valueOf(root.home.adminKubeconfig)) as KubeconfigShape;
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
    assert.equal(await pulumi.isSecret(homeStackOutput(root.home)), true);
  });

  test("the cache client certificate (held by every region) is signed by a CA only the cache server trusts", async () => {
    await settle();
    const cache = parseYaml(await valueOf(root.home.cacheKubeconfig)) as KubeconfigShape;
    const cert = new crypto.X509Certificate(b64d(cache.users[0].user["client-certificate-data"]));
    const cacheCa = new crypto.X509Certificate(out("home-cache-client-ca", "certPem"));
    const clientCa = new crypto.X509Certificate(await valueOf(root.home.clientCaCertPem));
    assert.ok(cert.verify(cacheCa.publicKey), "signed by the cache client CA");
    assert.ok(!cert.verify(clientCa.publicKey), "not by the fleet client CA the shards trust");
    const caSecret = mine().find(
      (r) =>
        r.type === "kubernetes:core/v1:Secret" &&
        (r.inputs.metadata as { name: string }).name === kcpSecretName(ROOT_OBJECTS.cache, "ca"),
    );
    assert.ok(caSecret, "the cache server's CA Secret");
    const data = unwrap(caSecret.inputs.stringData).value as Record<string, string>;
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
