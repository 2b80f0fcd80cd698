// Azure policies: the AKS cluster and the PostgreSQL flexible server of one region.
// @pulumi/azure-native v3, imported per module (the package root loads every module).
import * as containerservice from "@pulumi/azure-native/containerservice";
import * as dbforpostgresql from "@pulumi/azure-native/dbforpostgresql";
import { validateResourceOfType } from "@pulumi/policy";
import type {
  PolicyConfigSchema,
  ReportViolation,
  ResourceValidationPolicy,
  StackValidationPolicy,
} from "@pulumi/policy";
import { configOf, isOpenCidr, isUnknown, knownStrings, read } from "./util";

const zonesSchema: PolicyConfigSchema = {
  properties: {
    minZones: {
      type: "integer",
      minimum: 1,
      default: 3,
      description: "Availability zones every AKS node pool must span.",
    },
  },
};

const backupSchema: PolicyConfigSchema = {
  properties: {
    minRetentionDays: { type: "integer", minimum: 1, maximum: 35, default: 7 },
  },
};

function checkPoolZones(
  pool: string,
  zones: () => unknown,
  minZones: number,
  reportViolation: ReportViolation,
): void {
  if (isUnknown(zones)) return;
  const n = knownStrings(zones).length;
  if (n < minZones) {
    reportViolation(`node pool ${pool} spans ${n} availability zone(s); at least ${minZones} are required.`);
  }
}

export const aksPoolsAcrossZones: ResourceValidationPolicy = {
  name: "aks-pools-across-zones",
  description:
    "Every AKS node pool (inline agentPoolProfiles and AgentPool resources) spans at least 3 availability zones.",
  enforcementLevel: "mandatory",
  severity: "high",
  configSchema: zonesSchema,
  validateResource: [
    validateResourceOfType(containerservice.ManagedCluster, (mc, args, reportViolation) => {
      const { minZones } = configOf<{ minZones: number }>(args, zonesSchema);
      const pools = read(() => mc.agentPoolProfiles) ?? [];
      for (let i = 0; i < read(() => pools.length, 0); i++) {
        const name = read(() => pools[i].name) ?? `#${i}`;
        checkPoolZones(name, () => pools[i].availabilityZones, minZones, reportViolation);
      }
    }),
    validateResourceOfType(containerservice.AgentPool, (pool, args, reportViolation) => {
      const { minZones } = configOf<{ minZones: number }>(args, zonesSchema);
      const name = read(() => pool.agentPoolName) ?? args.name;
      checkPoolZones(name, () => pool.availabilityZones, minZones, reportViolation);
    }),
  ],
};

export const aksEntraIdRbac: ResourceValidationPolicy = {
  name: "aks-entra-id-rbac",
  description:
    "AKS clusters authenticate with Entra ID and authorize with Azure RBAC (aadProfile.managed and aadProfile.enableAzureRBAC).",
  enforcementLevel: "mandatory",
  severity: "high",
  validateResource: validateResourceOfType(containerservice.ManagedCluster, (mc, _args, reportViolation) => {
    if (isUnknown(() => mc.aadProfile)) return;
    const aad = mc.aadProfile;
    if (!aad) {
      reportViolation("aadProfile is not set: the cluster does not use Entra ID.");
      return;
    }
    if (read(() => aad.managed, true) !== true) reportViolation("aadProfile.managed is not true.");
    if (read(() => aad.enableAzureRBAC, true) !== true)
      reportViolation("aadProfile.enableAzureRBAC is not true.");
  }),
};

export const aksLocalAccountsDisabled: ResourceValidationPolicy = {
  name: "aks-local-accounts-disabled",
  description:
    "AKS clusters disable local accounts, so the only way in is an Entra ID identity (no static cluster-admin kubeconfig).",
  enforcementLevel: "mandatory",
  severity: "high",
  validateResource: validateResourceOfType(containerservice.ManagedCluster, (mc, _args, reportViolation) => {
    if (read(() => mc.disableLocalAccounts, true) !== true)
      reportViolation("disableLocalAccounts is not true.");
  }),
};

export const aksApiServerAccess: ResourceValidationPolicy = {
  name: "aks-api-server-access",
  description:
    "The AKS API server is private, or public only to authorized IP ranges that do not contain 0.0.0.0/0.",
  enforcementLevel: "mandatory",
  severity: "critical",
  validateResource: validateResourceOfType(containerservice.ManagedCluster, (mc, _args, reportViolation) => {
    if (isUnknown(() => mc.apiServerAccessProfile)) return;
    const access = mc.apiServerAccessProfile;
    if (read(() => access?.enablePrivateCluster, true) === true) return;
    if (isUnknown(() => access?.authorizedIPRanges)) return;
    const ranges = knownStrings(() => access?.authorizedIPRanges);
    if (ranges.length === 0) {
      reportViolation(
        "the API server is public to every address: set enablePrivateCluster or authorizedIPRanges.",
      );
    }
    for (const r of ranges.filter(isOpenCidr)) {
      reportViolation(`authorizedIPRanges contains ${r}: list the networks that may reach the API.`);
    }
  }),
};

export const azurePostgresZoneRedundantHa: ResourceValidationPolicy = {
  name: "azure-postgres-zone-redundant-ha",
  description:
    "PostgreSQL flexible servers run zone-redundant high availability. Advisory: a region may accept a single-zone database (database.zoneRedundant: false).",
  enforcementLevel: "advisory",
  severity: "medium",
  validateResource: validateResourceOfType(dbforpostgresql.Server, (server, _args, reportViolation) => {
    const mode = read(() => server.highAvailability?.mode, "ZoneRedundant");
    if (mode !== "ZoneRedundant")
      reportViolation(`highAvailability.mode is ${mode ?? "not set"}, not ZoneRedundant.`);
  }),
};

export const azurePostgresBackupRetention: ResourceValidationPolicy = {
  name: "azure-postgres-backup-retention",
  description: "PostgreSQL flexible servers keep backups for at least 7 days.",
  enforcementLevel: "mandatory",
  severity: "high",
  configSchema: backupSchema,
  validateResource: validateResourceOfType(dbforpostgresql.Server, (server, args, reportViolation) => {
    const { minRetentionDays } = configOf<{ minRetentionDays: number }>(args, backupSchema);
    if (isUnknown(() => server.backup?.backupRetentionDays)) return;
    // Azure's default is 7 days when unset.
    const days = server.backup?.backupRetentionDays ?? 7;
    if (days < minRetentionDays) {
      reportViolation(
        `backup.backupRetentionDays is ${days}; at least ${minRetentionDays} days are required.`,
      );
    }
  }),
};

export const azurePolicies: (ResourceValidationPolicy | StackValidationPolicy)[] = [
  aksPoolsAcrossZones,
  aksEntraIdRbac,
  aksLocalAccountsDisabled,
  aksApiServerAccess,
  azurePostgresZoneRedundantHa,
  azurePostgresBackupRetention,
];
