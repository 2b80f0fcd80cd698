// The stack configs the config tests use: every rejected config (with the message it must give) and every
/* eslint-disable @typescript-eslint/no-explicit-any -- the cases poke into nested config freely */
// accepted one, built from the shipped stack files. One list, so each test that runs "all rejected configs"
// (messages, no library text, nothing registered by program()) runs the same ones.
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";

export const STACKS = path.join(__dirname, "../../stacks");

/** The project-namespaced keys of a stack file, without the namespace. */
export function stackConfig(file: string): Record<string, unknown> {
  const doc = parse(fs.readFileSync(path.join(STACKS, file), "utf8")) as { config: Record<string, unknown> };
  return Object.fromEntries(
    Object.entries(doc.config)
      .filter(([k]) => k.startsWith("pipeline-service:"))
      .map(([k, v]) => [k.slice("pipeline-service:".length), v]),
  );
}

export const local = () => structuredClone(stackConfig("Pulumi.local-east.yaml"));
export const aws = () => structuredClone(stackConfig("Pulumi.aws-us-east-1.yaml"));
export const awsSecond = () => structuredClone(stackConfig("Pulumi.aws-eu-west-1.yaml"));
export const azure = () => structuredClone(stackConfig("Pulumi.azure-westeurope.yaml"));

/** Text the schema library writes on its own; none of it may reach a user. */
export const LIBRARY_TEXT =
  /Invalid input|Too small|Too big|Invalid (string|option|element|key|union|type|value)|[Rr]eceived|Unrecognized key|expected (string|number|boolean|array|object|int|nonoptional|record)\b|\u0000/;
/** Our form: the config key, its value (or that it is a secret), and what is allowed. */
export const OUR_FORM =
  /^pipeline-service:[^\s"[\]]+(\.[^\s"[\]]+|\[\d+\]|\["([^"\\]|\\.)*"\])*( = .+)?: (expected |unknown key)/;

export type Case = [string, () => Record<string, unknown>, RegExp];
export const set = (base: Record<string, unknown>, f: (c: any) => void) => {
  f(base);
  return base;
};
export const BASIC_CASES: Case[] = [
  [
    "region not a DNS label",
    () => set(local(), (c) => (c.region = "Local_East")),
    /pipeline-service:region = "Local_East": expected a lowercase DNS label/,
  ],
  [
    "unknown top-level key",
    () => set(local(), (c) => (c.regoin = "x")),
    /pipeline-service:regoin: unknown key/,
  ],
  [
    "unknown cluster kind",
    () => set(local(), (c) => (c.cluster = { kind: "gke" })),
    /pipeline-service:cluster.kind = "gke": expected one of "eks" \| "aks" \| "existing"/,
  ],
  [
    "no zones",
    () => set(local(), (c) => (c.zones = [])),
    /pipeline-service:zones = \[\]: expected at least one zone/,
  ],
  [
    "duplicate zones",
    () => set(local(), (c) => (c.zones = ["a", "a"])),
    /pipeline-service:zones = \["a","a"\]: expected distinct zone names/,
  ],
  [
    "EKS with 2 zones",
    () => set(aws(), (c) => (c.zones = ["us-east-1a", "us-east-1b"])),
    /pipeline-service:zones = .*: expected at least 3 zones for a eks cluster/,
  ],
  [
    "bad Kubernetes version",
    () => set(aws(), (c) => (c.cluster.kubernetesVersion = "1.9")),
    /pipeline-service:cluster.kubernetesVersion = "1.9": expected a Kubernetes minor version/,
  ],
  [
    "bad VPC CIDR",
    () => set(aws(), (c) => (c.cluster.vpcCidr = "10.0.0.0/33")),
    /pipeline-service:cluster.vpcCidr = "10.0.0.0\/33": expected an IPv4 CIDR/,
  ],
  [
    "node pool min > desired",
    () => set(aws(), (c) => (c.cluster.nodePools[0].minSize = 5)),
    /pipeline-service:cluster.nodePools\[0\] = .*: expected minSize <= desiredSize <= maxSize/,
  ],
  [
    "bad instance type",
    () => set(aws(), (c) => (c.cluster.nodePools[0].instanceTypes = ["huge"])),
    /pipeline-service:cluster.nodePools\[0\].instanceTypes\[0\] = "huge": expected an EC2 instance type/,
  ],
  [
    "public EKS endpoint open to the world",
    () =>
      set(aws(), (c) =>
        Object.assign(c.cluster, { endpointPublicAccess: true, publicAccessCidrs: ["0.0.0.0/0"] }),
      ),
    /pipeline-service:cluster.publicAccessCidrs = \["0.0.0.0\/0"\]: expected a non-empty allow-list without 0.0.0.0\/0/,
  ],
  [
    "NAT mode misspelt",
    () => set(aws(), (c) => (c.cluster.natGateways = "one")),
    /pipeline-service:cluster.natGateways = "one": expected one of "perZone" \| "single"/,
  ],
  [
    "RDS with 1 day of backups",
    () => set(aws(), (c) => (c.database.backupRetentionDays = 1)),
    /pipeline-service:database.backupRetentionDays = 1: expected at least 7 days of backups/,
  ],
  [
    "RDS on Azure",
    () =>
      set(azure(), (c) => (c.database = { kind: "rds", instanceClass: "db.m6g.large", engineVersion: "16" })),
    /pipeline-service:database.kind = "rds": expected one of azure-postgres, in-cluster(, external)? on aks/,
  ],
  [
    "S3 logs on Azure",
    () => set(azure(), (c) => (c.logs = { kind: "s3" })),
    /pipeline-service:logs.kind = "s3": expected one of pvc on aks \(Tekton Results has no Azure Blob log store\)/,
  ],
  [
    "AKS without admin group",
    () => set(azure(), (c) => (c.cluster.adminGroupObjectIds = [])),
    /pipeline-service:cluster.adminGroupObjectIds = \[\]: expected at least one admin group/,
  ],
  [
    "AKS admin group not a UUID",
    () => set(azure(), (c) => (c.cluster.adminGroupObjectIds = ["admins"])),
    /pipeline-service:cluster.adminGroupObjectIds\[0\] = "admins": expected an Entra ID group object id/,
  ],
  [
    "public AKS without authorized ranges",
    () => set(azure(), (c) => (c.cluster.privateCluster = false)),
    /pipeline-service:cluster.authorizedIpRanges = \(not set\): expected a non-empty allow-list without 0.0.0.0\/0 \(privateCluster is false\)/,
  ],
  [
    "AKS pool name too long",
    () => set(azure(), (c) => (c.cluster.systemPool.name = "systempoolnumberone")),
    /pipeline-service:cluster.systemPool.name = "systempoolnumberone": expected an AKS pool name/,
  ],
  [
    "non-home cloud region without home stack",
    () =>
      set(aws(), (c) => {
        c.home = false;
        delete c.kcp.externalUrl;
      }),
    /pipeline-service:kcp.homeStack = \(not set\): expected a home stack name/,
  ],
  [
    "home cloud region without front-proxy URL",
    () => set(aws(), (c) => delete c.kcp.externalUrl),
    /pipeline-service:kcp.externalUrl = \(not set\): expected the front-proxy URL/,
  ],
  [
    "local profile on EKS",
    () => set(aws(), (c) => (c.profile = "local")),
    /pipeline-service:profile = "local": expected "cloud" \(the local profile needs cluster.kind existing\)/,
  ],
  [
    "Chains format misspelt",
    () => set(local(), (c) => (c.tekton.chains = { taskrunFormat: "slsa" })),
    /pipeline-service:tekton.chains.taskrunFormat = "slsa": expected one of "in-toto"/,
  ],
  [
    "controller QPS out of range",
    () => set(local(), (c) => (c.tekton.pipelines.controllerKubeApiQps = 0)),
    /pipeline-service:tekton.pipelines.controllerKubeApiQps = 0: expected/,
  ],
  [
    "home is a string",
    () => set(local(), (c) => (c.home = "yes")),
    /pipeline-service:home = "yes": expected true or false/,
  ],
  [
    "tenant name not a DNS label",
    () => set(local(), (c) => (c.tenants = [{ name: "team-a" }, { name: "Bad_Name" }])),
    /pipeline-service:tenants\[1\].name = "Bad_Name": expected a lowercase DNS label/,
  ],
  [
    "reserved tenant name",
    () => set(local(), (c) => (c.tenants = [{ name: "tenants" }])),
    /pipeline-service:tenants\[0\].name = "tenants": expected a name other than root, system, tenants, default \(reserved\)/,
  ],
  [
    "duplicate tenant within a stack",
    () => set(local(), (c) => (c.tenants = [{ name: "team-a" }, { name: "team-b" }, { name: "team-a" }])),
    /pipeline-service:tenants\[2\].name = "team-a": expected a name unique within the stack \(tenants\[0\] has it too\)/,
  ],
  [
    "tenant quota not a quantity",
    () => set(local(), (c) => (c.tenants = [{ name: "team-a", quota: { memory: "lots" } }])),
    /pipeline-service:tenants\[0\].quota.memory = "lots": expected a size above zero such as 16Gi, 500M or 1.5Gi/,
  ],
  [
    "tenants without Tekton Pipelines",
    () =>
      set(local(), (c) => {
        c.tenants = [{ name: "team-a" }];
        c.tekton.pipelines.enabled = false;
      }),
    /pipeline-service:tenants = \[\{"name":"team-a"\}\]: expected no tenants while tekton.pipelines.enabled is false/,
  ],
];

/** Every dependent Tekton component off, so Pipelines itself can be switched off. */
const pipelinesOff = (c: Record<string, any>) => {
  c.tekton = {
    pipelines: { enabled: false },
    triggers: { enabled: false },
    results: { enabled: false },
    chains: { enabled: false },
    pipelinesAsCode: { enabled: false },
  };
  c.tenants = [];
};
const tags = (n: number) => Object.fromEntries([...Array(n).keys()].map((i) => [`k${i}`, "v"]));

/** Rules added for issue 13: each rejected config with the key and the rule its message must name. */
export const RULE_CASES: Case[] = [
  // Zones of another region.
  [
    "EKS zones of another region",
    () => set(aws(), (c) => (c.zones = ["eu-west-1a", "eu-west-1b", "eu-west-1c"])),
    /pipeline-service:zones\[0\] = "eu-west-1a": expected an Availability Zone of cluster.region us-east-1/,
  ],
  [
    "EKS zone that is a region name",
    () => set(aws(), (c) => (c.zones = ["us-east-1", "us-east-1b", "us-east-1c"])),
    /pipeline-service:zones\[0\] = "us-east-1": expected an Availability Zone of cluster.region us-east-1/,
  ],
  [
    "AKS zone of another location",
    () => set(azure(), (c) => (c.zones = ["westeurope-1", "westeurope-2", "northeurope-3"])),
    /pipeline-service:zones\[2\] = "northeurope-3": expected a zone of cluster.location westeurope/,
  ],
  [
    "AKS zone 4",
    () => set(azure(), (c) => (c.zones = ["westeurope-1", "westeurope-2", "westeurope-4"])),
    /pipeline-service:zones\[2\] = "westeurope-4": expected a zone of cluster.location westeurope/,
  ],
  // CIDRs.
  [
    "VPC CIDR with host bits",
    () => set(aws(), (c) => (c.cluster.vpcCidr = "10.10.0.1/16")),
    /pipeline-service:cluster.vpcCidr = "10.10.0.1\/16": expected a network address \(host bits are set; did you mean 10.10.0.0\/16\?\)/,
  ],
  [
    "VPC CIDR larger than /16",
    () => set(aws(), (c) => (c.cluster.vpcCidr = "10.0.0.0/12")),
    /pipeline-service:cluster.vpcCidr = "10.0.0.0\/12": expected a prefix from \/16 to \/28/,
  ],
  [
    "VPC CIDR smaller than /28",
    () => set(aws(), (c) => (c.cluster.vpcCidr = "10.0.0.0/29")),
    /pipeline-service:cluster.vpcCidr = "10.0.0.0\/29": expected a prefix from \/16 to \/28/,
  ],
  [
    "VPC CIDR too small for the zones' subnets",
    () => set(aws(), (c) => (c.cluster.vpcCidr = "10.0.0.0/24")),
    /pipeline-service:cluster.vpcCidr = "10.0.0.0\/24": expected a prefix of \/23 or larger for 3 zones/,
  ],
  [
    "VPC CIDR with a leading-zero octet",
    () => set(aws(), (c) => (c.cluster.vpcCidr = "10.010.0.0/16")),
    /pipeline-service:cluster.vpcCidr = "10.010.0.0\/16": expected an IPv4 CIDR/,
  ],
  [
    "public access CIDR with host bits",
    () =>
      set(aws(), (c) =>
        Object.assign(c.cluster, { endpointPublicAccess: true, publicAccessCidrs: ["203.0.113.7/24"] }),
      ),
    /pipeline-service:cluster.publicAccessCidrs\[0\] = "203.0.113.7\/24": expected a network address .*did you mean 203.0.113.0\/24/,
  ],
  [
    "duplicate public access CIDR",
    () =>
      set(aws(), (c) =>
        Object.assign(c.cluster, {
          endpointPublicAccess: true,
          publicAccessCidrs: ["203.0.113.0/24", "198.51.100.0/24", "203.0.113.0/24"],
        }),
      ),
    /pipeline-service:cluster.publicAccessCidrs\[2\] = "203.0.113.0\/24": expected distinct CIDRs \("203.0.113.0\/24" is also entry 0\)/,
  ],
  [
    "41 public access CIDRs",
    () =>
      set(aws(), (c) =>
        Object.assign(c.cluster, {
          endpointPublicAccess: true,
          publicAccessCidrs: [...Array(41).keys()].map((i) => `203.0.${i}.0/24`),
        }),
      ),
    /pipeline-service:cluster.publicAccessCidrs = .*: expected at most 40 CIDRs \(the EKS limit\)/,
  ],
  [
    "public access CIDRs on a private endpoint (ignored)",
    () => set(aws(), (c) => (c.cluster.publicAccessCidrs = ["203.0.113.0/24"])),
    /pipeline-service:cluster.publicAccessCidrs = \["203.0.113.0\/24"\]: expected no value: it has no effect while cluster.endpointPublicAccess is false/,
  ],
  [
    "AKS VNet overlapping the service CIDR",
    () => set(azure(), (c) => (c.cluster.vnetCidr = "172.16.0.0/12")),
    /pipeline-service:cluster.vnetCidr = "172.16.0.0\/12": expected a range overlapping neither the pod CIDR 10.244.0.0\/16 nor the service CIDR 172.16.0.0\/16/,
  ],
  [
    "AKS VNet overlapping the pod CIDR",
    () => set(azure(), (c) => (c.cluster.vnetCidr = "10.240.0.0/12")),
    /pipeline-service:cluster.vnetCidr = "10.240.0.0\/12": expected a range overlapping neither the pod CIDR/,
  ],
  [
    "AKS VNet smaller than /24",
    () => set(azure(), (c) => (c.cluster.vnetCidr = "10.30.0.0/25")),
    /pipeline-service:cluster.vnetCidr = "10.30.0.0\/25": expected a prefix of \/24 or larger/,
  ],
  [
    "AKS VNet with host bits",
    () => set(azure(), (c) => (c.cluster.vnetCidr = "10.30.1.0/16")),
    /pipeline-service:cluster.vnetCidr = "10.30.1.0\/16": expected a network address .*did you mean 10.30.0.0\/16/,
  ],
  [
    "authorized IP ranges on a private AKS cluster (ignored)",
    () => set(azure(), (c) => (c.cluster.authorizedIpRanges = ["203.0.113.0/24"])),
    /pipeline-service:cluster.authorizedIpRanges = \["203.0.113.0\/24"\]: expected no value: it has no effect on a private cluster/,
  ],
  [
    "201 authorized IP ranges",
    () =>
      set(azure(), (c) =>
        Object.assign(c.cluster, {
          privateCluster: false,
          authorizedIpRanges: [...Array(201).keys()].map((i) => `10.${Math.floor(i / 256)}.${i % 256}.0/24`),
        }),
      ),
    /pipeline-service:cluster.authorizedIpRanges = .*: expected at most 200 ranges \(the AKS limit\)/,
  ],
  // Node pools.
  [
    "duplicate EKS node pool names",
    () =>
      set(aws(), (c) =>
        c.cluster.nodePools.push({ ...c.cluster.nodePools[0], instanceTypes: ["m6i.2xlarge"] }),
      ),
    /pipeline-service:cluster.nodePools\[1\].name = "general": expected a pool name unique in the cluster \(nodePools\[0\] has it too\)/,
  ],
  [
    "mixed CPU architectures in one EKS pool",
    () => set(aws(), (c) => (c.cluster.nodePools[0].instanceTypes = ["m6i.xlarge", "m7g.xlarge"])),
    /pipeline-service:cluster.nodePools\[0\].instanceTypes = \["m6i.xlarge","m7g.xlarge"\]: expected instance types of one CPU architecture/,
  ],
  [
    "duplicate instance types",
    () => set(aws(), (c) => (c.cluster.nodePools[0].instanceTypes = ["m6i.xlarge", "m6i.xlarge"])),
    /pipeline-service:cluster.nodePools\[0\].instanceTypes\[1\] = "m6i.xlarge": expected distinct instance types/,
  ],
  [
    "EKS pool that cannot hold a node",
    () =>
      set(aws(), (c) => Object.assign(c.cluster.nodePools[0], { minSize: 0, maxSize: 0, desiredSize: 0 })),
    /pipeline-service:cluster.nodePools\[0\].maxSize = 0: expected at least 1 \(a node group needs room for one node\)/,
  ],
  [
    "EKS disk below 20 GiB",
    () => set(aws(), (c) => (c.cluster.nodePools[0].diskSizeGb = 0)),
    /pipeline-service:cluster.nodePools\[0\].diskSizeGb = 0: expected at least 20/,
  ],
  [
    "AKS user pool named like the system pool",
    () => set(azure(), (c) => (c.cluster.userPools[0].name = "system")),
    /pipeline-service:cluster.userPools\[0\].name = "system": expected a pool name unique in the cluster \(the system pool has it too\)/,
  ],
  [
    "AKS system pool scaling to zero",
    () => set(azure(), (c) => (c.cluster.systemPool.minCount = 0)),
    /pipeline-service:cluster.systemPool.minCount = 0: expected minCount >= 1 \(a system pool cannot scale to zero\)/,
  ],
  [
    "AKS pool above 1000 nodes",
    () => set(azure(), (c) => (c.cluster.userPools[0].maxCount = 1001)),
    /pipeline-service:cluster.userPools\[0\].maxCount = 1001: expected at most 1000/,
  ],
  [
    "duplicate admin group",
    () =>
      set(azure(), (c) => c.cluster.adminGroupObjectIds.push(c.cluster.adminGroupObjectIds[0].toString())),
    /pipeline-service:cluster.adminGroupObjectIds\[1\] = "00000000-0000-4000-8000-000000000001": expected distinct group ids/,
  ],
  [
    "Log Analytics retention below 30 days",
    () => set(azure(), (c) => (c.cluster.logRetentionDays = 7)),
    /pipeline-service:cluster.logRetentionDays = 7: expected at least 30/,
  ],
  // Databases.
  [
    "RDS PostgreSQL 12 (unsupported engine version)",
    () => set(aws(), (c) => (c.database.engineVersion = "12")),
    /pipeline-service:database.engineVersion = "12": expected a PostgreSQL major version RDS supports: 13, 14, 15, 16, 17, 18/,
  ],
  [
    "RDS storage below 20 GiB",
    () => set(aws(), (c) => (c.database.allocatedStorageGb = 0)),
    /pipeline-service:database.allocatedStorageGb = 0: expected at least 20/,
  ],
  [
    "Azure PostgreSQL storage that is not a tier",
    () => set(azure(), (c) => (c.database.storageSizeGb = 100)),
    /pipeline-service:database.storageSizeGb = 100: expected a storage tier in GiB: 32, 64, 128/,
  ],
  [
    "Azure PostgreSQL Burstable SKU with zone-redundant HA",
    () => set(azure(), (c) => (c.database.skuName = "B_Standard_B2s")),
    /pipeline-service:database.zoneRedundant = \(not set\): expected zoneRedundant: false with a Burstable \(B_\) SKU/,
  ],
  [
    "in-cluster database of zero bytes",
    () => set(aws(), (c) => (c.database = { kind: "in-cluster", storageSize: "0Gi" })),
    /pipeline-service:database.storageSize = "0Gi": expected a size above zero/,
  ],
  [
    "in-cluster database size in an unknown unit",
    () => set(aws(), (c) => (c.database = { kind: "in-cluster", storageSize: "10GB" })),
    /pipeline-service:database.storageSize = "10GB": expected a size above zero such as 10Gi/,
  ],
  [
    "storage class that is not a DNS-1123 name",
    () => set(aws(), (c) => (c.database = { kind: "in-cluster", storageClassName: "Fast_SSD" })),
    /pipeline-service:database.storageClassName = "Fast_SSD": expected a DNS-1123 subdomain/,
  ],
  [
    "external database host with an empty label",
    () => set(local(), (c) => (c.database.host = "db..example.com")),
    /pipeline-service:database.host = "db..example.com": expected a host name .* or an IPv4 address/,
  ],
  [
    "external database host with a label of 64 characters",
    () => set(local(), (c) => (c.database.host = `${"a".repeat(64)}.example.com`)),
    /pipeline-service:database.host = .*: expected a host name/,
  ],
  [
    "external database host that is a malformed IPv4 address",
    () => set(local(), (c) => (c.database.host = "10.0.0.300")),
    /pipeline-service:database.host = "10.0.0.300": expected a host name/,
  ],
  [
    "external database host starting with a hyphen",
    () => set(local(), (c) => (c.database.host = "-db.example.com")),
    /pipeline-service:database.host = "-db.example.com": expected a host name/,
  ],
  [
    "external database port 0",
    () => set(local(), (c) => (c.database.port = 0)),
    /pipeline-service:database.port = 0: expected at least 1/,
  ],
  // Logs.
  [
    "PVC logs of zero bytes",
    () => set(local(), (c) => (c.logs.size = "0Mi")),
    /pipeline-service:logs.size = "0Mi": expected a size above zero/,
  ],
  [
    "PVC logs of fractional bytes",
    () => set(local(), (c) => (c.logs.size = "500m")),
    /pipeline-service:logs.size = "500m": expected a size above zero/,
  ],
  [
    "PVC storage class with upper case",
    () => set(local(), (c) => (c.logs.storageClassName = "Standard")),
    /pipeline-service:logs.storageClassName = "Standard": expected a DNS-1123 subdomain/,
  ],
  [
    "S3 log retention of 0 days",
    () => set(aws(), (c) => (c.logs.retentionDays = 0)),
    /pipeline-service:logs.retentionDays = 0: expected at least 1/,
  ],
  // kcp.
  [
    "kcp URL that is not https",
    () => set(aws(), (c) => (c.kcp.externalUrl = "http://kcp.pipelines.example.com")),
    /pipeline-service:kcp.externalUrl = "http:\/\/kcp.pipelines.example.com": expected an https URL \(kcp serves TLS only\)/,
  ],
  [
    "kcp URL with a path",
    () => set(aws(), (c) => (c.kcp.externalUrl = "https://kcp.pipelines.example.com/clusters/root")),
    /pipeline-service:kcp.externalUrl = .*: expected an https URL without path, query, fragment or credentials/,
  ],
  [
    "kcp URL that is not a URL",
    () => set(aws(), (c) => (c.kcp.externalUrl = "kcp.pipelines.example.com")),
    /pipeline-service:kcp.externalUrl = "kcp.pipelines.example.com": expected an https URL such as https:\/\/kcp.example.com/,
  ],
  [
    "reserved shard name",
    () => set(aws(), (c) => (c.kcp.shardName = "root")),
    /pipeline-service:kcp.shardName = "root": expected a name other than root \(kcp's root shard\)/,
  ],
  [
    "homeStack together with home: true (ignored)",
    () => set(aws(), (c) => (c.kcp.homeStack = "organization/pipeline-service/aws-eu-west-1")),
    /pipeline-service:kcp.homeStack = "organization\/pipeline-service\/aws-eu-west-1": expected no value: it has no effect with home: true/,
  ],
  [
    "externalUrl on a non-home region (ignored)",
    () => set(awsSecond(), (c) => (c.kcp.externalUrl = "https://kcp.eu.example.com")),
    /pipeline-service:kcp.externalUrl = "https:\/\/kcp.eu.example.com": expected no value: it has no effect with home: false/,
  ],
  [
    "shardName in the local profile (ignored)",
    () => set(local(), (c) => (c.kcp.shardName = "east")),
    /pipeline-service:kcp.shardName = "east": expected no value: it has no effect in the local profile/,
  ],
  [
    "localEnvFile in the cloud profile (ignored)",
    () => set(aws(), (c) => (c.kcp.localEnvFile = ".local/env.json")),
    /pipeline-service:kcp.localEnvFile = ".local\/env.json": expected no value: it has no effect in the cloud profile/,
  ],
  [
    "local profile without localEnvFile",
    () => set(local(), (c) => delete c.kcp.localEnvFile),
    /pipeline-service:kcp.localEnvFile = \(not set\): expected the local environment description/,
  ],
  // Tekton feature flags and defaults, against the pinned release.
  [
    "mistyped feature flag",
    () => set(local(), (c) => (c.tekton.pipelines.featureFlags = { "enable-api-field": "beta" })),
    /pipeline-service:tekton.pipelines.featureFlags.enable-api-field = "beta": expected a feature flag of Tekton Pipelines v[\d.]+: did you mean "enable-api-fields"\?/,
  ],
  [
    "unknown feature flag",
    () => set(local(), (c) => (c.tekton.pipelines.featureFlags = { "make-it-fast": "true" })),
    /pipeline-service:tekton.pipelines.featureFlags.make-it-fast = "true": expected a feature flag of Tekton Pipelines v[\d.]+: one of await-sidecar-readiness, coschedule/,
  ],
  [
    "feature flag value not among the documented ones",
    () => set(local(), (c) => (c.tekton.pipelines.featureFlags = { "enable-api-fields": "experimental" })),
    /pipeline-service:tekton.pipelines.featureFlags.enable-api-fields = "experimental": expected one of "alpha" \| "beta" \| "stable" \(flag enable-api-fields of Tekton Pipelines/,
  ],
  [
    "boolean feature flag set to yes",
    () => set(local(), (c) => (c.tekton.pipelines.featureFlags = { "enable-step-actions": "yes" })),
    /pipeline-service:tekton.pipelines.featureFlags.enable-step-actions = "yes": expected true or false/,
  ],
  [
    "integer feature flag that is not a number",
    () => set(local(), (c) => (c.tekton.pipelines.featureFlags = { "max-result-size": "4k" })),
    /pipeline-service:tekton.pipelines.featureFlags.max-result-size = "4k": expected a whole number as a string/,
  ],
  [
    "combination flag with an unknown word",
    () => set(local(), (c) => (c.tekton.pipelines.featureFlags = { "disable-inline-spec": "pipeline,job" })),
    /pipeline-service:tekton.pipelines.featureFlags.disable-inline-spec = "pipeline,job": expected a comma-separated combination of pipeline, pipelinerun, taskrun/,
  ],
  [
    "enum feature flag given a boolean",
    () => set(local(), (c) => (c.tekton.pipelines.featureFlags = { coschedule: false })),
    /pipeline-service:tekton.pipelines.featureFlags.coschedule = false: expected a string \(flag coschedule/,
  ],
  [
    "mistyped config-defaults key",
    () => set(local(), (c) => (c.tekton.pipelines.defaults = { "default-timeout-minute": "60" })),
    /pipeline-service:tekton.pipelines.defaults.default-timeout-minute = "60": expected a config-defaults key of Tekton Pipelines v[\d.]+: did you mean "default-timeout-minutes"\?/,
  ],
  [
    "config-defaults timeout that is not a number",
    () => set(local(), (c) => (c.tekton.pipelines.defaults = { "default-timeout-minutes": "1h" })),
    /pipeline-service:tekton.pipelines.defaults.default-timeout-minutes = "1h": expected a whole number as a string/,
  ],
  // Components switched off while dependents are on; settings of components that are off.
  [
    "Triggers on while Pipelines is off",
    () =>
      set(local(), (c) => {
        pipelinesOff(c);
        c.tekton.triggers.enabled = true;
      }),
    /pipeline-service:tekton.triggers.enabled = true: expected false while tekton.pipelines.enabled is false/,
  ],
  [
    "Pipelines off, its dependents left on by default",
    () =>
      set(local(), (c) => {
        c.tenants = [];
        c.tekton = { pipelines: { enabled: false } };
      }),
    /pipeline-service:tekton.results.enabled = \(not set\): expected false while tekton.pipelines.enabled is false .*set tekton.results.enabled: false too/,
  ],
  [
    "feature flags while Pipelines is off (ignored)",
    () =>
      set(local(), (c) => {
        pipelinesOff(c);
        c.tekton.pipelines.featureFlags = { "enable-step-actions": "true" };
      }),
    /pipeline-service:tekton.pipelines.featureFlags = .*: expected no value: it has no effect while tekton.pipelines.enabled is false/,
  ],
  [
    "Results retention while Results is off (ignored)",
    () => set(local(), (c) => (c.tekton.results = { enabled: false, retentionDays: 7 })),
    /pipeline-service:tekton.results.retentionDays = 7: expected no value: it has no effect while tekton.results.enabled is false/,
  ],
  [
    "Chains format while Chains is off (ignored)",
    () => set(local(), (c) => (c.tekton.chains = { enabled: false, taskrunFormat: "slsa/v1" })),
    /pipeline-service:tekton.chains.taskrunFormat = "slsa\/v1": expected no value: it has no effect while tekton.chains.enabled is false/,
  ],
  [
    "PaC host while PaC is off (ignored)",
    () => set(aws(), (c) => (c.tekton.pipelinesAsCode.enabled = false)),
    /pipeline-service:tekton.pipelinesAsCode.ingressHost = "pac.us-east-1.pipelines.example.com": expected no value: it has no effect while tekton.pipelinesAsCode.enabled is false/,
  ],
  [
    "Argo CD HA while gitops is off (ignored)",
    () => set(local(), (c) => (c.gitops = { enabled: false, highAvailability: true })),
    /pipeline-service:gitops.highAvailability = true: expected no value: it has no effect while gitops.enabled is false/,
  ],
  [
    "PaC host with upper case",
    () => set(aws(), (c) => (c.tekton.pipelinesAsCode.ingressHost = "PAC.example.com")),
    /pipeline-service:tekton.pipelinesAsCode.ingressHost = "PAC.example.com": expected a lowercase DNS host name/,
  ],
  [
    "PaC host that is an IP address",
    () => set(aws(), (c) => (c.tekton.pipelinesAsCode.ingressHost = "10.0.0.1")),
    /pipeline-service:tekton.pipelinesAsCode.ingressHost = "10.0.0.1": expected a lowercase DNS host name .*not an IP address/,
  ],
  [
    "PaC host ending in a dot-dot",
    () => set(aws(), (c) => (c.tekton.pipelinesAsCode.ingressHost = "pac..example.com")),
    /pipeline-service:tekton.pipelinesAsCode.ingressHost = "pac..example.com": expected a lowercase DNS host name/,
  ],
  // Tags, per cloud.
  [
    "49 tags on AWS",
    () => set(aws(), (c) => (c.tags = tags(49))),
    /pipeline-service:tags = .*: expected at most 48 tags \(AWS allows 50 per resource; the program adds up to 2\)/,
  ],
  [
    "AWS tag key with the aws: prefix",
    () => set(aws(), (c) => (c.tags["aws:owner"] = "me")),
    /pipeline-service:tags.aws:owner = "me": expected a tag key not starting with aws: \(reserved by AWS\)/,
  ],
  [
    "AWS tag key the program sets itself",
    () => set(aws(), (c) => (c.tags.Name = "cluster")),
    /pipeline-service:tags.Name = "cluster": expected a key the program does not set itself/,
  ],
  [
    "AWS tag key of 129 characters",
    () => set(aws(), (c) => (c.tags["k".repeat(129)] = "v")),
    /pipeline-service:tags.k{129} = "v": expected a tag key of 1-128 letters/,
  ],
  [
    "AWS tag key with a character AWS refuses",
    () => set(aws(), (c) => (c.tags["team#1"] = "v")),
    /pipeline-service:tags.team#1 = "v": expected a tag key of 1-128 letters/,
  ],
  [
    "AWS tag value of 257 characters",
    () => set(aws(), (c) => (c.tags.team = "v".repeat(257))),
    /pipeline-service:tags.team = .*: expected a tag value of at most 256/,
  ],
  [
    "Azure tag name with a slash",
    () => set(azure(), (c) => (c.tags["team/owner"] = "v")),
    /pipeline-service:tags.team\/owner = "v": expected a tag name of 1-512 characters without < > % & \\ \? \/ \(Azure\)/,
  ],
  [
    "Azure tag names differing only in case",
    () => set(azure(), (c) => (c.tags.Team = "other")),
    /pipeline-service:tags.Team = "other": expected a name distinct from "team" \(Azure tag names ignore case\)/,
  ],
  [
    "51 tags on Azure",
    () => set(azure(), (c) => (c.tags = tags(51))),
    /pipeline-service:tags = .*: expected at most 50 tags \(the Azure limit\)/,
  ],
  [
    "tags on an existing cluster (ignored)",
    () => set(local(), (c) => (c.tags = { team: "x" })),
    /pipeline-service:tags = \{"team":"x"\}: expected no tags with cluster.kind existing/,
  ],
  // Tenants: zero sizes.
  [
    "tenant CPU quota of zero",
    () => set(local(), (c) => (c.tenants = [{ name: "team-east", quota: { cpu: "0" } }])),
    /pipeline-service:tenants\[0\].quota.cpu = "0": expected a CPU quantity above zero/,
  ],
  [
    "tenant CPU quota finer than a millicore",
    () => set(local(), (c) => (c.tenants = [{ name: "team-east", quota: { cpu: "0.0005" } }])),
    /pipeline-service:tenants\[0\].quota.cpu = "0.0005": expected a CPU quantity above zero/,
  ],
  [
    "tenant memory quota of zero",
    () => set(local(), (c) => (c.tenants = [{ name: "team-east", quota: { memory: "0Gi" } }])),
    /pipeline-service:tenants\[0\].quota.memory = "0Gi": expected a size above zero/,
  ],
  [
    "tenant pod quota of zero",
    () => set(local(), (c) => (c.tenants = [{ name: "team-east", quota: { pods: 0 } }])),
    /pipeline-service:tenants\[0\].quota.pods = 0: expected at least 1/,
  ],
  [
    "duplicate tenant namespaces",
    () => set(local(), (c) => (c.tenants = [{ name: "team-east", namespaces: ["a", "b", "a"] }])),
    /pipeline-service:tenants\[0\].namespaces\[2\] = "a": expected distinct namespace names/,
  ],
  [
    "a number where a list is expected",
    () => set(aws(), (c) => (c.cluster.nodePools = 3)),
    /pipeline-service:cluster.nodePools = 3: expected a list/,
  ],
  [
    "a required key missing",
    () => set(aws(), (c) => delete c.cluster.kubernetesVersion),
    /pipeline-service:cluster.kubernetesVersion = \(not set\): expected a string \(required\)/,
  ],
  [
    "a fraction where a whole number is expected",
    () => set(aws(), (c) => (c.cluster.nodePools[0].maxSize = 2.5)),
    /pipeline-service:cluster.nodePools\[0\].maxSize = 2.5: expected a whole number/,
  ],
];

/** A homeStack naming this very stack: rejected given the stack's identity. */
export const SELF_HOME: Case = [
  "homeStack pointing at its own stack",
  () => set(awsSecond(), (c) => (c.kcp.homeStack = "organization/pipeline-service/test")),
  /pipeline-service:kcp.homeStack = "organization\/pipeline-service\/test": expected another stack than this one/,
];

/** Every rejected stack file config (region config rules). */
export const REJECTED: Case[] = [...BASIC_CASES, ...RULE_CASES];

/** Configs that were wrongly refused, or are at a limit: each must be accepted. */
export const ACCEPTED: [string, () => Record<string, unknown>][] = [
  [
    "hyphenated instance family",
    () => set(aws(), (c) => (c.cluster.nodePools[0].instanceTypes = ["m7i-flex.large"])),
  ],
  [
    "hyphenated size",
    () => set(aws(), (c) => (c.cluster.nodePools[0].instanceTypes = ["c7i.metal-24xl", "c7i.2xlarge"])),
  ],
  [
    "Graviton pool of several families",
    () =>
      set(aws(), (c) => (c.cluster.nodePools[0].instanceTypes = ["m7g.large", "c6gn.large", "t4g.large"])),
  ],
  [
    "EKS user pool scaling to zero",
    () =>
      set(aws(), (c) =>
        c.cluster.nodePools.push({
          name: "burst",
          instanceTypes: ["c6i.large"],
          minSize: 0,
          maxSize: 10,
          desiredSize: 0,
        }),
      ),
  ],
  ["AKS user pool scaling to zero", () => set(azure(), (c) => (c.cluster.userPools[0].minCount = 0))],
  [
    "Unicode AWS tag keys and values",
    () =>
      set(aws(), (c) =>
        Object.assign(c.tags, { équipe: "plateforme", チーム: "基盤", "cost center": "a+b=c@d" }),
      ),
  ],
  [
    "Unicode Azure tag names",
    () => set(azure(), (c) => Object.assign(c.tags, { équipe: "plateforme", "Kosten:Stelle": "x" })),
  ],
  ["48 AWS tags", () => set(aws(), (c) => (c.tags = { ...tags(46), team: "a", "cost-center": "b" }))],
  ["50 Azure tags", () => set(azure(), (c) => (c.tags = tags(50)))],
  ["PVC logs of 500M", () => set(local(), (c) => (c.logs.size = "500M"))],
  ["PVC logs of 1.5Gi", () => set(local(), (c) => (c.logs.size = "1.5Gi"))],
  [
    "in-cluster database of 10Gi on a named class",
    () =>
      set(aws(), (c) => (c.database = { kind: "in-cluster", storageSize: "10Gi", storageClassName: "gp3" })),
  ],
  [
    "tenant quota in ordinary units",
    () =>
      set(
        local(),
        (c) =>
          (c.tenants = [
            { name: "team-east", quota: { cpu: "1.5", memory: "1.5Gi" } },
            { name: "team-b", quota: { cpu: "500m", memory: "500M" } },
          ]),
      ),
  ],
  ["RDS engine major.minor", () => set(aws(), (c) => (c.database.engineVersion = "16.4"))],
  ["RDS PostgreSQL 13, the oldest supported", () => set(aws(), (c) => (c.database.engineVersion = "13"))],
  ["Azure PostgreSQL storage tier 128", () => set(azure(), (c) => (c.database.storageSizeGb = 128))],
  [
    "Azure PostgreSQL Burstable without HA",
    () => set(azure(), (c) => Object.assign(c.database, { skuName: "B_Standard_B2s", zoneRedundant: false })),
  ],
  ["external database by IPv4 address", () => set(local(), (c) => (c.database.host = "10.1.2.3"))],
  [
    "external database host name with upper case",
    () => set(local(), (c) => (c.database.host = "DB-1.Example.com")),
  ],
  [
    "Entra ID GUID that is not version 4",
    () => set(azure(), (c) => (c.cluster.adminGroupObjectIds = ["0f8fad5b-d9cb-11d0-a765-00a0c91e6bf6"])),
  ],
  ["VPC /16 and /23 (3 zones)", () => set(aws(), (c) => (c.cluster.vpcCidr = "10.0.2.0/23"))],
  ["AKS VNet /24", () => set(azure(), (c) => (c.cluster.vnetCidr = "10.30.0.0/24"))],
  [
    "public EKS endpoint with an allow-list",
    () =>
      set(aws(), (c) =>
        Object.assign(c.cluster, {
          endpointPublicAccess: true,
          publicAccessCidrs: ["203.0.113.0/24", "198.51.100.0/24"],
        }),
      ),
  ],
  [
    "public AKS API server with authorized ranges",
    () =>
      set(azure(), (c) =>
        Object.assign(c.cluster, { privateCluster: false, authorizedIpRanges: ["203.0.113.0/24"] }),
      ),
  ],
  [
    "documented feature flag values",
    () =>
      set(
        local(),
        (c) =>
          (c.tekton.pipelines.featureFlags = {
            "enable-api-fields": "alpha",
            coschedule: "isolate-pipelinerun",
            "disable-inline-spec": "pipeline,taskrun",
            "max-result-size": "8192",
            "keep-pod-on-cancel": true,
            "results-from": "sidecar-logs",
            "trusted-resources-verification-no-match-policy": "warn",
          }),
      ),
  ],
  [
    "config-defaults keys of the release",
    () =>
      set(
        local(),
        (c) =>
          (c.tekton.pipelines.defaults = {
            "default-timeout-minutes": "90",
            "default-service-account": "pipeline",
            "default-maximum-resolution-timeout": "2m",
          }),
      ),
  ],
  ["Pipelines off with every dependent off", () => set(local(), (c) => pipelinesOff(c))],
  ["gitops off", () => set(local(), (c) => (c.gitops = { enabled: false }))],
  ["shard name of a cloud region", () => set(awsSecond(), (c) => (c.kcp.shardName = "eu-west"))],
  [
    "front-proxy URL with a port",
    () => set(aws(), (c) => (c.kcp.externalUrl = "https://kcp.pipelines.example.com:8443")),
  ],
];
