// AksCluster under mocks: Entra ID + Azure RBAC, private API server, zone-spanning autoscaled pools,
// Log Analytics wiring, network layout, explicit providers, and the no-churn provider contract.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Provider as AzureProvider } from "@pulumi/azure-native/provider";
import * as pulumi from "@pulumi/pulumi";
import { parse as parseYaml, stringify as stringifyYaml } from "yaml";
import {
  AKS_LOG_CATEGORIES,
  AKS_ROLE_IDS,
  AksCluster,
  AksClusterArgs,
  NETWORK_CONTRIBUTOR_ROLE_ID,
  aksArgsFromConfig,
  aksRoleAssignments,
  validateAksArgs,
} from "../../components/cluster/aks";
import { Registered, countByType, settle, setupMocks, valueOf } from "../helpers/mocks";

const ZONES = ["westeurope-1", "westeurope-2", "westeurope-3"];
const TAGS = { "pipeline-service/region": "azure-westeurope" };
const ADMINS = ["6b1a0a55-0c2e-4a4e-9d8f-1f2d3c4b5a69"];
const SUB = "00000000-1111-2222-3333-444444444444";
const TENANT = "99999999-8888-7777-6666-555555555555";
const T = {
  cluster: "azure-native:containerservice:ManagedCluster",
  pool: "azure-native:containerservice:AgentPool",
  subnet: "azure-native:network:Subnet",
  vnet: "azure-native:network:VirtualNetwork",
  workspace: "azure-native:operationalinsights:Workspace",
  diag: "azure-native:monitor:DiagnosticSetting",
  role: "azure-native:authorization:RoleAssignment",
  k8s: "pulumi:providers:kubernetes",
};
const UNTAGGABLE = new Set([T.subnet, T.role, T.diag]);

/** What AKS returns for format=exec: kubelogin in devicecode mode. */
function aksKubeconfig(ca: string): string {
  return stringifyYaml({
    apiVersion: "v1",
    kind: "Config",
    clusters: [
      {
        name: "aks",
        cluster: {
          server: "https://aks-priv.privatelink.westeurope.azmk8s.io:443",
          "certificate-authority-data": ca,
        },
      },
    ],
    contexts: [{ name: "aks", context: { cluster: "aks", user: "clusterUser_aks" } }],
    "current-context": "aks",
    users: [
      {
        name: "clusterUser_aks",
        user: {
          exec: {
            apiVersion: "client.authentication.k8s.io/v1beta1",
            command: "kubelogin",
            args: [
              "get-token",
              "--environment",
              "AzurePublicCloud",
              "--server-id",
              "6dae42f8",
              "--login",
              "devicecode",
            ],
          },
        },
      },
    ],
  });
}

async function deploy(over: Partial<AksClusterArgs> = {}, fx: { ca?: string } = {}) {
  const invokes: { token: string; inputs: Record<string, unknown>; provider: string }[] = [];
  const { resources } = setupMocks({
    invokes: {
      "azure-native:authorization:getClientConfig": (a) => {
        invokes.push({ token: a.token, inputs: a.inputs, provider: a.provider ?? "" });
        return { clientId: "c", objectId: "o", subscriptionId: SUB, tenantId: TENANT };
      },
      "azure-native:containerservice:listManagedClusterUserCredentials": (a) => {
        invokes.push({ token: a.token, inputs: a.inputs, provider: a.provider ?? "" });
        return {
          kubeconfigs: [
            {
              name: "clusterUser",
              value: Buffer.from(aksKubeconfig(fx.ca ?? "Q0EtMQo=")).toString("base64"),
            },
          ],
        };
      },
    },
    outputs: {
      [T.cluster]: (a) => ({
        name: `${a.name}-5e1f0c2`,
        oidcIssuerProfile: { enabled: true, issuerURL: "https://westeurope.oic.prod-aks.azure.com/t/u/" },
      }),
      "azure-native:resources:ResourceGroup": (a) => ({ name: `${a.name}-3a2b1c0` }),
      [T.vnet]: (a) => ({ name: `${a.name}-77aa` }),
      "azure-native:managedidentity:UserAssignedIdentity": () => ({ principalId: "a1b2c3d4-principal" }),
    },
  });
  const provider = new AzureProvider("azure-westeurope", { location: "westeurope" });
  const args: AksClusterArgs = {
    provider,
    location: "westeurope",
    zones: ZONES,
    kubernetesVersion: "1.34",
    adminGroupObjectIds: ADMINS,
    systemPool: { name: "system", vmSize: "Standard_D4s_v5", minCount: 3, maxCount: 6 },
    userPools: [
      { name: "builds", vmSize: "Standard_D8s_v5", minCount: 3, maxCount: 30 },
      { name: "results", vmSize: "Standard_E4s_v5", minCount: 1, maxCount: 3 },
    ],
    tags: TAGS,
    ...over,
  };
  const cluster = new AksCluster("azure-westeurope", args);
  const providerUrn = await valueOf(provider.urn);
  const k8sUrn = await valueOf(cluster.provider.urn);
  await valueOf(cluster.kubeconfig);
  await settle();
  const of = (type: string) => resources.filter((r) => r.type === type);
  const one = (type: string) => {
    const rs = of(type);
    assert.equal(rs.length, 1, `one ${type}`);
    return rs[0];
  };
  return { resources, invokes, cluster, providerUrn, k8sUrn, of, one };
}

const input = <V = unknown>(r: Registered, path: string): V =>
  path.split(".").reduce<unknown>((v, k) => (v as Record<string, unknown>)?.[k], r.inputs) as V;

void describe("AksCluster identity and access", () => {
  void it("uses managed Entra ID with Azure RBAC, admin groups and no local accounts", async () => {
    const { one } = await deploy();
    const c = one(T.cluster);
    assert.deepEqual(input(c, "aadProfile"), {
      managed: true,
      enableAzureRBAC: true,
      adminGroupObjectIDs: ADMINS,
      tenantID: TENANT,
    });
    assert.equal(input(c, "disableLocalAccounts"), true);
    assert.equal(input(c, "enableRBAC"), true);
    assert.equal(input(c, "oidcIssuerProfile.enabled"), true);
    assert.equal(input(c, "securityProfile.workloadIdentity.enabled"), true);
    assert.deepEqual(input(c, "sku"), { name: "Base", tier: "Standard" });
  });

  void it("keeps the API server private by default", async () => {
    const { one } = await deploy();
    assert.deepEqual(input(one(T.cluster), "apiServerAccessProfile"), {
      enablePrivateCluster: true,
      privateDNSZone: "system",
    });
  });

  void it("opens a public API server only to authorized IP ranges", async () => {
    const { one } = await deploy({ privateCluster: false, authorizedIpRanges: ["198.51.100.0/24"] });
    assert.deepEqual(input(one(T.cluster), "apiServerAccessProfile"), {
      enablePrivateCluster: false,
      authorizedIPRanges: ["198.51.100.0/24"],
    });
  });

  void it("refuses a public API server without an allow-list, and bad zones, naming the component", () => {
    setupMocks();
    const provider = new AzureProvider("p", {});
    assert.throws(
      () =>
        new AksCluster("bad", {
          provider,
          location: "westeurope",
          zones: ["westeurope-1", "northeurope-2", "westeurope-3"],
          kubernetesVersion: "1.34",
          adminGroupObjectIds: ADMINS,
          systemPool: { name: "system", vmSize: "Standard_D4s_v5", minCount: 1, maxCount: 3 },
          privateCluster: false,
          serviceCidr: "10.1.0.0/16",
        }),
      (e: Error) =>
        e instanceof pulumi.ResourceError &&
        /^AksCluster bad: /.test(e.message) &&
        /not an Azure zone of westeurope/.test(e.message) &&
        /non-empty authorizedIpRanges/.test(e.message) &&
        /vnetCidr overlaps serviceCidr/.test(e.message),
    );
  });
});

void describe("AksCluster pools and zones", () => {
  void it("runs the system pool across all zones with autoscaling, tainted because user pools exist", async () => {
    const { one } = await deploy();
    const profiles = input<Record<string, unknown>[]>(one(T.cluster), "agentPoolProfiles");
    assert.equal(profiles.length, 1);
    const sys = profiles[0];
    assert.equal(sys.name, "system");
    assert.equal(sys.mode, "System");
    assert.deepEqual(sys.availabilityZones, ["1", "2", "3"]);
    assert.equal(sys.enableAutoScaling, true);
    assert.deepEqual([sys.minCount, sys.maxCount], [3, 6]);
    assert.deepEqual(sys.nodeTaints, ["CriticalAddonsOnly=true:NoSchedule"]);
    assert.equal(sys.vnetSubnetID, "azure-westeurope-system-id");
  });

  void it("creates each user pool as an autoscaled AgentPool spanning every zone", async () => {
    const { of } = await deploy();
    const pools = of(T.pool);
    assert.deepEqual(
      pools.map((p) => [
        input(p, "agentPoolName"),
        input(p, "mode"),
        input(p, "availabilityZones"),
        input(p, "enableAutoScaling"),
        input(p, "minCount"),
        input(p, "maxCount"),
        input(p, "vnetSubnetID"),
        input(p, "resourceName"),
      ]),
      [
        [
          "builds",
          "User",
          ["1", "2", "3"],
          true,
          3,
          30,
          "azure-westeurope-user-id",
          "azure-westeurope-aks-5e1f0c2",
        ],
        [
          "results",
          "User",
          ["1", "2", "3"],
          true,
          1,
          3,
          "azure-westeurope-user-id",
          "azure-westeurope-aks-5e1f0c2",
        ],
      ],
    );
  });

  void it("does not taint the system pool when it is the only pool", async () => {
    const { one, of } = await deploy({ userPools: [] });
    assert.equal(of(T.pool).length, 0);
    assert.equal(
      input<Record<string, unknown>[]>(one(T.cluster), "agentPoolProfiles")[0].nodeTaints,
      undefined,
    );
  });
});

void describe("AksCluster network and observability", () => {
  void it("carves node subnets from the VNet and keeps pod/service ranges out of it", async () => {
    const { of, one } = await deploy();
    assert.deepEqual(input(one(T.vnet), "addressSpace.addressPrefixes"), ["10.1.0.0/16"]);
    assert.deepEqual(
      of(T.subnet).map((s) => [s.name, input(s, "addressPrefix")]),
      [
        ["azure-westeurope-system", "10.1.0.0/19"],
        ["azure-westeurope-user", "10.1.128.0/17"],
      ],
    );
    const net = input<Record<string, unknown>>(one(T.cluster), "networkProfile");
    assert.equal(net.networkPluginMode, "overlay");
    assert.equal(net.serviceCidr, "172.16.0.0/16");
    assert.equal(net.dnsServiceIP, "172.16.0.10");
    assert.equal(net.podCidr, "10.244.0.0/16");
  });

  void it("gives the cluster's user-assigned identity Network Contributor on the VNet", async () => {
    const { one } = await deploy();
    const role = one(T.role);
    assert.equal(input(role, "scope"), "azure-westeurope-vnet-id");
    assert.equal(input(role, "principalId"), "a1b2c3d4-principal");
    assert.equal(
      input(role, "roleDefinitionId"),
      `/subscriptions/${SUB}/providers/Microsoft.Authorization/roleDefinitions/${NETWORK_CONTRIBUTOR_ROLE_ID}`,
    );
    assert.deepEqual(input(one(T.cluster), "identity"), {
      type: "UserAssigned",
      userAssignedIdentities: ["azure-westeurope-identity-id"],
    });
  });

  void it("sends Container Insights and control-plane logs to Log Analytics", async () => {
    const { one } = await deploy({ logRetentionDays: 90 });
    const ws = one(T.workspace);
    assert.equal(input(ws, "retentionInDays"), 90);
    assert.deepEqual(input(one(T.cluster), "addonProfiles.omsagent"), {
      enabled: true,
      config: { logAnalyticsWorkspaceResourceID: "azure-westeurope-logs-id", useAADAuth: "true" },
    });
    const diag = one(T.diag);
    assert.equal(input(diag, "resourceUri"), "azure-westeurope-aks-id");
    assert.equal(input(diag, "workspaceId"), "azure-westeurope-logs-id");
    assert.deepEqual(
      input<{ category: string }[]>(diag, "logs").map((l) => l.category),
      [...AKS_LOG_CATEGORIES],
    );
  });
});

void describe("AksCluster hygiene", () => {
  void it("tags every taggable resource and uses the explicit provider for resources and invokes", async () => {
    const { resources, invokes, providerUrn } = await deploy();
    const azure = resources.filter((r) => r.type.startsWith("azure-native:"));
    assert.ok(azure.length >= 10);
    for (const r of azure) {
      assert.ok(r.provider?.startsWith(`${providerUrn}::`), `${r.type} ${r.name} uses ${r.provider}`);
      if (!UNTAGGABLE.has(r.type)) assert.deepEqual(r.inputs.tags, TAGS, `${r.type} ${r.name}`);
    }
    assert.ok(invokes.length >= 2);
    for (const i of invokes)
      assert.ok(i.provider.startsWith(`${providerUrn}::`), `${i.token} uses ${i.provider}`);
  });

  void it("maps region config to args", () => {
    setupMocks();
    const provider = new AzureProvider("p", {});
    const args = aksArgsFromConfig(
      {
        location: "westeurope",
        kubernetesVersion: "1.34",
        vnetCidr: "10.5.0.0/16",
        privateCluster: true,
        authorizedIpRanges: [],
        adminGroupObjectIds: ADMINS,
        systemPool: { name: "system", vmSize: "Standard_D4s_v5", minCount: 3, maxCount: 3 },
        userPools: [{ name: "builds", vmSize: "Standard_D8s_v5", minCount: 1, maxCount: 9 }],
        adminPrincipals: [{ objectId: "00000000-0000-4000-8000-0000000000a1", type: "Group" }],
        ciPrincipals: [{ objectId: "00000000-0000-4000-8000-0000000000c1", type: "ServicePrincipal" }],
        logRetentionDays: 60,
      },
      { zones: ZONES, tags: TAGS },
      provider,
    );
    assert.equal(args.vnetCidr, "10.5.0.0/16");
    assert.equal(args.logRetentionDays, 60);
    assert.deepEqual(args.userPools, [
      { name: "builds", vmSize: "Standard_D8s_v5", minCount: 1, maxCount: 9 },
    ]);
  });
});

void describe("AksCluster Kubernetes provider", () => {
  void it("builds the kubeconfig from the user credentials (exec format, azurecli login) as a secret", async () => {
    const { cluster, invokes, one } = await deploy();
    const creds = invokes.find((i) => i.token.endsWith("listManagedClusterUserCredentials"));
    assert.deepEqual(creds?.inputs, {
      resourceGroupName: "azure-westeurope-rg-3a2b1c0",
      resourceName: "azure-westeurope-aks-5e1f0c2",
      format: "exec",
    });
    const p = one(T.k8s);
    assert.ok(pulumi.runtime.isRpcSecret(p.inputs.kubeconfig), "provider kubeconfig is a secret");
    const kc = parseYaml(pulumi.runtime.unwrapRpcSecret(p.inputs.kubeconfig) as string);
    const args: string[] = kc.users[0].user.exec.args;
    assert.equal(args[args.indexOf("--login") + 1], "azurecli");
    assert.equal(p.inputs.clusterIdentifier, "azure-westeurope-aks-id");
    assert.equal(await pulumi.isSecret(cluster.kubeconfig), true);
    assert.equal(await valueOf(cluster.name), "azure-westeurope-aks-5e1f0c2");
    assert.equal(cluster.region, "westeurope");
    assert.deepEqual(cluster.zones, ZONES);
  });

  void it("keeps the provider URN and identity across a CA rotation (kubeconfig-only change)", async () => {
    const before = await deploy();
    const after = await deploy({}, { ca: "Q0EtMgo=" });
    const [pb, pa] = [before.one(T.k8s), after.one(T.k8s)];
    assert.notEqual(
      pulumi.runtime.unwrapRpcSecret(pa.inputs.kubeconfig),
      pulumi.runtime.unwrapRpcSecret(pb.inputs.kubeconfig),
    );
    assert.equal(after.k8sUrn, before.k8sUrn);
    assert.equal(
      after.k8sUrn,
      "urn:pulumi:test::pipeline-service::pipeline-service:cluster:AksCluster$pulumi:providers:kubernetes::azure-westeurope-k8s",
    );
    assert.equal(pa.inputs.clusterIdentifier, pb.inputs.clusterIdentifier);
  });

  void it("prints the resource count by type for a full AKS cluster", async () => {
    const { resources } = await deploy();
    const mine = resources.filter((r) => r.type !== "pulumi:providers:azure-native");
    const counts = countByType(mine);
    console.log(
      `AKS (3 zones, system + 2 user pools): ${mine.length} resources\n${JSON.stringify(counts, null, 2)}`,
    );
    assert.equal(counts[T.pool], 2);
    assert.equal(counts[T.k8s], 1);
  });
});

void describe("AksCluster access and storage", () => {
  const ADMIN = { objectId: "11111111-2222-4333-8444-555555555555", type: "Group" as const };
  const CI = { objectId: "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee", type: "ServicePrincipal" as const };

  void it("assigns RBAC Cluster Admin and Cluster User on the cluster to each admin and CI principal", async () => {
    const { of, one } = await deploy({ adminPrincipals: [ADMIN], ciPrincipals: [CI] });
    const access = of(T.role).filter(
      (r) => !String(r.inputs.roleDefinitionId).endsWith(NETWORK_CONTRIBUTOR_ROLE_ID),
    );
    const got = access
      .map((r) => [
        r.inputs.principalId,
        r.inputs.principalType,
        String(r.inputs.roleDefinitionId).split("/").pop(),
      ])
      .sort();
    assert.deepEqual(
      got,
      [
        [ADMIN.objectId, "Group", AKS_ROLE_IDS.clusterUser],
        [ADMIN.objectId, "Group", AKS_ROLE_IDS.rbacClusterAdmin],
        [CI.objectId, "ServicePrincipal", AKS_ROLE_IDS.clusterUser],
        [CI.objectId, "ServicePrincipal", AKS_ROLE_IDS.rbacClusterAdmin],
      ].sort(),
    );
    for (const r of access) {
      assert.match(
        String(r.inputs.roleDefinitionId),
        new RegExp(`^/subscriptions/${SUB}/providers/Microsoft.Authorization/roleDefinitions/`),
      );
      // Scoped to the cluster, not the subscription or the resource group.
      assert.equal(r.inputs.scope, `${one(T.cluster).name}-id`);
    }
  });

  void it("names the managed CSI premium class for the platform's volumes", async () => {
    const { cluster, of } = await deploy();
    assert.equal(cluster.storageClassName, "managed-csi-premium");
    // Built in: nothing to create.
    assert.equal(of("kubernetes:storage.k8s.io/v1:StorageClass").length, 0);
  });

  void it("refuses malformed and duplicate principals", () => {
    assert.deepEqual(aksRoleAssignments({}), []);
    const base = {
      location: "westeurope",
      zones: ZONES,
      kubernetesVersion: "1.34",
      adminGroupObjectIds: ADMINS,
      systemPool: { name: "system", vmSize: "Standard_D4s_v5", minCount: 1, maxCount: 3 },
    };
    assert.throws(
      () => validateAksArgs({ ...base, adminPrincipals: [{ objectId: "not-a-uuid", type: "User" }] }),
      /is not an object id/,
    );
    assert.throws(
      () => validateAksArgs({ ...base, adminPrincipals: [ADMIN], ciPrincipals: [ADMIN] }),
      /may appear once/,
    );
    assert.doesNotThrow(() => validateAksArgs({ ...base, adminPrincipals: [ADMIN], ciPrincipals: [CI] }));
  });
});
