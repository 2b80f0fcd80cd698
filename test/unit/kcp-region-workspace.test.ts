// kcp layer C and its plumbing: the region Workspace (placement selector over the Shard labels, waits for
// Ready, goes through the kcp provider), the kcp provider (kubeconfig pointed at a workspace, secret,
// stable cluster identity) and the home reference (a StackReference read back typed, secrets secret).
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as fc from "fast-check";
import * as pulumi from "@pulumi/pulumi";
import { parse as parseYaml, stringify as stringifyYaml } from "yaml";
import { settle, setupMocks, valueOf } from "../helpers/mocks";
import { unwrap } from "../helpers/secrets";
import {
  RegionWorkspace,
  regionWorkspaceName,
  renderRegionWorkspace,
} from "../../components/kcp/region-workspace";
import { kubeconfigForServer, newKcpProvider, workspaceServer } from "../../components/kcp/kcp-provider";
import {
  KCP_HOME_KEYS,
  KCP_HOME_PLAIN_KEYS,
  KCP_HOME_SECRET_KEYS,
  checkHomeValue,
  missingHomeKeys,
  readKcpHome,
} from "../../components/kcp/home-reference";
import { REGION_LABEL, ROLE_LABEL } from "../../components/kcp/render";

const homeValue = Object.fromEntries(KCP_HOME_KEYS.map((k) => [k, `value-of-${k}`]));
homeValue.frontProxyUrl = "https://kcp.example.com";

const { resources } = setupMocks({
  outputs: {
    "pulumi:pulumi:StackReference": () => ({ outputs: { kcp: homeValue }, secretOutputNames: ["kcp"] }),
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
  test("reads the home stack's kcp output: credentials secret, URLs and CAs plain", async () => {
    const home = readKcpHome("acme/pipeline-service/aws-us-east-1");
    await settle();
    const ref = resources.find((r) => r.type === "pulumi:pulumi:StackReference");
    assert.equal(ref?.name, "acme/pipeline-service/aws-us-east-1");
    for (const k of KCP_HOME_SECRET_KEYS) {
      assert.equal(await pulumi.isSecret(home[k]), true, k);
      assert.equal(await valueOf(home[k]), `value-of-${k}`);
    }
    for (const k of KCP_HOME_PLAIN_KEYS) assert.equal(await pulumi.isSecret(home[k]), false, k);
    assert.equal(await valueOf(home.frontProxyUrl), "https://kcp.example.com");
    assert.throws(() => readKcpHome("aws-us-east-1"), /fully qualified/);
  });

  test("a home output with missing fields fails naming them", () => {
    assert.deepEqual(missingHomeKeys(homeValue), []);
    assert.deepEqual(missingHomeKeys({ ...homeValue, cacheKubeconfig: "", adminKubeconfig: 3 }), [
      "cacheKubeconfig",
      "adminKubeconfig",
    ]);
    assert.equal(missingHomeKeys(undefined).length, KCP_HOME_KEYS.length);
    assert.throws(
      () => checkHomeValue({ frontProxyUrl: "https://k" }, "home stack x"),
      /^Error: home stack x: output "kcp" lacks caBundle, clientCaCertPem, .*adminKubeconfig \(run `pulumi up` on the home region first\)$/,
    );
    assert.equal(checkHomeValue(homeValue, "x").cacheKubeconfig, "value-of-cacheKubeconfig");
  });
});
