// The region config a FailureDomain takes: what it reads, declared here so components never import the
// program entry. infra/config.ts validates stack config into its own (zod) type and tsc checks that type
// fits this one, so a key added there that the components read must be declared here first.
import type { AksClusterConfig } from "./cluster/aks";
import type { EksClusterConfig } from "./cluster/eks";
import type { ExistingClusterConfig } from "./cluster/existing";
import type { AzurePostgresArgs } from "./data/azure-postgres";
import type { Profile } from "./local-profile";
import type { ChainsFormat, ChainsStorage } from "./tekton/chains";
import type { TenantQuota } from "./tenancy/tenant";

export type RegionClusterConfig =
  | ({ kind: "eks" } & EksClusterConfig)
  // The database subnet is carved from the VNet before the cluster exists, so the CIDR is resolved here.
  | ({ kind: "aks"; vnetCidr: string } & AksClusterConfig)
  | ({ kind: "existing" } & ExistingClusterConfig);

export type RegionDatabaseConfig =
  | {
      kind: "rds";
      instanceClass: string;
      engineVersion: string;
      allocatedStorageGb: number;
      backupRetentionDays: number;
      multiAz: boolean;
    }
  | {
      kind: "azure-postgres";
      skuName: string;
      version: AzurePostgresArgs["version"];
      storageSizeGb: number;
      backupRetentionDays: number;
      zoneRedundant: boolean;
    }
  | { kind: "in-cluster"; storageSize?: string; storageClassName?: string }
  | {
      kind: "external";
      host: string;
      port: number;
      database: string;
      user: string;
      sslmode: "disable" | "require" | "verify-ca" | "verify-full";
    };

export type RegionLogsConfig =
  { kind: "s3"; retentionDays: number } | { kind: "pvc"; size?: string; storageClassName?: string };

export interface RegionKcpConfig {
  /** @default the region name */
  shardName?: string;
  /** Home region: the front-proxy URL clients use. */
  externalUrl?: string;
  /** Home region: the zone externalUrl's record is written into. */
  dnsZone?: { name: string; route53ZoneId?: string; azureResourceGroup?: string };
  loadBalancers: "internal" | "internet-facing";
  /** Non-home regions: the stack that owns the kcp root (org/project/stack). */
  homeStack?: string;
  /** Home region: the other regions' stacks whose shard requests it signs. */
  regionStacks: string[];
}

export interface RegionTektonConfig {
  pipelines: {
    enabled: boolean;
    version: string;
    featureFlags: Record<string, string | boolean>;
    defaults: Record<string, string>;
    controllerThreadsPerController: number;
    controllerKubeApiQps: number;
    controllerKubeApiBurst: number;
  };
  triggers: { enabled: boolean };
  results: { enabled: boolean; retentionDays: number; tlsValidityHours: number };
  chains: { enabled: boolean; taskrunFormat: ChainsFormat; storage: ChainsStorage };
  pipelinesAsCode: {
    enabled: boolean;
    ingressHost?: string;
    ingressClassName?: string;
    tlsSecretName: string;
  };
}

export interface RegionConfig {
  /** The failure domain's name, also its kcp shard's region label. */
  region: string;
  /** Hosts the kcp root shard, cache server and front-proxy. */
  home: boolean;
  zones: string[];
  tags: Record<string, string>;
  profile: Profile;
  /** Protects the stateful leaves (databases, buckets, volumes, etcd), nothing else. */
  protect: boolean;
  cluster: RegionClusterConfig;
  database: RegionDatabaseConfig;
  logs: RegionLogsConfig;
  kcp: RegionKcpConfig;
  tekton: RegionTektonConfig;
  gitops: { enabled: boolean; highAvailability: boolean };
  tenants: { name: string; namespaces: string[]; quota: TenantQuota }[];
}
