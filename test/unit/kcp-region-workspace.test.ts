// kcp layer C and its plumbing: the region Workspace (placement selector over the Shard labels, waits for
// Ready, goes through the kcp provider), the kcp provider (kubeconfig pointed at a workspace, secret,
// stable cluster identity) and the home reference (the home stack's public `kcp` output read through a
// StackReference and checked complete, shard certificates included).
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as fc from "fast-check";
import * as pulumi from "@pulumi/pulumi";
import { parse as parseYaml, stringify as stringifyYaml } from "yaml";
import { settle, setupMocks } from "../helpers/mocks";
import { unwrap } from "../helpers/secrets";
import {
  RegionWorkspace,
  regionWorkspaceName,
  renderRegionWorkspace,
} from "../../components/kcp/region-workspace";
import { kubeconfigForServer, newKcpProvider, workspaceServer } from "../../components/kcp/kcp-provider";
import {
  KCP_HOME_STRING_KEYS,
  type KcpHomeValue,
  checkHomeValue,
  readKcpHome,
  readShardRequests,
} from "../../components/kcp/home-reference";
import {
  SHARD_CERT_KINDS,
  SHARD_REQUEST_OUTPUT,
  checkShardRequest,
  type ShardCertificates,
} from "../../components/kcp/enrollment";
import { mockShardRequest } from "../helpers/fleet-mocks";
import { REGION_LABEL, ROLE_LABEL } from "../../components/kcp/render";

const certPem = (n: string) => `-----BEGIN CERTIFICATE-----\ncert-of-${n}\n-----END CERTIFICATE-----\n`;
const shardCerts = (shard: string) =>
  Object.fromEntries(SHARD_CERT_KINDS.map((k) => [k, certPem(`${shard}-${k}`)])) as ShardCertificates;
const homeValue: KcpHomeValue = {
  frontProxyUrl: "https://kcp.example.com",
  caBundle: certPem("serving-ca"),
  clientCaCertPem: certPem("client-ca"),
  requestHeaderCaCertPem: certPem("requestheader-ca"),
  rootShardUrl: "https://kcp-root.example.com:6443",
  cacheUrl: "https://kcp-cache.example.com:6443",
  shards: { east: shardCerts("east"), west: shardCerts("west") },
};

// What each home stack exports, by stack name (the mocked StackReference reads it).
const published: Record<string, { outputs: Record<string, unknown>; secretOutputNames?: string[] }> = {
  "acme/pipeline-service/aws-us-east-1": { outputs: { kcp: homeValue } },
  // A stack that (still) exports `kcp` as a secret is read all the same.
  "acme/pipeline-service/secret-home": { outputs: { kcp: homeValue }, secretOutputNames: ["kcp"] },
  // Its first `up` has not run.
  "acme/pipeline-service/new-home": { outputs: {} },
  // An older home stack: the secret keys it used to export and no shards.
  "acme/pipeline-service/old-home": {
    outputs: { kcp: { ...homeValue, shards: undefined, adminKubeconfig: "apiVersion: v1" } },
  },
};

const { resources } = setupMocks({
  outputs: {
    "pulumi:pulumi:StackReference": (a) => published[a.name] ?? { outputs: {} },
  },
});

// The shape local/env.sh's kcp admin.kubeconfig has (kcp's sharded-test-server writes it).
const localAdminKubeconfig = stringifyYaml({
  apiVersion: "v1",
  kind: "Config",
  clusters: [
    { name: "base", cluster: { server: "https://127.0.0.1:6443", "certificate-authority-data": "Q0E=" } },
    {
      name: "root",
      cluster: { server: "https://127.0.0.1:6443/clusters/root", "certificate-authority-data": "Q0E=" },
    },
  ],
  contexts: [
    { name: "base", context: { cluster: "base", user: "kcp-admin" } },
    { name: "root", context: { cluster: "root", user: "kcp-admin" } },
  ],
  "current-context": "root",
  users: [{ name: "kcp-admin", user: { "client-certificate-data": "Q0VSVA==", "client-key-data": "S0VZ" } }],
});

type Ws = {
  metadata: { name: string; annotations: Record<string, string> };
  spec: { location: { selector: { matchLabels: Record<string, string> } } };
};

describe("region workspace", () => {
  test("lands on the region's shard: selector is the region and the region role (any region)", () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[a-z]([-a-z0-9]{0,30}[a-z0-9])?$/), (region) => {
        const ws = renderRegionWorkspace(region) as unknown as Ws;
        assert.equal(ws.metadata.name, `pipeline-service-${region}`);
        assert.deepEqual(ws.spec.location.selector.matchLabels, {
          [REGION_LABEL]: region,
          [ROLE_LABEL]: "region",
        });
      }),
    );
    assert.equal(regionWorkspaceName("local-east"), "pipeline-service-local-east");
    assert.throws(() => renderRegionWorkspace("Local_East"), /DNS label/);
    assert.deepEqual((renderRegionWorkspace("x", false) as unknown as Ws).metadata.annotations, {});
  });

  test("under mocks: one tenancy.kcp.io Workspace through the kcp provider, waiting for Ready", async () => {
    const kcp = newKcpProvider("kcp", {
      kubeconfig: localAdminKubeconfig,
      frontProxyUrl: "https://127.0.0.1:6443",
    });
    const ws = new RegionWorkspace("east-ws", { kcpProvider: kcp, region: "local-east" });
    await settle();
    const mine = resources.filter((r) => r.name.startsWith("east-ws"));
    assert.deepEqual(
      mine.map((r) => r.type),
      ["pipeline-service:kcp:RegionWorkspace", "kubernetes:tenancy.kcp.io/v1alpha1:Workspace"],
    );
    const obj = mine[1].inputs as unknown as Ws;
    assert.equal(obj.metadata.name, "pipeline-service-local-east");
    assert.equal(obj.metadata.annotations["pulumi.com/waitFor"], "jsonpath={.status.phase}=Ready");
    assert.deepEqual(obj.spec.location.selector.matchLabels, {
      "pipeline-service.dev/region": "local-east",
      "pipeline-service.dev/role": "region",
    });
    assert.match(mine[1].provider ?? "", /::kcp::/);
    assert.equal(ws.path, "root:pipeline-service-local-east");
  });
});

describe("kcp provider", () => {
  test("points the current context at <frontProxyUrl>/clusters/<path>, leaves the rest", () => {
    const server = workspaceServer("https://127.0.0.1:6443/", "root");
    assert.equal(server, "https://127.0.0.1:6443/clusters/root");
    const out = parseYaml(
      kubeconfigForServer(localAdminKubeconfig, "https://kcp.example.com/clusters/root:org"),
    );
    const before = parseYaml(localAdminKubeconfig);
    assert.equal(out.clusters[1].cluster.server, "https://kcp.example.com/clusters/root:org");
    assert.deepEqual(out.clusters[0], before.clusters[0]);
    assert.deepEqual(out.users, before.users);
    assert.throws(() => workspaceServer("https://kcp.example.com", "Root"), /workspace path/);
    assert.throws(() => kubeconfigForServer("current-context: nope\n", "https://x"), /no current context/);
  });

  test("under mocks: kubeconfig is secret, identity is the workspace URL, server-side apply on", async () => {
    newKcpProvider("kcp-cloud", {
      kubeconfig: pulumi.secret(localAdminKubeconfig),
      frontProxyUrl: "https://kcp.example.com",
    });
    await settle();
    const p = resources.find((r) => r.name === "kcp-cloud");
    assert.equal(p?.type, "pulumi:providers:kubernetes");
    const kubeconfig = unwrap(p!.inputs.kubeconfig);
    assert.equal(kubeconfig.secret, true);
    const doc = parseYaml(kubeconfig.value as string);
    assert.equal(doc.clusters[1].cluster.server, "https://kcp.example.com/clusters/root");
    assert.equal(p!.inputs.clusterIdentifier, "kcp:https://kcp.example.com/clusters/root");
    assert.equal(String(p!.inputs.enableServerSideApply), "true");
  });
});

describe("home reference", () => {
  test("reads the home stack's kcp output through a StackReference, checked and complete", async () => {
    const home = await readKcpHome("acme/pipeline-service/aws-us-east-1");
    const ref = resources.find((r) => r.type === "pulumi:pulumi:StackReference");
    assert.equal(ref?.name, "acme/pipeline-service/aws-us-east-1");
    assert.deepEqual(home, homeValue);
    assert.equal(home.frontProxyUrl, "https://kcp.example.com");
    assert.equal(home.shards.east.server, certPem("east-server"));
    // A secret output is read as well (its value, not an Output).
    assert.deepEqual(await readKcpHome("acme/pipeline-service/secret-home"), homeValue);
    await assert.rejects(readKcpHome("aws-us-east-1"), /fully qualified/);
  });

  test("a home stack without the output, or with an older one, fails naming what is missing", async () => {
    await assert.rejects(
      readKcpHome("acme/pipeline-service/new-home"),
      (e: Error) =>
        e.message ===
        `home stack acme/pipeline-service/new-home: output "kcp" lacks ${[...KCP_HOME_STRING_KEYS, "shards"].join(", ")} (run \`pulumi up\` on the home region first)`,
    );
    await assert.rejects(
      readKcpHome("acme/pipeline-service/old-home"),
      /^Error: home stack acme\/pipeline-service\/old-home: output "kcp" lacks shards \(run/,
    );
  });

  test("a home output with missing fields or malformed shard certificates fails naming them", () => {
    assert.deepEqual(checkHomeValue(homeValue, "x"), homeValue);
    assert.deepEqual(checkHomeValue({ ...homeValue, shards: {} }, "x").shards, {});
    const fails = (value: unknown, missing: string) =>
      assert.throws(
        () => checkHomeValue(value, "home stack x"),
        (e: Error) =>
          e.message ===
          `home stack x: output "kcp" lacks ${missing} (run \`pulumi up\` on the home region first)`,
        missing,
      );
    fails({ ...homeValue, cacheUrl: "", rootShardUrl: 3 }, "rootShardUrl, cacheUrl");
    fails(
      { frontProxyUrl: "https://k", shards: {} },
      "caBundle, clientCaCertPem, requestHeaderCaCertPem, rootShardUrl, cacheUrl",
    );
    fails(undefined, [...KCP_HOME_STRING_KEYS, "shards"].join(", "));
    fails({ ...homeValue, shards: null }, "shards");
    // A shard's certificates: every kind, each a PEM certificate (a key is not one).
    const noAdmin = Object.fromEntries(Object.entries(shardCerts("west")).filter(([k]) => k !== "admin"));
    fails({ ...homeValue, shards: { ...homeValue.shards, west: noAdmin } }, "shards.west.admin");
    fails(
      {
        ...homeValue,
        shards: {
          east: {
            ...shardCerts("east"),
            server: "-----BEGIN PRIVATE KEY-----\nk\n-----END PRIVATE KEY-----\n",
          },
          west: "not certificates",
        },
      },
      ["shards.east.server", ...SHARD_CERT_KINDS.map((k) => `shards.west.${k}`)].join(", "),
    );
  });
});

describe("the home stack reads the regions' shard requests", () => {
  test("each listed region's request, checked; a region without one is pending; a shard name once", async () => {
    const eu = await mockShardRequest("eu", ["kcp-eu.elb.example.com"]);
    const we = await mockShardRequest("we", ["kcp-we.elb.example.com"]);
    const publish = (stack: string, value: unknown) =>
      (published[`acme/pipeline-service/${stack}`] = {
        outputs: value ? { [SHARD_REQUEST_OUTPUT]: value } : {},
      });
    publish("eu", eu);
    publish("we", we);
    publish("new", undefined);
    publish("eu-again", eu);
    // A region asking the client CA for kcp-admin under its shard-client name.
    publish("greedy", {
      ...we,
      certificateRequests: { ...we.certificateRequests, "shard-client": we.certificateRequests.admin },
    });
    const q = (...s: string[]) => s.map((x) => `acme/pipeline-service/${x}`);

    const { requests, pending } = await readShardRequests(q("eu", "we", "new"));
    assert.deepEqual(
      requests.map((r) => r.shardName),
      ["eu", "we"],
    );
    assert.deepEqual(requests[0], eu);
    assert.deepEqual(pending, q("new"));
    await assert.rejects(
      readShardRequests(q("eu", "eu-again")),
      /region stacks acme\/pipeline-service\/eu and acme\/pipeline-service\/eu-again both request shard "eu"/,
    );
    await assert.rejects(
      readShardRequests(q("greedy")),
      /^Error: region stack acme\/pipeline-service\/greedy: output "kcpShardRequest" shard-client: requests "CN=pipeline-service-we, O=system:kcp:admin", not "CN=kcp-shard-we, O=system:masters"$/,
    );
  });
});

describe("a region's serving request: in-cluster names only of its own Service", () => {
  test("its own Service's names pass; another Service's in-cluster name is refused", async () => {
    const own = [
      "kcp-eu",
      "kcp-eu.kcp",
      "kcp-eu.kcp.svc",
      "kcp-eu.kcp.svc.cluster.local",
      "localhost",
      "127.0.0.1",
    ];
    const ok = await mockShardRequest("eu", ["kcp-eu.lb.example.com", ...own]);
    assert.equal(checkShardRequest(ok, "region stack r", []).shardName, "eu");
    for (const name of ["kcp-root.kcp-root.svc", "kcp-front-proxy", "kcp-we.kcp.svc.cluster.local"]) {
      const request = await mockShardRequest("eu", ["kcp-eu.lb.example.com", name]);
      assert.throws(
        () => checkShardRequest(request, "region stack r", []),
        (e: Error) =>
          e.message ===
          `region stack r: output "kcpShardRequest" server: requests ${name}, not its own Service's name`,
        name,
      );
    }
  });
});
