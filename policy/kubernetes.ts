// Kubernetes policies for workloads, namespaces, Services and Ingresses. They match on type tokens,
// so they apply to resources built with @pulumi/kubernetes classes and to the children a
// yaml/v2.ConfigGroup registers (e.g. "kubernetes:apps/v1:Deployment"); they also judge the objects
// in a ConfigGroup's `objs` input, which are known before the group creates anything (and are all a
// run under mocks ever sees). In a real update an object can thus be reported twice, on the group and
// on its child; stack policies count each "Kind/namespace/name" once. Values unknown in preview are
// reported as "cannot judge yet" (util.ts).
import type {
  PolicyConfigSchema,
  ReportViolation,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationPolicy,
} from "@pulumi/policy";
import {
  CONFIG_GROUP,
  CONTROLLER_TYPES,
  WORKLOAD_TYPES,
  cannotJudgeYet,
  configOf,
  containersOf,
  imageName,
  isExempt,
  judged,
  kubernetesObjectsOf,
  parseImage,
  podSpecOf,
  read,
  stackKubernetesObjects,
} from "./util";
import type { Container, KubeObject, PodSpec } from "./util";

const exemptionsProperty = {
  type: "array" as const,
  items: { type: "string" as const },
  default: [],
  description:
    'Objects this rule does not apply to, as "Kind/namespace/name" or "namespace/name"; "*" matches anything (e.g. "DaemonSet/kube-system/*").',
};

const exemptionsSchema: PolicyConfigSchema = { properties: { exemptions: exemptionsProperty } };

/**
 * A resource validation over the Kubernetes objects a resource stands for (itself, or its objs when it
 * is a ConfigGroup), those of `types` that are not exempt. Not applicable when there are none.
 */
function forObjects(
  types: readonly string[],
  schema: PolicyConfigSchema | undefined,
  check: (o: KubeObject, args: ResourceValidationArgs, report: ReportViolation) => void,
) {
  return judged((args: ResourceValidationArgs, reportViolation: ReportViolation): void => {
    if (!types.includes(args.type) && args.type !== CONFIG_GROUP)
      args.notApplicable("not a type this rule judges");
    const all = kubernetesObjectsOf(args.type, args.props, args.name, args.urn);
    if (!all) return; // objs unknown: noted
    const objects = all.filter((o) => types.includes(o.type));
    if (objects.length === 0) args.notApplicable("no objects of the types this rule judges");
    const exemptions = schema ? configOf<{ exemptions: string[] }>(args, schema).exemptions : [];
    const judgedObjects = objects.filter((o) => !isExempt(o.key, exemptions));
    if (judgedObjects.length === 0) args.notApplicable(`${objects.map((o) => o.key).join(", ")} is exempt`);
    for (const o of judgedObjects) check(o, args, reportViolation);
  });
}

/** Runs `check` on the pod spec of each workload that is not exempt; other types are not applicable. */
function forWorkload(
  types: readonly string[],
  schema: PolicyConfigSchema | undefined,
  check: (spec: PodSpec, key: string, args: ResourceValidationArgs, report: ReportViolation) => void,
) {
  return forObjects(types, schema, (o, args, report) => {
    const spec = podSpecOf(o.type, o.props, o.key);
    if (spec) check(spec, o.key, args, report);
  });
}

function containerName(c: Container, i: number): string {
  return read(() => c.name) ?? `#${i}`;
}

/** The image of a container, or undefined when it has none or it is unknown (then noted). */
function imageOf(c: Container, key: string, i: number): string | undefined {
  if (cannotJudgeYet(`${key} container ${containerName(c, i)}: image`, () => c.image)) return undefined;
  return typeof c.image === "string" && c.image !== "" ? c.image : undefined;
}

export const k8sImagePinned: ResourceValidationPolicy = {
  name: "k8s-image-pinned",
  description:
    "Container images carry an explicit tag other than latest, or a digest: what runs is what was reviewed, and a restart cannot pull something new.",
  enforcementLevel: "mandatory",
  severity: "high",
  validateResource: forWorkload(WORKLOAD_TYPES, undefined, (spec, key, _args, report) => {
    containersOf(spec, undefined, key).forEach((c, i) => {
      const image = imageOf(c, key, i);
      if (!image) return;
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
    containersOf(spec, undefined, key).forEach((c, i) => {
      const image = imageOf(c, key, i);
      if (!image) return;
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
    containersOf(spec, ["containers", "initContainers"], key).forEach((c, i) => {
      const what = `${key} container ${containerName(c, i)}`;
      if (
        cannotJudgeYet(`${what}: resources`, () => [
          Object.keys(c.resources?.requests ?? {}),
          Object.keys(c.resources?.limits ?? {}),
        ])
      )
        return;
      const requests = c.resources?.requests ?? {};
      const limits = c.resources?.limits ?? {};
      const missing = [
        ...cfg.requests.filter((r) => !(r in requests)).map((r) => `requests.${r}`),
        ...cfg.limits.filter((r) => !(r in limits)).map((r) => `limits.${r}`),
      ];
      if (missing.length > 0) report(`${what}: missing ${missing.join(", ")}.`);
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
    containersOf(spec, undefined, key).forEach((c, i) => {
      const what = `${key} container ${containerName(c, i)}`;
      if (cannotJudgeYet(`${what}: securityContext.privileged`, () => c.securityContext?.privileged)) return;
      if (c.securityContext?.privileged === true) report(`${what} is privileged.`);
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
    if (cannotJudgeYet(`${key}: volumes`, () => spec.volumes?.length)) return;
    const volumes = spec.volumes ?? [];
    for (let i = 0; i < volumes.length; i++) {
      const name = read(() => volumes[i].name) ?? `#${i}`;
      if (cannotJudgeYet(`${key}: volume ${name}`, () => volumes[i].hostPath)) continue;
      if (volumes[i].hostPath !== undefined) report(`${key}: volume ${name} is a hostPath volume.`);
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
      if (cannotJudgeYet(`${key}: ${field}`, () => spec[field])) continue;
      if (spec[field] === true) report(`${key}: ${field} is true.`);
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

const DEPLOYMENT = "kubernetes:apps/v1:Deployment";
const STATEFUL_SET = "kubernetes:apps/v1:StatefulSet";
const PDB = "kubernetes:policy/v1:PodDisruptionBudget";
const NAMESPACE = "kubernetes:core/v1:Namespace";
const SERVICE = "kubernetes:core/v1:Service";
const INGRESS = "kubernetes:networking.k8s.io/v1:Ingress";
const NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy";

/** metadata.namespace of a namespaced object ("default" when unset); its name for a Namespace. */
function namespaceOf(o: KubeObject): string {
  const meta = () => o.props.metadata as { name?: string; namespace?: string } | undefined;
  if (o.type === NAMESPACE) return read(() => meta()?.name) ?? o.key.slice(o.key.lastIndexOf("/") + 1);
  return read(() => meta()?.namespace) ?? "default";
}

export const k8sPdbForReplicatedWorkloads: StackValidationPolicy = {
  name: "k8s-pdb-for-replicated-workloads",
  description:
    "Deployments and StatefulSets with 2 or more replicas have a PodDisruptionBudget selecting their pods, so node drains keep them available. Advisory: the team decides which services need it.",
  enforcementLevel: "advisory",
  severity: "medium",
  configSchema: pdbSchema,
  validateStack: judged((args, reportViolation) => {
    const cfg = configOf<{ minReplicas: number; exemptions: string[] }>(args, pdbSchema);
    const { objects } = stackKubernetesObjects(args.resources);
    const workloads = objects.filter((o) => o.type === DEPLOYMENT || o.type === STATEFUL_SET);
    if (workloads.length === 0) args.notApplicable("no Deployments or StatefulSets in this stack");
    const pdbs = objects.filter((o) => o.type === PDB);
    for (const w of workloads) {
      if (isExempt(w.key, cfg.exemptions)) continue;
      const spec = () => w.props.spec as { replicas?: number } | undefined;
      if (cannotJudgeYet(`${w.key}: spec.replicas`, () => spec()?.replicas)) continue;
      const replicas = spec()?.replicas ?? 1;
      if (replicas < cfg.minReplicas) continue;
      const labelsOf = () =>
        (w.props.spec as { template?: { metadata?: { labels?: Record<string, string> } } })?.template
          ?.metadata?.labels;
      if (cannotJudgeYet(`${w.key}: pod template labels`, () => Object.entries(labelsOf() ?? {}))) continue;
      const labels = { ...(labelsOf() ?? {}) };
      const ns = namespaceOf(w);
      let pending = false;
      const covered = pdbs.some((p) => {
        if (namespaceOf(p) !== ns) return false;
        const selector = () => (p.props.spec as { selector?: LabelSelector } | undefined)?.selector;
        if (cannotJudgeYet(`${p.key}: spec.selector`, () => JSON.stringify(selector()))) {
          pending = true;
          return false;
        }
        const s = selector();
        return s !== undefined && s !== null && selectorMatches(s, labels);
      });
      if (!covered && !pending) {
        reportViolation(
          `${w.key} runs ${replicas} replicas without a PodDisruptionBudget selecting its pods.`,
          w.urn,
        );
      }
    }
  }),
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
  validateResource: forObjects([NAMESPACE], undefined, (ns, args, reportViolation) => {
    const cfg = configOf<{ allowedLevels: string[]; exemptNamespaces: string[] }>(args, namespaceSchema);
    const name = namespaceOf(ns);
    if (cfg.exemptNamespaces.includes(name)) return;
    const label = () =>
      (ns.props.metadata as { labels?: Record<string, string> } | undefined)?.labels?.[POD_SECURITY_LABEL];
    if (cannotJudgeYet(`namespace ${name}: ${POD_SECURITY_LABEL} label`, label)) return;
    const level = label();
    if (level === undefined) {
      reportViolation(`namespace ${name} has no ${POD_SECURITY_LABEL} label.`);
    } else if (!cfg.allowedLevels.includes(level)) {
      reportViolation(
        `namespace ${name}: ${POD_SECURITY_LABEL}=${level} is not one of ${cfg.allowedLevels.join(", ")}.`,
      );
    }
  }),
};

/** Annotations that make a cloud load balancer internal (no public address), with the value each needs. */
const INTERNAL_LB_ANNOTATIONS: Record<string, string> = {
  // AWS Load Balancer Controller and the in-tree AWS cloud provider.
  "service.beta.kubernetes.io/aws-load-balancer-scheme": "internal",
  "service.beta.kubernetes.io/aws-load-balancer-internal": "true",
  // Azure cloud provider.
  "service.beta.kubernetes.io/azure-load-balancer-internal": "true",
  // GKE.
  "networking.gke.io/load-balancer-type": "Internal",
  "cloud.google.com/load-balancer-type": "Internal",
};

/** The in-tree AWS provider treats any value but "false" (e.g. "0.0.0.0/0", "true") as internal. */
function isInternalAnnotation(key: string, value: string): boolean {
  if (key === "service.beta.kubernetes.io/aws-load-balancer-internal") return value.toLowerCase() !== "false";
  const want = INTERNAL_LB_ANNOTATIONS[key];
  return want !== undefined && value.toLowerCase() === want.toLowerCase();
}

// Advisory, not mandatory: an internet-facing load balancer is what one wants to catch. kcp's Services
// are internal by default; a stack that sets kcp.loadBalancers: internet-facing chooses public ones
// (and this policy reports each). Exempt the intended ones ("Service/<namespace>/<name>") and raise the
// level in the policy config to make it blocking.
export const k8sNoInternetFacingLoadBalancer: ResourceValidationPolicy = {
  name: "k8s-no-internet-facing-load-balancer",
  description:
    'Services of type LoadBalancer are internal (an internal-LB annotation such as service.beta.kubernetes.io/aws-load-balancer-scheme: internal or azure-load-balancer-internal: "true"), unless exempt. Advisory: the kcp front-proxy is public by design.',
  enforcementLevel: "advisory",
  severity: "high",
  configSchema: exemptionsSchema,
  validateResource: forObjects([SERVICE], exemptionsSchema, (svc, _args, reportViolation) => {
    const type = () => (svc.props.spec as { type?: string } | undefined)?.type;
    if (cannotJudgeYet(`${svc.key}: spec.type`, type)) return;
    if (type() !== "LoadBalancer") return;
    const annotations = () =>
      (svc.props.metadata as { annotations?: Record<string, string> } | undefined)?.annotations;
    if (cannotJudgeYet(`${svc.key}: metadata.annotations`, () => Object.entries(annotations() ?? {}))) return;
    const internal = Object.entries(annotations() ?? {}).some(
      ([k, v]) => typeof v === "string" && isInternalAnnotation(k, v),
    );
    if (!internal) {
      reportViolation(
        `${svc.key} is an internet-facing LoadBalancer: annotate it internal (e.g. service.beta.kubernetes.io/aws-load-balancer-scheme: internal, service.beta.kubernetes.io/azure-load-balancer-internal: "true") or exempt it.`,
      );
    }
  }),
};

// Mandatory: an Ingress without TLS sends what it carries in clear text (for the PaC Ingress: GitHub
// webhook payloads). The Pipelines as Code Ingress carries spec.tls for its host.
export const k8sIngressTls: ResourceValidationPolicy = {
  name: "k8s-ingress-tls",
  description:
    "Ingresses (networking.k8s.io/v1) terminate TLS: spec.tls lists a secret for every host of their rules.",
  enforcementLevel: "mandatory",
  severity: "high",
  configSchema: exemptionsSchema,
  validateResource: forObjects([INGRESS], exemptionsSchema, (ing, _args, reportViolation) => {
    type IngressSpec = { tls?: { hosts?: string[] }[]; rules?: { host?: string }[] };
    const spec = () => ing.props.spec as IngressSpec | undefined;
    if (cannotJudgeYet(`${ing.key}: spec.tls`, () => JSON.stringify(spec()?.tls))) return;
    const tls = spec()?.tls ?? [];
    if (tls.length === 0) {
      reportViolation(`${ing.key} has no spec.tls: its traffic is served in clear text.`);
      return;
    }
    if (cannotJudgeYet(`${ing.key}: spec.rules hosts`, () => (spec()?.rules ?? []).map((r) => r.host)))
      return;
    // A tls entry without hosts covers the default host; else every rule host must be listed.
    const covered = new Set(tls.flatMap((t) => t.hosts ?? []));
    const coversAll = tls.some((t) => (t.hosts ?? []).length === 0);
    const missing = (spec()?.rules ?? [])
      .map((r) => r.host)
      .filter((h): h is string => typeof h === "string" && h !== "" && !coversAll && !covered.has(h));
    if (missing.length > 0) {
      reportViolation(`${ing.key}: spec.tls does not cover host(s) ${missing.join(", ")}.`);
    }
  }),
};

const networkPolicySchema: PolicyConfigSchema = {
  properties: {
    exemptNamespaces: {
      type: "array",
      items: { type: "string" },
      default: [],
      description: "Namespace names this rule does not apply to.",
    },
  },
};

// Advisory, not mandatory: a namespace without a NetworkPolicy lets every pod in the cluster reach
// its pods, but none of the shipped stacks declares a NetworkPolicy yet (neither our components nor
// the upstream Tekton / Argo CD releases do), so as mandatory it would fail every shipped stack.
export const k8sNamespaceNetworkPolicy: StackValidationPolicy = {
  name: "k8s-namespace-network-policy",
  description:
    "Every Namespace the stack creates (as a resource or in a ConfigGroup's objs) has at least one NetworkPolicy in it among the stack's resources and objs. Advisory until the components ship NetworkPolicies.",
  enforcementLevel: "advisory",
  severity: "medium",
  configSchema: networkPolicySchema,
  validateStack: judged((args, reportViolation) => {
    const { exemptNamespaces } = configOf<{ exemptNamespaces: string[] }>(args, networkPolicySchema);
    const { objects, unknown } = stackKubernetesObjects(args.resources);
    const namespaces = objects.filter((o) => o.type === NAMESPACE);
    if (namespaces.length === 0) {
      if (unknown) return; // a ConfigGroup's objs are unknown: noted
      args.notApplicable("no Namespaces in this stack");
    }
    const withPolicy = new Set(objects.filter((o) => o.type === NETWORK_POLICY).map(namespaceOf));
    for (const ns of namespaces) {
      const name = namespaceOf(ns);
      if (exemptNamespaces.includes(name) || withPolicy.has(name)) continue;
      // A NetworkPolicy in objs that are still unknown may be the one: no verdict then.
      if (unknown) continue;
      reportViolation(
        `namespace ${name} has no NetworkPolicy: any pod in the cluster can reach its pods.`,
        ns.urn,
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
  k8sNoInternetFacingLoadBalancer,
  k8sIngressTls,
  k8sNamespaceNetworkPolicy,
];
