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
import { cannotJudgeYet, configOf, isOpenCidr, judgeStrings, judged, read } from "./util";

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
  const list = judgeStrings(`node pool ${pool}: availabilityZones`, zones);
  if (!list) return;
  const n = list.values.length;
  if (n < minZones && list.complete) {
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
    judged(
      validateResourceOfType(containerservice.ManagedCluster, (mc, args, reportViolation) => {
        const { minZones } = configOf<{ minZones: number }>(args, zonesSchema);
        if (cannotJudgeYet("agentPoolProfiles", () => mc.agentPoolProfiles?.length)) return;
        const pools = mc.agentPoolProfiles ?? [];
        for (let i = 0; i < pools.length; i++) {
          if (cannotJudgeYet(`agentPoolProfiles[${i}]`, () => pools[i])) continue;
          const name = read(() => pools[i].name) ?? `#${i}`;
          checkPoolZones(name, () => pools[i].availabilityZones, minZones, reportViolation);
        }
      }),
    ),
    judged(
      validateResourceOfType(containerservice.AgentPool, (pool, args, reportViolation) => {
        const { minZones } = configOf<{ minZones: number }>(args, zonesSchema);
        const name = read(() => pool.agentPoolName) ?? args.name;
        checkPoolZones(name, () => pool.availabilityZones, minZones, reportViolation);
      }),
    ),
  ],
};

export const aksEntraIdRbac: ResourceValidationPolicy = {
  name: "aks-entra-id-rbac",
  description:
    "AKS clusters authenticate with Entra ID and authorize with Azure RBAC (aadProfile.managed and aadProfile.enableAzureRBAC).",
  enforcementLevel: "mandatory",
  severity: "high",
  validateResource: judged(
    validateResourceOfType(containerservice.ManagedCluster, (mc, _args, reportViolation) => {
      if (cannotJudgeYet("aadProfile", () => mc.aadProfile)) return;
      const aad = mc.aadProfile;
      if (!aad) {
        reportViolation("aadProfile is not set: the cluster does not use Entra ID.");
        return;
      }
      if (!cannotJudgeYet("aadProfile.managed", () => aad.managed) && aad.managed !== true)
        reportViolation("aadProfile.managed is not true.");
      if (
        !cannotJudgeYet("aadProfile.enableAzureRBAC", () => aad.enableAzureRBAC) &&
        aad.enableAzureRBAC !== true
      )
        reportViolation("aadProfile.enableAzureRBAC is not true.");
    }),
  ),
};

export const aksLocalAccountsDisabled: ResourceValidationPolicy = {
  name: "aks-local-accounts-disabled",
  description:
    "AKS clusters disable local accounts, so the only way in is an Entra ID identity (no static cluster-admin kubeconfig).",
  enforcementLevel: "mandatory",
  severity: "high",
  validateResource: judged(
    validateResourceOfType(containerservice.ManagedCluster, (mc, _args, reportViolation) => {
      if (cannotJudgeYet("disableLocalAccounts", () => mc.disableLocalAccounts)) return;
      if (mc.disableLocalAccounts !== true) reportViolation("disableLocalAccounts is not true.");
    }),
  ),
};

export const aksApiServerAccess: ResourceValidationPolicy = {
  name: "aks-api-server-access",
  description:
    "The AKS API server is private, or public only to authorized IP ranges that do not contain 0.0.0.0/0.",
  enforcementLevel: "mandatory",
  severity: "critical",
  validateResource: judged(
    validateResourceOfType(containerservice.ManagedCluster, (mc, _args, reportViolation) => {
      if (cannotJudgeYet("apiServerAccessProfile", () => mc.apiServerAccessProfile)) return;
      const access = mc.apiServerAccessProfile;
      if (cannotJudgeYet("apiServerAccessProfile.enablePrivateCluster", () => access?.enablePrivateCluster))
        return;
      if (access?.enablePrivateCluster === true) return;
      const ranges = judgeStrings(
        "apiServerAccessProfile.authorizedIPRanges",
        () => access?.authorizedIPRanges,
      );
      if (!ranges) return;
      if (ranges.values.length === 0 && ranges.complete) {
        reportViolation(
          "the API server is public to every address: set enablePrivateCluster or authorizedIPRanges.",
        );
      }
      for (const r of ranges.values.filter(isOpenCidr)) {
        reportViolation(`authorizedIPRanges contains ${r}: list the networks that may reach the API.`);
      }
    }),
  ),
};

export const azurePostgresZoneRedundantHa: ResourceValidationPolicy = {
  name: "azure-postgres-zone-redundant-ha",
  description:
    "PostgreSQL flexible servers run zone-redundant high availability. Advisory: a region may accept a single-zone database (database.zoneRedundant: false).",
  enforcementLevel: "advisory",
  severity: "medium",
  validateResource: judged(
    validateResourceOfType(dbforpostgresql.Server, (server, _args, reportViolation) => {
      if (cannotJudgeYet("highAvailability.mode", () => server.highAvailability?.mode)) return;
      const mode = server.highAvailability?.mode;
      if (mode !== "ZoneRedundant")
        reportViolation(`highAvailability.mode is ${mode ?? "not set"}, not ZoneRedundant.`);
    }),
  ),
};

export const azurePostgresBackupRetention: ResourceValidationPolicy = {
  name: "azure-postgres-backup-retention",
  description: "PostgreSQL flexible servers keep backups for at least 7 days.",
  enforcementLevel: "mandatory",
  severity: "high",
  configSchema: backupSchema,
  validateResource: judged(
    validateResourceOfType(dbforpostgresql.Server, (server, args, reportViolation) => {
      const { minRetentionDays } = configOf<{ minRetentionDays: number }>(args, backupSchema);
      if (cannotJudgeYet("backup.backupRetentionDays", () => server.backup?.backupRetentionDays)) return;
      // Azure's default is 7 days when unset.
      const days = server.backup?.backupRetentionDays ?? 7;
      if (days < minRetentionDays) {
        reportViolation(
          `backup.backupRetentionDays is ${days}; at least ${minRetentionDays} days are required.`,
        );
      }
    }),
  ),
};

export const azurePolicies: (ResourceValidationPolicy | StackValidationPolicy)[] = [
  aksPoolsAcrossZones,
  aksEntraIdRbac,
  aksLocalAccountsDisabled,
  aksApiServerAccess,
  azurePostgresZoneRedundantHa,
  azurePostgresBackupRetention,
];
