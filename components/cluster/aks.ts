// An AKS workload cluster: resource group, VNet with node subnets, Log Analytics, and a zone-redundant
// ManagedCluster with Entra ID auth (Azure RBAC, no local accounts), a system pool and autoscaled user
// pools spanning every zone, a private API server (or an authorized-IP allow-list), Container Insights
// and control-plane diagnostics into Log Analytics. The kubeconfig comes from the user credentials API.
// Access: Azure RBAC role assignments on the cluster for the configured admin and CI principals. Storage:
// the managed CSI driver's built-in premium class, named explicitly.
import * as authorization from "@pulumi/azure-native/authorization";
import * as containerservice from "@pulumi/azure-native/containerservice";
import * as managedidentity from "@pulumi/azure-native/managedidentity";
import * as monitor from "@pulumi/azure-native/monitor";
import * as network from "@pulumi/azure-native/network";
import * as operationalinsights from "@pulumi/azure-native/operationalinsights";
import { Provider as AzureProvider } from "@pulumi/azure-native/provider";
import * as resources from "@pulumi/azure-native/resources";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import {
  KubeloginMode,
  WorkloadCluster,
  azureZoneNumbers,
  cidrsOverlap,
  formatCidr,
  newClusterProvider,
  parseCidr,
  renderAksKubeconfig,
  subnetOf,
} from "./workload-cluster";

export interface AksPoolArgs {
  /** Pool name: lowercase letters and digits, at most 12 characters. */
  name: string;
  /** VM size, e.g. Standard_D4s_v5 (must be offered in every zone). */
  vmSize: string;
  /** Autoscaler minimum for the whole pool (spread over all zones). */
  minCount: number;
  /** Autoscaler maximum for the whole pool. */
  maxCount: number;
}

export interface AksClusterArgs {
  /** azure-native provider for the subscription (explicit; the default provider is never used). */
  provider: AzureProvider;
  /** Azure location, e.g. westeurope. */
  location: string;
  /** Zones as nodes label them ("westeurope-1") or bare numbers ("1"); at least 3. */
  zones: string[];
  /** Kubernetes minor version, e.g. "1.34". */
  kubernetesVersion: string;
  /** VNet CIDR; node subnets are carved from it by carveAksSubnets(). @default "10.1.0.0/16" */
  vnetCidr?: string;
  /** Pod CIDR for Azure CNI Overlay (not routed in the VNet). @default "10.244.0.0/16" */
  podCidr?: string;
  /** Service CIDR; must overlap neither the VNet nor the pod CIDR. @default "172.16.0.0/16" */
  serviceCidr?: string;
  /** Private API server (reachable from the VNet only). @default true */
  privateCluster?: boolean;
  /** Allow-list for a public API server; required, and without 0.0.0.0/0, when it is public. @default [] */
  authorizedIpRanges?: string[];
  /** Entra ID groups that get cluster-admin. */
  adminGroupObjectIds: string[];
  /** The system pool (runs kube-system; tainted CriticalAddonsOnly when user pools exist). */
  systemPool: AksPoolArgs;
  /** User pools for the workload. @default [] */
  userPools?: AksPoolArgs[];
  /** Log Analytics retention. @default 30 */
  logRetentionDays?: number;
  /** Tags applied to every taggable resource. @default {} */
  tags?: Record<string, string>;
  /** kubelogin mode written into the kubeconfig (non-interactive runs need azurecli/msi/...). @default "azurecli" */
  kubeloginMode?: KubeloginMode;
  /** Entra ID principals given "Azure Kubernetes Service RBAC Cluster Admin" on the cluster. @default [] */
  adminPrincipals?: AksPrincipal[];
  /**
   * Principals CI runs `pulumi up` as: cluster admin too (an up installs CRDs, cluster-scoped RBAC and
   * webhooks), plus "Cluster User" to fetch the kubeconfig. @default []
   */
  ciPrincipals?: AksPrincipal[];
}

/** An Entra ID principal by object id. */
export interface AksPrincipal {
  objectId: string;
  type: "User" | "Group" | "ServicePrincipal";
}

/** The StorageClass AKS clusters use: the managed CSI driver's built-in Premium SSD class. */
export const AKS_STORAGE_CLASS = "managed-csi-premium";

/** Built-in role ids for cluster access. */
export const AKS_ROLE_IDS = {
  /** Azure Kubernetes Service RBAC Cluster Admin: every Kubernetes action, cluster-wide (Azure RBAC). */
  rbacClusterAdmin: "b1ff04bb-8a4e-4dc4-8eb5-8693973ce19b",
  /** Azure Kubernetes Service Cluster User Role: listClusterUserCredential (the kubeconfig). */
  clusterUser: "4abbcc35-e782-43d8-92c5-2d3f1bd2253f",
} as const;

/** The role assignments for admin and CI principals on the cluster (pure). */
export function aksRoleAssignments(
  args: Pick<AksClusterArgs, "adminPrincipals" | "ciPrincipals">,
): { label: string; principal: AksPrincipal; roleId: string }[] {
  const out: { label: string; principal: AksPrincipal; roleId: string }[] = [];
  for (const [who, list] of [
    ["admin", args.adminPrincipals ?? []],
    ["ci", args.ciPrincipals ?? []],
  ] as const) {
    for (const principal of list) {
      for (const [role, roleId] of Object.entries(AKS_ROLE_IDS))
        out.push({ label: `${who}-${principal.objectId}-${role}`, principal, roleId });
    }
  }
  return out;
}

/** AKS control-plane log categories sent to Log Analytics (the counterpart of EKS's log types). */
export const AKS_LOG_CATEGORIES = [
  "kube-apiserver",
  "kube-audit-admin",
  "kube-controller-manager",
  "kube-scheduler",
  "cluster-autoscaler",
  "guard",
] as const;

/** Built-in "Network Contributor" role: lets the cluster identity manage the node subnets and LBs. */
export const NETWORK_CONTRIBUTOR_ROLE_ID = "4d97b98b-1d4f-4787-a291-c67834d212e7";

/** Carves the node subnets: system pool in the first eighth, user pools in the second half. */
export function carveAksSubnets(vnetCidr: string): { system: string; user: string; database: string } {
  const vnet = parseCidr(vnetCidr);
  if (vnet.prefix > 24) throw new Error(`${vnetCidr} is too small for an AKS VNet (use /24 or larger)`);
  return {
    system: formatCidr(subnetOf(vnet, vnet.prefix + 3, 0)),
    user: formatCidr(subnetOf(vnet, vnet.prefix + 1, 1)),
    // Left to the data layer: the subnet delegated to the region's PostgreSQL flexible server.
    database: formatCidr(subnetOf(vnet, vnet.prefix + 3, 1)),
  };
}

/** The cluster DNS service address: the tenth address of the service CIDR. */
export function dnsServiceIp(serviceCidr: string): string {
  const c = parseCidr(serviceCidr);
  return formatCidr({ base: c.base + 10, prefix: 32 }).replace(/\/32$/, "");
}

/** Checks what the types cannot; throws an Error naming every problem (the component wraps it). */
export function validateAksArgs(args: Omit<AksClusterArgs, "provider">): void {
  const problems: string[] = [];
  if (args.zones.length < 3) problems.push(`at least 3 zones are required (got ${args.zones.length})`);
  try {
    const numbers = azureZoneNumbers(args.location, args.zones);
    if (new Set(numbers).size !== numbers.length) problems.push("zones must be distinct");
  } catch (e) {
    problems.push((e as Error).message);
  }
  if (!(args.privateCluster ?? true)) {
    const ranges = args.authorizedIpRanges ?? [];
    if (ranges.length === 0)
      problems.push("a public API server needs a non-empty authorizedIpRanges allow-list");
    if (ranges.includes("0.0.0.0/0")) problems.push("authorizedIpRanges must not contain 0.0.0.0/0");
  }
  if (args.adminGroupObjectIds.length === 0) problems.push("at least one admin group is required");
  const principals = [...(args.adminPrincipals ?? []), ...(args.ciPrincipals ?? [])];
  const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
  for (const p of principals) {
    if (!uuid.test(p.objectId))
      problems.push(`principal ${JSON.stringify(p.objectId)} is not an object id (UUID)`);
    if (!["User", "Group", "ServicePrincipal"].includes(p.type))
      problems.push(
        `principal ${p.objectId}: type ${JSON.stringify(p.type)} is not User, Group or ServicePrincipal`,
      );
  }
  const ids = principals.map((p) => p.objectId.toLowerCase());
  if (new Set(ids).size !== ids.length)
    problems.push("a principal may appear once across adminPrincipals and ciPrincipals");
  const pools = [args.systemPool, ...(args.userPools ?? [])];
  const names = pools.map((p) => p.name);
  if (new Set(names).size !== names.length) problems.push("pool names must be distinct");
  for (const p of pools) {
    if (!/^[a-z][a-z0-9]{0,11}$/.test(p.name))
      problems.push(`pool ${p.name}: lowercase letters/digits, <= 12`);
    // User pools may scale to zero; the system pool keeps at least one node.
    const min = p === args.systemPool ? 1 : 0;
    if (!(p.minCount >= min && p.minCount <= p.maxCount && p.maxCount >= 1))
      problems.push(`pool ${p.name}: needs ${min} <= minCount <= maxCount, maxCount >= 1`);
  }
  const nets: [string, string][] = [
    ["vnetCidr", args.vnetCidr ?? "10.1.0.0/16"],
    ["podCidr", args.podCidr ?? "10.244.0.0/16"],
    ["serviceCidr", args.serviceCidr ?? "172.16.0.0/16"],
  ];
  try {
    const parsed = nets.map(([k, v]) => [k, parseCidr(v)] as const);
    for (let i = 0; i < parsed.length; i++) {
      for (let j = i + 1; j < parsed.length; j++) {
        if (cidrsOverlap(parsed[i][1], parsed[j][1]))
          problems.push(`${parsed[i][0]} overlaps ${parsed[j][0]}`);
      }
    }
    carveAksSubnets(nets[0][1]);
  } catch (e) {
    problems.push((e as Error).message);
  }
  if (problems.length > 0) throw new Error(problems.join("; "));
}

/** What a region's `cluster` config (kind: aks) gives the component; infra/config.ts validates into it. */
export type AksClusterConfig = Omit<AksClusterArgs, "provider" | "zones" | "tags">;

/** Maps validated region config to component args (infra/ adds the provider). */
export function aksArgsFromConfig(
  config: AksClusterConfig,
  region: { zones: string[]; tags: Record<string, string> },
  provider: AzureProvider,
): AksClusterArgs {
  return {
    provider,
    location: config.location,
    zones: region.zones,
    kubernetesVersion: config.kubernetesVersion,
    vnetCidr: config.vnetCidr,
    privateCluster: config.privateCluster,
    authorizedIpRanges: config.authorizedIpRanges,
    adminGroupObjectIds: config.adminGroupObjectIds,
    adminPrincipals: config.adminPrincipals?.map((p) => ({ ...p })),
    ciPrincipals: config.ciPrincipals?.map((p) => ({ ...p })),
    systemPool: { ...config.systemPool },
    userPools: config.userPools?.map((p) => ({ ...p })),
    logRetentionDays: config.logRetentionDays,
    tags: region.tags,
  };
}

export class AksCluster extends pulumi.ComponentResource implements WorkloadCluster {
  public readonly provider: k8s.Provider;
  public readonly name: pulumi.Output<string>;
  public readonly region: string;
  public readonly zones: string[];
  public readonly kubeconfig: pulumi.Output<string>;
  public readonly resourceGroupName: pulumi.Output<string>;
  public readonly vnetId: pulumi.Output<string>;
  public readonly vnetName: pulumi.Output<string>;
  public readonly logAnalyticsWorkspaceId: pulumi.Output<string>;
  public readonly oidcIssuerUrl: pulumi.Output<string>;
  /** Built into AKS (the disk CSI driver is on by default): nothing to create, only to name. */
  public readonly storageClassName: string = AKS_STORAGE_CLASS;

  constructor(name: string, args: AksClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    // Validate before registering anything: bad input leaves no half-built component behind.
    try {
      validateAksArgs(args);
    } catch (e) {
      throw new pulumi.ResourceError(`AksCluster ${name}: ${(e as Error).message}`, opts?.parent);
    }
    super("pipeline-service:cluster:AksCluster", name, {}, opts);
    this.region = args.location;
    this.zones = [...args.zones];
    const zoneNumbers = azureZoneNumbers(args.location, args.zones);
    const aopts = { parent: this, provider: args.provider };
    const tags = args.tags ?? {};
    const location = args.location;
    const client = authorization.getClientConfigOutput(aopts);

    const rg = new resources.ResourceGroup(`${name}-rg`, { location, tags }, aopts);

    // --- network -------------------------------------------------------------------------------
    const vnetCidr = args.vnetCidr ?? "10.1.0.0/16";
    const subnetCidrs = carveAksSubnets(vnetCidr);
    const vnet = new network.VirtualNetwork(
      `${name}-vnet`,
      { resourceGroupName: rg.name, location, addressSpace: { addressPrefixes: [vnetCidr] }, tags },
      // Subnets are separate resources; the VNet must not fight them over its inline subnet list.
      { ...aopts, ignoreChanges: ["subnets"] },
    );
    const systemSubnet = new network.Subnet(
      `${name}-system`,
      { resourceGroupName: rg.name, virtualNetworkName: vnet.name, addressPrefix: subnetCidrs.system },
      aopts,
    );
    const userSubnet = new network.Subnet(
      `${name}-user`,
      { resourceGroupName: rg.name, virtualNetworkName: vnet.name, addressPrefix: subnetCidrs.user },
      { ...aopts, dependsOn: [systemSubnet] }, // ARM rejects concurrent subnet writes on one VNet
    );

    // --- identity: user-assigned, so its subnet permission exists before the cluster does ------
    const identity = new managedidentity.UserAssignedIdentity(
      `${name}-identity`,
      { resourceGroupName: rg.name, location, tags },
      aopts,
    );
    const networkRole = new authorization.RoleAssignment(
      `${name}-network`,
      {
        scope: vnet.id,
        principalId: identity.principalId,
        principalType: "ServicePrincipal",
        roleDefinitionId: pulumi.interpolate`/subscriptions/${client.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${NETWORK_CONTRIBUTOR_ROLE_ID}`,
      },
      aopts,
    );

    // --- observability -------------------------------------------------------------------------
    const workspace = new operationalinsights.Workspace(
      `${name}-logs`,
      {
        resourceGroupName: rg.name,
        location,
        sku: { name: "PerGB2018" },
        retentionInDays: args.logRetentionDays ?? 30,
        tags,
      },
      aopts,
    );

    // --- cluster -------------------------------------------------------------------------------
    const userPools = args.userPools ?? [];
    const pool = (p: AksPoolArgs, mode: "System" | "User", subnetId: pulumi.Input<string>) => ({
      mode,
      vmSize: p.vmSize,
      availabilityZones: zoneNumbers,
      enableAutoScaling: true,
      minCount: p.minCount,
      maxCount: p.maxCount,
      count: p.minCount,
      osType: "Linux",
      osSKU: "AzureLinux",
      type: "VirtualMachineScaleSets",
      vnetSubnetID: subnetId,
      maxPods: 110,
      nodeLabels: { "pipeline-service/pool": p.name },
      upgradeSettings: { maxSurge: "33%" },
      tags,
    });
    const privateCluster = args.privateCluster ?? true;
    const serviceCidr = args.serviceCidr ?? "172.16.0.0/16";
    // Auto-named: a replacement gets a new ARM id, hence a new provider identity.
    const cluster = new containerservice.ManagedCluster(
      `${name}-aks`,
      {
        resourceGroupName: rg.name,
        location,
        dnsPrefix: name,
        kubernetesVersion: args.kubernetesVersion,
        sku: { name: "Base", tier: "Standard" }, // the SLA tier: zone-redundant control plane
        identity: { type: "UserAssigned", userAssignedIdentities: [identity.id] },
        agentPoolProfiles: [
          {
            name: args.systemPool.name,
            ...pool(args.systemPool, "System", systemSubnet.id),
            // With user pools present, keep workloads off the system nodes.
            nodeTaints: userPools.length > 0 ? ["CriticalAddonsOnly=true:NoSchedule"] : undefined,
          },
        ],
        enableRBAC: true,
        disableLocalAccounts: true,
        aadProfile: {
          managed: true,
          enableAzureRBAC: true,
          adminGroupObjectIDs: args.adminGroupObjectIds,
          tenantID: client.tenantId,
        },
        apiServerAccessProfile: privateCluster
          ? { enablePrivateCluster: true, privateDNSZone: "system" }
          : { enablePrivateCluster: false, authorizedIPRanges: args.authorizedIpRanges },
        networkProfile: {
          networkPlugin: "azure",
          networkPluginMode: "overlay",
          networkDataplane: "cilium",
          networkPolicy: "cilium",
          podCidr: args.podCidr ?? "10.244.0.0/16",
          serviceCidr,
          dnsServiceIP: dnsServiceIp(serviceCidr),
          loadBalancerSku: "standard",
          outboundType: "loadBalancer",
        },
        addonProfiles: {
          omsagent: {
            enabled: true,
            config: { logAnalyticsWorkspaceResourceID: workspace.id, useAADAuth: "true" },
          },
        },
        oidcIssuerProfile: { enabled: true },
        securityProfile: { workloadIdentity: { enabled: true } },
        autoUpgradeProfile: { upgradeChannel: "patch", nodeOSUpgradeChannel: "NodeImage" },
        tags,
      },
      // The autoscaler owns the node count after creation.
      { ...aopts, dependsOn: [networkRole], ignoreChanges: ["agentPoolProfiles[0].count"] },
    );
    const agentPools = userPools.map(
      (p) =>
        new containerservice.AgentPool(
          `${name}-${p.name}`,
          {
            resourceGroupName: rg.name,
            resourceName: cluster.name,
            agentPoolName: p.name,
            orchestratorVersion: args.kubernetesVersion,
            ...pool(p, "User", userSubnet.id),
          },
          { ...aopts, ignoreChanges: ["count"] },
        ),
    );
    new monitor.DiagnosticSetting(
      `${name}-control-plane`,
      {
        resourceUri: cluster.id,
        workspaceId: workspace.id,
        logAnalyticsDestinationType: "Dedicated",
        logs: AKS_LOG_CATEGORIES.map((category) => ({ category, enabled: true })),
      },
      aopts,
    );

    // --- access: Azure RBAC on the cluster for admin and CI principals --------------------------
    const access = aksRoleAssignments(args).map(
      (a) =>
        new authorization.RoleAssignment(
          `${name}-${a.label}`,
          {
            scope: cluster.id,
            principalId: a.principal.objectId,
            principalType: a.principal.type,
            roleDefinitionId: pulumi.interpolate`/subscriptions/${client.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${a.roleId}`,
          },
          aopts,
        ),
    );

    // --- kubeconfig and provider ---------------------------------------------------------------
    const creds = containerservice.listManagedClusterUserCredentialsOutput(
      { resourceGroupName: rg.name, resourceName: cluster.name, format: "exec" },
      aopts,
    );
    this.kubeconfig = pulumi.secret(
      creds.kubeconfigs.apply((kcs) => {
        if (!kcs?.[0]?.value) throw new Error(`AksCluster ${name}: AKS returned no user kubeconfig`);
        return renderAksKubeconfig(kcs[0].value, args.kubeloginMode ?? "azurecli");
      }),
    );
    this.name = cluster.name;
    this.provider = newClusterProvider(
      name,
      { kubeconfig: this.kubeconfig, clusterIdentifier: cluster.id },
      { parent: this, dependsOn: [...agentPools, ...access] },
    );

    this.resourceGroupName = rg.name;
    this.vnetId = vnet.id;
    this.vnetName = vnet.name;
    this.logAnalyticsWorkspaceId = workspace.id;
    this.oidcIssuerUrl = cluster.oidcIssuerProfile.apply((p) => p?.issuerURL ?? "");
    this.registerOutputs({
      name: this.name,
      kubeconfig: this.kubeconfig,
      resourceGroupName: this.resourceGroupName,
      vnetId: this.vnetId,
      logAnalyticsWorkspaceId: this.logAnalyticsWorkspaceId,
    });
  }
}
