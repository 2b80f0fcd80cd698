// Platform invariants: what makes a stack one failure domain. They look at the whole stack, so they
// are stack policies, except the provider rule, which every resource answers for itself.
import type {
  PolicyConfigSchema,
  PolicyResource,
  ResourceValidationPolicy,
  StackValidationPolicy,
} from "@pulumi/policy";
import {
  FAILURE_DOMAIN_TYPE,
  WORKLOAD_TYPES,
  cannotJudgeYet,
  configOf,
  containersOf,
  judged,
  normalizeRegion,
  parseImage,
  podSpecOf,
  read,
  stackCloudRegion,
  stackKubernetesObjects,
} from "./util";
import type { Container, KubeObject } from "./util";

const PROJECT_PREFIX = "pipeline-service:";

const shardSchema: PolicyConfigSchema = {
  properties: {
    shardType: {
      type: "string",
      default: "pipeline-service:kcp:Shard",
      description: "Type token of the regional kcp shard component.",
    },
  },
};

export const kcpOneShardPerRegion: StackValidationPolicy = {
  name: "kcp-one-shard-per-region",
  description:
    "A region runs exactly one kcp shard: at most one Shard component, and one whenever the stack has any kcp component.",
  enforcementLevel: "mandatory",
  severity: "high",
  configSchema: shardSchema,
  validateStack: (args, reportViolation) => {
    const { shardType } = configOf<{ shardType: string }>(args, shardSchema);
    const shards = args.resources.filter((r) => r.type === shardType);
    const kcp = args.resources.filter((r) => r.type.startsWith(`${PROJECT_PREFIX}kcp:`));
    if (kcp.length === 0) args.notApplicable("no kcp components in this stack");
    if (shards.length > 1) {
      const names = shards.map((s) => s.name).join(", ");
      for (const extra of shards.slice(1)) {
        reportViolation(
          `${shards.length} kcp shards in one region (${names}); a region has exactly one.`,
          extra.urn,
        );
      }
    } else if (shards.length === 0) {
      reportViolation(`the stack has kcp components (${kcp[0].type}) but no ${shardType}.`);
    }
  },
};

export const oneFailureDomainPerStack: StackValidationPolicy = {
  name: "one-failure-domain-per-stack",
  description: `A stack provisions exactly one region: one ${FAILURE_DOMAIN_TYPE} whenever it has any pipeline-service component.`,
  enforcementLevel: "mandatory",
  severity: "high",
  validateStack: (args, reportViolation) => {
    const ours = args.resources.filter((r) => r.type.startsWith(PROJECT_PREFIX));
    if (ours.length === 0) args.notApplicable("no pipeline-service components in this stack");
    const domains = ours.filter((r) => r.type === FAILURE_DOMAIN_TYPE);
    if (domains.length === 0)
      reportViolation(`no ${FAILURE_DOMAIN_TYPE} in a stack with pipeline-service components.`);
    for (const d of domains.slice(1)) {
      reportViolation(`${domains.length} failure domains in one stack; a stack is one region.`, d.urn);
    }
  },
};

const regionSchema: PolicyConfigSchema = {
  properties: {
    cloudRegion: {
      type: "string",
      description:
        "The stack's AWS region or Azure location. Unset: taken from the FailureDomain component's cloudRegion output.",
    },
  },
};

/** AWS resources that live in one region; since v7 each may override its provider's region. */
const AWS_REGIONAL = [
  "aws:eks/cluster:Cluster",
  "aws:eks/nodeGroup:NodeGroup",
  "aws:rds/instance:Instance",
  "aws:rds/cluster:Cluster",
  "aws:s3/bucket:Bucket",
  "aws:s3/bucketV2:BucketV2",
  "aws:kms/key:Key",
  "aws:ec2/vpc:Vpc",
  "aws:ec2/subnet:Subnet",
];

/** Azure resources that carry a location. */
const AZURE_REGIONAL = [
  "azure-native:containerservice:ManagedCluster",
  "azure-native:dbforpostgresql:Server",
  "azure-native:resources:ResourceGroup",
  "azure-native:network:VirtualNetwork",
  "azure-native:storage:StorageAccount",
  "azure-native:operationalinsights:Workspace",
];

/**
 * Where a regional resource is placed: its own region/location, else its provider's; undefined when
 * neither says. `unknown` when a value that decides it is unknown in preview (noted).
 */
function placementOf(r: PolicyResource): { where?: string; unknown: boolean } {
  const prop = r.type.startsWith("aws:") ? "region" : "location";
  if (cannotJudgeYet(`${r.type} ${r.name}: ${prop}`, () => r.props[prop])) return { unknown: true };
  const own: unknown = r.props[prop];
  if (typeof own === "string" && own !== "") return { where: own, unknown: false };
  const provider = r.provider;
  if (!provider) return { unknown: false };
  if (cannotJudgeYet(`provider ${provider.name}: ${prop}`, () => provider.props[prop]))
    return { unknown: true };
  const v: unknown = provider.props[prop];
  return { where: typeof v === "string" && v !== "" ? v : undefined, unknown: false };
}

const NO_REGION = "the stack's cloud region is not known (no cloudRegion config or FailureDomain output)";

export const resourcesInStackRegion: StackValidationPolicy = {
  name: "resources-in-stack-region",
  description:
    "The region's cluster, database, bucket and network are in the stack's own cloud region (their region/location, or their provider's), and AWS subnets sit in zones of that region.",
  enforcementLevel: "mandatory",
  severity: "critical",
  configSchema: regionSchema,
  validateStack: judged((args, reportViolation) => {
    const { cloudRegion } = configOf<{ cloudRegion?: string }>(args, regionSchema);
    const expected = stackCloudRegion(args, cloudRegion);
    if (!expected.region) {
      if (expected.unknown) return; // noted: cannot judge yet
      return args.notApplicable(NO_REGION);
    }
    const want = normalizeRegion(expected.region);
    for (const r of args.resources) {
      if (!AWS_REGIONAL.includes(r.type) && !AZURE_REGIONAL.includes(r.type)) continue;
      const { where, unknown } = placementOf(r);
      if (unknown) continue;
      if (where && normalizeRegion(where) !== want) {
        reportViolation(
          `${r.type} ${r.name} is in ${where}, not in the stack's region ${expected.region}.`,
          r.urn,
        );
        continue;
      }
      if (r.type === "aws:ec2/subnet:Subnet") {
        if (cannotJudgeYet(`subnet ${r.name}: availabilityZone`, () => r.props.availabilityZone)) continue;
        const zone: unknown = r.props.availabilityZone;
        if (typeof zone === "string" && zone !== "" && !normalizeRegion(zone).startsWith(want)) {
          reportViolation(`subnet ${r.name} is in zone ${zone}, outside ${expected.region}.`, r.urn);
        }
      }
    }
  }),
};

export const providersInStackRegion: StackValidationPolicy = {
  name: "providers-in-stack-region",
  description:
    "Every aws provider names the stack's region and no azure-native provider names another location: a provider pointing elsewhere would place the region's resources in another failure domain.",
  enforcementLevel: "mandatory",
  severity: "critical",
  configSchema: regionSchema,
  validateStack: judged((args, reportViolation) => {
    const { cloudRegion } = configOf<{ cloudRegion?: string }>(args, regionSchema);
    const providers = args.resources.filter(
      (r) => r.type === "pulumi:providers:aws" || r.type === "pulumi:providers:azure-native",
    );
    if (providers.length === 0) args.notApplicable("no aws or azure-native providers in this stack");
    const expected = stackCloudRegion(args, cloudRegion);
    if (!expected.region) {
      if (expected.unknown) return; // noted: cannot judge yet
      return args.notApplicable(NO_REGION);
    }
    for (const p of providers) {
      const isAws = p.type === "pulumi:providers:aws";
      const prop = isAws ? "region" : "location";
      if (cannotJudgeYet(`provider ${p.name}: ${prop}`, () => p.props[prop])) continue;
      const v: unknown = p.props[prop];
      if (typeof v !== "string" || v === "") {
        // An aws provider without a region takes AWS_REGION from whoever runs the update.
        if (isAws)
          reportViolation(
            `aws provider ${p.name} sets no region (it would use the ambient AWS_REGION).`,
            p.urn,
          );
        continue;
      }
      if (normalizeRegion(v) !== normalizeRegion(expected.region)) {
        reportViolation(
          `provider ${p.name} points at ${v}, not at the stack's region ${expected.region}.`,
          p.urn,
        );
      }
    }
  }),
};

const STATEFUL_TYPES = [
  "aws:rds/instance:Instance",
  "aws:rds/cluster:Cluster",
  "aws:s3/bucket:Bucket",
  "aws:s3/bucketV2:BucketV2",
  "aws:kms/key:Key",
  "azure-native:dbforpostgresql:Server",
  "kubernetes:core/v1:PersistentVolumeClaim",
];

const protectSchema: PolicyConfigSchema = {
  properties: {
    extraTypes: {
      type: "array",
      items: { type: "string" },
      default: [],
      description: "More type tokens whose resources must be protected.",
    },
  },
};

/** An in-cluster PostgreSQL: a StatefulSet running a postgres image (unknown images are noted). */
function isPostgresStatefulSet(r: PolicyResource): boolean {
  if (r.type !== "kubernetes:apps/v1:StatefulSet") return false;
  const spec = podSpecOf(r.type, r.props, `${r.type} ${r.name}`);
  if (!spec) return false;
  return containersOf(spec, ["containers"], `${r.type} ${r.name}`).some((c) => {
    if (cannotJudgeYet(`${r.type} ${r.name}: image`, () => c.image)) return false;
    const image: unknown = c.image;
    if (typeof image !== "string") return false;
    // library/postgres, bitnami/postgresql, cloudnative-pg/postgresql, …
    return /^postgres(ql)?$/.test(parseImage(image).repository.split("/").pop() ?? "");
  });
}

export const statefulResourcesProtected: StackValidationPolicy = {
  name: "stateful-resources-protected",
  description:
    "Resources that hold data (RDS, Azure PostgreSQL, S3 buckets, KMS keys, PVCs, an in-cluster PostgreSQL StatefulSet) have protect set, so no update or destroy deletes them by accident. Not applicable to local-profile regions (FailureDomain output profile: local).",
  enforcementLevel: "mandatory",
  severity: "critical",
  configSchema: protectSchema,
  validateStack: judged((args, reportViolation) => {
    const { extraTypes } = configOf<{ extraTypes: string[] }>(args, protectSchema);
    // Local regions run with protect off on purpose, so `pulumi destroy` leaves a clean machine.
    const domain = args.resources.find((r) => r.type === FAILURE_DOMAIN_TYPE);
    if (domain && cannotJudgeYet(`${domain.name}: profile`, () => domain.props.profile)) return;
    if (domain && domain.props.profile === "local") {
      args.notApplicable("local profile: protect is off so `pulumi destroy` can clean up");
      return;
    }
    const stateful = args.resources.filter(
      (r) => STATEFUL_TYPES.includes(r.type) || extraTypes.includes(r.type) || isPostgresStatefulSet(r),
    );
    if (stateful.length === 0) args.notApplicable("no stateful resources in this stack");
    for (const r of stateful) {
      if (r.opts.protect !== true) reportViolation(`${r.type} ${r.name} is not protected.`, r.urn);
    }
  }),
};

const tektonSchema: PolicyConfigSchema = {
  properties: {
    registries: {
      type: "array",
      items: { type: "string" },
      default: ["ghcr.io/tektoncd/", "gcr.io/tekton-releases/"],
      description: "Image name prefixes that hold Tekton release images.",
    },
  },
};

const RELEASE_TAG = /^v\d+\.\d+\.\d+$/;

/** Every string of a container that may name an image: image, args, command and env values (unknowns noted). */
function imageStrings(c: Container, who: string): string[] {
  const out: string[] = [];
  const push = (what: string, f: () => unknown) => {
    if (cannotJudgeYet(`${who}: ${what}`, f)) return;
    const v = f();
    if (typeof v === "string") out.push(v);
  };
  push("image", () => c.image);
  for (const field of ["args", "command"] as const) {
    if (cannotJudgeYet(`${who}: ${field}`, () => c[field]?.length)) continue;
    const list = c[field] ?? [];
    for (let i = 0; i < list.length; i++) push(`${field}[${i}]`, () => list[i]);
  }
  if (cannotJudgeYet(`${who}: env`, () => c.env?.length)) return out;
  const env = c.env ?? [];
  for (let i = 0; i < env.length; i++) push(`env[${i}].value`, () => env[i].value);
  return out;
}

/** Where to report an object: its own resource, or the ConfigGroup whose objs hold it. */
function where(o: KubeObject): string {
  return o.inConfigGroup ? `${o.key} (in a ConfigGroup's objs)` : o.key;
}

export const tektonImagesPinned: StackValidationPolicy = {
  name: "tekton-images-pinned",
  description:
    "Tekton images (ghcr.io/tektoncd/…, in containers and in controller arguments such as -entrypoint-image, of Deployments and of the objects in yaml/v2 ConfigGroups) carry a vX.Y.Z release tag, and each Tekton component runs one version.",
  enforcementLevel: "mandatory",
  severity: "high",
  configSchema: tektonSchema,
  validateStack: judged((args, reportViolation) => {
    const { registries } = configOf<{ registries: string[] }>(args, tektonSchema);
    const pattern = new RegExp(
      `(?:${registries.map((r) => r.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|")})[^\\s"',=]+`,
      "g",
    );
    // component (e.g. "tektoncd/pipeline") -> tag -> first object using it
    const versions = new Map<string, Map<string, KubeObject>>();
    let seen = 0;
    const { objects, unknown } = stackKubernetesObjects(args.resources);
    for (const o of objects) {
      if (!WORKLOAD_TYPES.includes(o.type)) continue;
      const spec = podSpecOf(o.type, o.props, o.key);
      if (!spec) continue;
      for (const c of containersOf(spec, undefined, o.key)) {
        for (const s of imageStrings(c, `${o.key} container ${read(() => c.name) ?? "?"}`)) {
          for (const ref of s.match(pattern) ?? []) {
            seen++;
            const img = parseImage(ref);
            if (!img.tag || !RELEASE_TAG.test(img.tag)) {
              reportViolation(`${where(o)}: ${ref} is not pinned to a vX.Y.Z release tag.`, o.urn);
              continue;
            }
            const component = img.repository.split("/").slice(0, 2).join("/");
            const tags = versions.get(component) ?? new Map<string, KubeObject>();
            if (!tags.has(img.tag)) tags.set(img.tag, o);
            versions.set(component, tags);
          }
        }
      }
    }
    if (seen === 0 && !unknown) args.notApplicable("no Tekton images in this stack");
    for (const [component, tags] of versions) {
      if (tags.size > 1) {
        const list = [...tags.entries()].map(([t, o]) => `${t} (${o.key})`).join(", ");
        reportViolation(`${component} runs ${tags.size} versions: ${list}.`, [...tags.values()][1].urn);
      }
    }
  }),
};

const providersSchema: PolicyConfigSchema = {
  properties: {
    packages: {
      type: "array",
      items: { type: "string" },
      default: ["aws", "azure-native", "kubernetes"],
      description: "Packages whose resources must name an explicit provider.",
    },
  },
};

export const explicitProviders: ResourceValidationPolicy = {
  name: "explicit-providers",
  description:
    "aws, azure-native and kubernetes resources use an explicit provider, never the default one, which would take its region, credentials or kubeconfig from whoever runs the update.",
  enforcementLevel: "mandatory",
  severity: "critical",
  configSchema: providersSchema,
  validateResource: (args, reportViolation) => {
    const { packages } = configOf<{ packages: string[] }>(args, providersSchema);
    const pkg = args.type.slice(0, args.type.indexOf(":"));
    if (!packages.includes(pkg)) args.notApplicable(`not a resource of ${packages.join(", ")}`);
    // The engine names default providers "default" or "default_<version>", e.g. default_7_47_0.
    const provider = args.provider;
    if (provider && /^default(_\d+_\d+_\d+.*)?$/.test(provider.name)) {
      reportViolation(
        `${args.name} uses the default ${pkg} provider (${provider.name}); pass one explicitly.`,
      );
    }
  },
};

export const platformPolicies: (ResourceValidationPolicy | StackValidationPolicy)[] = [
  kcpOneShardPerRegion,
  oneFailureDomainPerStack,
  resourcesInStackRegion,
  providersInStackRegion,
  statefulResourcesProtected,
  tektonImagesPinned,
  explicitProviders,
];
