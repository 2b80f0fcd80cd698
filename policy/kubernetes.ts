// Kubernetes policies for workloads and namespaces. They match on type tokens, so they apply as
// well to the objects of a yaml.v2.ConfigGroup (its children register as ordinary resources such as
// "kubernetes:apps/v1:Deployment") as to resources built with @pulumi/kubernetes classes.
import * as corev1 from "@pulumi/kubernetes/core/v1";
import { validateResourceOfType } from "@pulumi/policy";
import type {
  PolicyConfigSchema,
  PolicyResource,
  ReportViolation,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationPolicy,
} from "@pulumi/policy";
import {
  CONTROLLER_TYPES,
  WORKLOAD_TYPES,
  configOf,
  containersOf,
  imageName,
  isExempt,
  isUnknown,
  objectKey,
  parseImage,
  podSpecOf,
  read,
} from "./util";
import type { Container, PodSpec } from "./util";

const exemptionsProperty = {
  type: "array" as const,
  items: { type: "string" as const },
  default: [],
  description:
    'Objects this rule does not apply to, as "Kind/namespace/name" or "namespace/name"; "*" matches anything (e.g. "DaemonSet/kube-system/*").',
};

const exemptionsSchema: PolicyConfigSchema = { properties: { exemptions: exemptionsProperty } };

/** Runs `check` on the pod spec of a workload that is not exempt; other types are not applicable. */
function forWorkload(
  types: readonly string[],
  schema: PolicyConfigSchema | undefined,
  check: (spec: PodSpec, key: string, args: ResourceValidationArgs, report: ReportViolation) => void,
) {
  return (args: ResourceValidationArgs, reportViolation: ReportViolation): void => {
    if (!types.includes(args.type)) args.notApplicable("not a pod-bearing workload");
    const key = objectKey(args.type, args.props, args.name);
    if (schema) {
      const { exemptions } = configOf<{ exemptions: string[] }>(args, schema);
      if (isExempt(key, exemptions)) args.notApplicable(`${key} is exempt`);
    }
    const spec = podSpecOf(args.type, args.props);
    if (spec) check(spec, key, args, reportViolation);
  };
}

function containerName(c: Container, i: number): string {
  return read(() => c.name) ?? `#${i}`;
}

export const k8sImagePinned: ResourceValidationPolicy = {
  name: "k8s-image-pinned",
  description:
    "Container images carry an explicit tag other than latest, or a digest: what runs is what was reviewed, and a restart cannot pull something new.",
  enforcementLevel: "mandatory",
  severity: "high",
  validateResource: forWorkload(WORKLOAD_TYPES, undefined, (spec, key, _args, report) => {
    containersOf(spec).forEach((c, i) => {
      const image = read(() => c.image);
      if (typeof image !== "string" || image === "") return;
      const ref = parseImage(image);
      if (ref.digest) return;
      if (!ref.tag)
        report(`${key} container ${containerName(c, i)}: image ${image} has no tag (means latest).`);
      else if (ref.tag === "latest")
        report(`${key} container ${containerName(c, i)}: image ${image} uses :latest.`);
    });
  }),
};

const registriesSchema: PolicyConfigSchema = {
  properties: {
    allowedPrefixes: {
      type: "array",
      items: { type: "string" },
      default: [
        "ghcr.io/tektoncd/",
        "quay.io/argoproj/",
        "ghcr.io/dexidp/",
        "public.ecr.aws/docker/library/",
        "docker.io/library/",
        "docker.io/bitnami/",
        "cgr.dev/chainguard/",
        "mcr.microsoft.com/powershell",
        "registry.k8s.io/",
        "ghcr.io/kcp-dev/",
      ],
      description:
        "Image name prefixes (registry/repository, images without a registry count as docker.io) that workloads may pull.",
    },
    exemptions: exemptionsProperty,
  },
};

export const k8sAllowedRegistries: ResourceValidationPolicy = {
  name: "k8s-allowed-registries",
  description:
    "Container images come from the registries the platform mirrors (Tekton, Argo CD, kcp and their dependencies). Advisory: a team may add a registry in the policy config.",
  enforcementLevel: "advisory",
  severity: "medium",
  configSchema: registriesSchema,
  validateResource: forWorkload(WORKLOAD_TYPES, registriesSchema, (spec, key, args, report) => {
    const { allowedPrefixes } = configOf<{ allowedPrefixes: string[] }>(args, registriesSchema);
    containersOf(spec).forEach((c, i) => {
      const image = read(() => c.image);
      if (typeof image !== "string" || image === "") return;
      const name = imageName(parseImage(image));
      if (!allowedPrefixes.some((p) => name.startsWith(p))) {
        report(`${key} container ${containerName(c, i)}: ${name} is not under an allowed registry prefix.`);
      }
    });
  }),
};

const resourcesSchema: PolicyConfigSchema = {
  properties: {
    requests: {
      type: "array",
      items: { type: "string" },
      default: ["cpu", "memory"],
      description: "Resource names every container must request.",
    },
    limits: {
      type: "array",
      items: { type: "string" },
      // No CPU limit by default: it throttles latency-sensitive controllers and webhooks.
      default: ["memory"],
      description: "Resource names every container must limit.",
    },
    exemptions: exemptionsProperty,
  },
};

export const k8sContainerResources: ResourceValidationPolicy = {
  name: "k8s-container-resources",
  description:
    "Containers of Deployments, StatefulSets and DaemonSets declare CPU and memory requests and a memory limit. Advisory: most upstream Tekton and Argo CD release manifests ship without them, so this reports rather than blocks until the components patch them in.",
  enforcementLevel: "advisory",
  severity: "medium",
  configSchema: resourcesSchema,
  validateResource: forWorkload(CONTROLLER_TYPES, resourcesSchema, (spec, key, args, report) => {
    const cfg = configOf<{ requests: string[]; limits: string[] }>(args, resourcesSchema);
    // Ephemeral (debug) containers cannot declare resources.
    containersOf(spec, ["containers", "initContainers"]).forEach((c, i) => {
      if (isUnknown(() => c.resources)) return;
      const requests = read(() => c.resources?.requests) ?? {};
      const limits = read(() => c.resources?.limits) ?? {};
      const missing = [
        ...cfg.requests.filter((r) => !(r in requests)).map((r) => `requests.${r}`),
        ...cfg.limits.filter((r) => !(r in limits)).map((r) => `limits.${r}`),
      ];
      if (missing.length > 0)
        report(`${key} container ${containerName(c, i)}: missing ${missing.join(", ")}.`);
    });
  }),
};

export const k8sNoPrivileged: ResourceValidationPolicy = {
  name: "k8s-no-privileged",
  description: "No container runs privileged (securityContext.privileged): it would own the node.",
  enforcementLevel: "mandatory",
  severity: "critical",
  configSchema: exemptionsSchema,
  validateResource: forWorkload(WORKLOAD_TYPES, exemptionsSchema, (spec, key, _args, report) => {
    containersOf(spec).forEach((c, i) => {
      if (read(() => c.securityContext?.privileged) === true) {
        report(`${key} container ${containerName(c, i)} is privileged.`);
      }
    });
  }),
};

export const k8sNoHostPath: ResourceValidationPolicy = {
  name: "k8s-no-host-path",
  description: "No pod mounts a hostPath volume: it reads or writes the node's file system.",
  enforcementLevel: "mandatory",
  severity: "critical",
  configSchema: exemptionsSchema,
  validateResource: forWorkload(WORKLOAD_TYPES, exemptionsSchema, (spec, key, _args, report) => {
    const volumes = read(() => spec.volumes) ?? [];
    for (let i = 0; i < read(() => volumes.length, 0); i++) {
      if (read(() => volumes[i].hostPath) !== undefined) {
        report(`${key}: volume ${read(() => volumes[i].name) ?? `#${i}`} is a hostPath volume.`);
      }
    }
  }),
};

export const k8sNoHostNamespaces: ResourceValidationPolicy = {
  name: "k8s-no-host-namespaces",
  description: "No pod shares the node's network, PID or IPC namespace (hostNetwork, hostPID, hostIPC).",
  enforcementLevel: "mandatory",
  severity: "critical",
  configSchema: exemptionsSchema,
  validateResource: forWorkload(WORKLOAD_TYPES, exemptionsSchema, (spec, key, _args, report) => {
    for (const field of ["hostNetwork", "hostPID", "hostIPC"] as const) {
      if (read(() => spec[field]) === true) report(`${key}: ${field} is true.`);
    }
  }),
};

interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

/** Kubernetes label-selector semantics; an empty selector matches everything, as in the API. */
export function selectorMatches(selector: LabelSelector, labels: Record<string, string>): boolean {
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of selector.matchExpressions ?? []) {
    const has = e.key in labels;
    const inValues = has && (e.values ?? []).includes(labels[e.key]);
    const ok =
      e.operator === "In"
        ? inValues
        : e.operator === "NotIn"
          ? !inValues
          : e.operator === "Exists"
            ? has
            : e.operator === "DoesNotExist"
              ? !has
              : false;
    if (!ok) return false;
  }
  return true;
}

const pdbSchema: PolicyConfigSchema = {
  properties: {
    minReplicas: {
      type: "integer",
      minimum: 2,
      default: 2,
      description: "Controllers with at least this many replicas need a PodDisruptionBudget.",
    },
    exemptions: exemptionsProperty,
  },
};

const PDB = "kubernetes:policy/v1:PodDisruptionBudget";

function namespaceOf(r: PolicyResource): string {
  return read(() => (r.props.metadata as { namespace?: string } | undefined)?.namespace) ?? "default";
}

export const k8sPdbForReplicatedWorkloads: StackValidationPolicy = {
  name: "k8s-pdb-for-replicated-workloads",
  description:
    "Deployments and StatefulSets with 2 or more replicas have a PodDisruptionBudget selecting their pods, so node drains keep them available. Advisory: the team decides which services need it.",
  enforcementLevel: "advisory",
  severity: "medium",
  configSchema: pdbSchema,
  validateStack: (args, reportViolation) => {
    const cfg = configOf<{ minReplicas: number; exemptions: string[] }>(args, pdbSchema);
    const workloads = args.resources.filter(
      (r) => r.type === "kubernetes:apps/v1:Deployment" || r.type === "kubernetes:apps/v1:StatefulSet",
    );
    if (workloads.length === 0) args.notApplicable("no Deployments or StatefulSets in this stack");
    const pdbs = args.resources.filter((r) => r.type === PDB);
    for (const w of workloads) {
      const replicas = read(() => (w.props.spec as { replicas?: number } | undefined)?.replicas, -1) ?? 1;
      if (replicas < cfg.minReplicas) continue; // -1: unknown in preview
      const key = objectKey(w.type, w.props, w.name);
      if (isExempt(key, cfg.exemptions)) continue;
      const labels =
        read(
          () =>
            (w.props.spec as { template?: { metadata?: { labels?: Record<string, string> } } })?.template
              ?.metadata?.labels,
        ) ?? {};
      const ns = namespaceOf(w);
      const covered = pdbs.some((p) => {
        if (namespaceOf(p) !== ns) return false;
        const selector = read(() => (p.props.spec as { selector?: LabelSelector } | undefined)?.selector, {});
        return (
          selector !== undefined && selector !== null && read(() => selectorMatches(selector, labels), true)
        );
      });
      if (!covered) {
        reportViolation(
          `${key} runs ${replicas} replicas without a PodDisruptionBudget selecting its pods.`,
          w.urn,
        );
      }
    }
  },
};

const POD_SECURITY_LABEL = "pod-security.kubernetes.io/enforce";

const namespaceSchema: PolicyConfigSchema = {
  properties: {
    allowedLevels: {
      type: "array",
      items: { type: "string", enum: ["privileged", "baseline", "restricted"] },
      default: ["baseline", "restricted"],
      description: `Values the ${POD_SECURITY_LABEL} label may take.`,
    },
    exemptNamespaces: {
      type: "array",
      items: { type: "string" },
      default: [],
      description: "Namespace names this rule does not apply to.",
    },
  },
};

export const k8sNamespacePodSecurity: ResourceValidationPolicy = {
  name: "k8s-namespace-pod-security",
  description: `Namespaces set the Pod Security Admission label ${POD_SECURITY_LABEL} to baseline or restricted, so the API server rejects privileged pods there.`,
  enforcementLevel: "mandatory",
  severity: "high",
  configSchema: namespaceSchema,
  validateResource: validateResourceOfType(corev1.Namespace, (ns, args, reportViolation) => {
    const cfg = configOf<{ allowedLevels: string[]; exemptNamespaces: string[] }>(args, namespaceSchema);
    const name = read(() => ns.metadata?.name) ?? args.name;
    if (cfg.exemptNamespaces.includes(name)) return;
    if (isUnknown(() => ns.metadata?.labels?.[POD_SECURITY_LABEL])) return;
    const level = ns.metadata?.labels?.[POD_SECURITY_LABEL];
    if (level === undefined) {
      reportViolation(`namespace ${name} has no ${POD_SECURITY_LABEL} label.`);
    } else if (!cfg.allowedLevels.includes(level)) {
      reportViolation(
        `namespace ${name}: ${POD_SECURITY_LABEL}=${level} is not one of ${cfg.allowedLevels.join(", ")}.`,
      );
    }
  }),
};

export const kubernetesPolicies: (ResourceValidationPolicy | StackValidationPolicy)[] = [
  k8sImagePinned,
  k8sAllowedRegistries,
  k8sContainerResources,
  k8sNoPrivileged,
  k8sNoHostPath,
  k8sNoHostNamespaces,
  k8sPdbForReplicatedWorkloads,
  k8sNamespacePodSecurity,
];
