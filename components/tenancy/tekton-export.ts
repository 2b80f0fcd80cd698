// Layer C: the region's Tekton API on kcp. An APIExport `tekton.pipeline-service.dev` in the region workspace
// (`root:pipeline-service-<region>`, pinned to the region's shard) that kcp's api-syncagent v0.7.0 fills from
// PublishedResources on the region cluster, and the agent itself: a Deployment on the region cluster whose
// kcp identity is a ServiceAccount of the region workspace with exactly the RBAC the agent documents
// (docs/content/getting-started.md "kcp RBAC" at v0.7.0).
//
// What is published: PipelineRun, Pipeline and Task (tekton.dev/v1, the storage version: one version in kcp,
// no conversion). TaskRun is not: Tekton copies a PipelineRun's labels and annotations to its child TaskRuns,
// and the agent maps every local object carrying its agent-name label and remote-object metadata back to a
// kcp key (internal/sync/metadata.go), so publishing TaskRun would make every child TaskRun enqueue, and with
// a same-named tenant TaskRun match, kcp objects it does not belong to. Tenants see child TaskRuns through
// PipelineRun status.childReferences. Related resources (Secrets/ConfigMaps for workspaces) are not published
// either: each would add a permission claim every tenant must accept, and v0.7.0 syncs no status for them.
//
// Naming keeps object names (so pipelineRef/taskRef resolve on the cluster) and maps a tenant namespace to
// `<logical cluster>-<first 8 hex of SHA3-256(namespace)>` on the cluster; syncedNamespace() computes it.
import * as crypto from "node:crypto";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { parse as parseYaml, stringify as stringifyYaml } from "yaml";
import { workspaceServer } from "../kcp/kcp-provider";
import { regionWorkspaceName } from "../kcp/region-workspace";
import { checkPinnedImage, checkResources, type ContainerResources, isDnsLabel } from "../kcp/render";
import { FIELD_MANAGER_ANNOTATIONS, type K8sObject, loadManifest, podSecurityLabels } from "../manifests";

export const TEKTON_EXPORT_TYPE = "pipeline-service:tenancy:TektonExport";
/** The APIExport (and the APIExportEndpointSlice kcp creates beside it). The API group stays tekton.dev. */
export const TEKTON_EXPORT_NAME = "tekton.pipeline-service.dev";
/** tools/versions.env KCP_API_SYNCAGENT_VERSION=0.7.0; the PublishedResource CRD is pinned at the same tag. */
export const API_SYNCAGENT_VERSION = "0.7.0";
export const DEFAULT_AGENT_IMAGE = `ghcr.io/kcp-dev/api-syncagent:v${API_SYNCAGENT_VERSION}`;
/** Namespace on the region cluster: leader-election lease and the agent's per-object state Secrets. */
export const AGENT_NAMESPACE = "kcp-syncagent";
/** Deployment and ServiceAccount name, on the region cluster and (ServiceAccount) in the region workspace. */
export const AGENT = "api-syncagent";
/** Namespace of the agent's ServiceAccount in the region workspace. */
export const AGENT_KCP_NAMESPACE = "default";
export const AGENT_KCP_TOKEN_SECRET = "api-syncagent-token";
/** Region-cluster Secret holding the agent's kcp kubeconfig (key `kubeconfig`), mounted at AGENT_KCP_DIR. */
export const AGENT_KUBECONFIG_SECRET = "kcp-kubeconfig";
export const AGENT_KCP_DIR = "/etc/kcp";
export const AGENT_METRICS_PORT = 8085;
export const AGENT_HEALTH_PORT = 8086;
/** The image's user: upstream's Dockerfile says `USER nobody` on distroless (65534). */
export const AGENT_UID = 65534;
export const DEFAULT_AGENT_RESOURCES: ContainerResources = {
  requests: { cpu: "50m", memory: "128Mi" },
  limits: { memory: "512Mi" },
};
/** Tenants bind the export if they hold this ClusterRole's `bind` in the region workspace. */
export const BIND_ROLE = "bind-tekton";

/** What the region publishes: tekton.dev kinds and their plurals (see the file comment for TaskRun). */
export const PUBLISHED_KINDS = [
  { kind: "PipelineRun", plural: "pipelineruns" },
  { kind: "Pipeline", plural: "pipelines" },
  { kind: "Task", plural: "tasks" },
] as const;
export const PUBLISHED_GROUP = "tekton.dev";
export const PUBLISHED_VERSIONS = ["v1"];

/**
 * spec.naming of every PublishedResource. `sha3short` is the agent's template function
 * `sha3short(input string, lengths ...int)`: piping (`x | sha3short 8`) would pass 8 as the input and fail.
 */
export const NAMING = {
  namespace: "{{ .ClusterName }}-{{ sha3short .Object.metadata.namespace 8 }}",
  name: "{{ .Object.metadata.name }}",
} as const;

/** A rendered object as a typed resource's args (the renderers build plain objects). */
function asArgs<T>(o: K8sObject): T {
  return o as unknown as T;
}

const LABELS = { "app.kubernetes.io/part-of": "pipeline-service", "app.kubernetes.io/name": AGENT };

/**
 * api-syncagent v0.7.0's template function sha3short (internal/sync/templating/templating.go): the lowercase
 * hex of SHA3-256 (FIPS 202, Go's crypto/sha3.Sum256) of the input's bytes, cut to `length` (default 20,
 * at most 64; a length <= 0 is an error there too).
 */
export function sha3short(input: string, length = 20): string {
  if (!Number.isInteger(length) || length <= 0) throw new Error(`sha3short: invalid length ${length}`);
  return crypto.createHash("sha3-256").update(input, "utf8").digest("hex").slice(0, length);
}

/**
 * The region-cluster namespace the agent syncs a tenant namespace to: NAMING.namespace rendered for the
 * workspace's logical cluster name (Workspace spec.cluster) — the agent trims the rendered text's spaces.
 */
export function syncedNamespace(clusterName: string, namespace: string): string {
  if (!/^[a-z0-9]+$/.test(clusterName))
    throw new Error(`logical cluster name ${JSON.stringify(clusterName)} is not a kcp cluster name`);
  if (!isDnsLabel(namespace)) throw new Error(`namespace ${JSON.stringify(namespace)} is not a DNS label`);
  const ns = `${clusterName}-${sha3short(namespace, 8)}`;
  if (ns.length > 63) throw new Error(`synced namespace ${ns} is longer than 63 characters`);
  return ns;
}

/** The agent's name (labels on every object it syncs; never change it once running): a DNS-1035 label. */
export function agentName(region: string): string {
  if (!isDnsLabel(region)) throw new Error(`region ${JSON.stringify(region)} is not a DNS label`);
  const name = `tekton-${region}`;
  if (name.length > 63) throw new Error(`agent name ${name} is longer than 63 characters`);
  return name;
}

/** The region workspace's path, where the export, its endpoint slice and the agent's identity live. */
export function exportWorkspacePath(region: string): string {
  return `root:${regionWorkspaceName(region)}`;
}

/** The agent's command line (flags of api-syncagent v0.7.0 cmd/api-syncagent/options.go). */
export function agentArgs(region: string): string[] {
  return [
    `--kcp-kubeconfig=${AGENT_KCP_DIR}/kubeconfig`,
    // v0.7.0 has no --apiexport-ref (its docs still mention it): the slice names the export.
    `--apiexportendpointslice-ref=${TEKTON_EXPORT_NAME}`,
    `--namespace=${AGENT_NAMESPACE}`,
    `--agent-name=${agentName(region)}`,
    "--enable-leader-election",
    `--metrics-address=0.0.0.0:${AGENT_METRICS_PORT}`,
    `--health-address=0.0.0.0:${AGENT_HEALTH_PORT}`,
  ];
}

/** The three PublishedResources (cluster-scoped objects of the agent's CRD on the region cluster). */
export function renderPublishedResources(region: string): K8sObject[] {
  const agent = agentName(region);
  return PUBLISHED_KINDS.map(({ kind, plural }) => ({
    apiVersion: "syncagent.kcp.io/v1alpha1",
    kind: "PublishedResource",
    metadata: { name: `tekton-${plural}`, labels: { ...LABELS, "pipeline-service.dev/agent": agent } },
    spec: {
      resource: { apiGroup: PUBLISHED_GROUP, kind, versions: [...PUBLISHED_VERSIONS] },
      naming: { ...NAMING },
    },
  }));
}

/** Objects in the region workspace (kcp): the export, who may bind it, and the agent's identity and RBAC. */
export function renderKcpObjects(): K8sObject[] {
  const exportRef = { apiGroups: ["apis.kcp.io"], resourceNames: [TEKTON_EXPORT_NAME] };
  const sa = { kind: "ServiceAccount", name: AGENT, namespace: AGENT_KCP_NAMESPACE };
  const role = (name: string, rules: Record<string, unknown>[]): K8sObject => ({
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "ClusterRole",
    metadata: { name, labels: LABELS },
    rules,
  });
  const binding = (name: string, roleName: string, subjects: Record<string, unknown>[]): K8sObject => ({
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "ClusterRoleBinding",
    metadata: { name, labels: LABELS },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: roleName },
    subjects,
  });
  return [
    {
      apiVersion: "apis.kcp.io/v1alpha1",
      kind: "APIExport",
      metadata: { name: TEKTON_EXPORT_NAME, labels: { "app.kubernetes.io/part-of": "pipeline-service" } },
      // Empty on purpose: the agent writes latestResourceSchemas and permissionClaims.
      spec: {},
    },
    // kcp's APIBinding admission checks `bind` on the export in the export's workspace.
    role(BIND_ROLE, [{ ...exportRef, resources: ["apiexports"], verbs: ["bind"] }]),
    binding(BIND_ROLE, BIND_ROLE, [
      { apiGroup: "rbac.authorization.k8s.io", kind: "Group", name: "system:authenticated" },
    ]),
    {
      apiVersion: "v1",
      kind: "ServiceAccount",
      metadata: { name: AGENT, namespace: AGENT_KCP_NAMESPACE, labels: LABELS },
    },
    {
      apiVersion: "v1",
      kind: "Secret",
      metadata: {
        name: AGENT_KCP_TOKEN_SECRET,
        namespace: AGENT_KCP_NAMESPACE,
        labels: LABELS,
        annotations: { "kubernetes.io/service-account.name": AGENT },
      },
      // kcp's token controller fills data.token (and ca.crt, namespace).
      type: "kubernetes.io/service-account-token",
    },
    role(AGENT, [
      {
        apiGroups: ["core.kcp.io"],
        resources: ["logicalclusters"],
        resourceNames: ["cluster"],
        verbs: ["get"],
      },
      // Not by name: with the slice beside the export the agent reads it through an unrestricted cache.
      { apiGroups: ["apis.kcp.io"], resources: ["apiexportendpointslices"], verbs: ["get", "list", "watch"] },
      { ...exportRef, resources: ["apiexports"], verbs: ["get", "list", "watch", "patch", "update"] },
      { apiGroups: [""], resources: ["events"], verbs: ["create", "patch", "update", "get"] },
      {
        apiGroups: ["apis.kcp.io"],
        resources: ["apiresourceschemas"],
        verbs: ["get", "list", "watch", "create"],
      },
      // The export's virtual workspace: the tenants' objects.
      { ...exportRef, resources: ["apiexports/content"], verbs: ["*"] },
    ]),
    binding(AGENT, AGENT, [sa]),
    binding(`${AGENT}:access`, "system:kcp:workspace:access", [sa]),
  ];
}

/**
 * RBAC for the agent on the region cluster. Its controller-runtime cache is cluster-wide (the manager's
 * cache is not restricted to --namespace), so list/watch are granted cluster-wide, as upstream's Helm chart
 * does; writes of Secrets (state), Leases and Events stay in the namespaces that need them.
 */
export function renderAgentClusterRbac(): K8sObject[] {
  const subjects = [{ kind: "ServiceAccount", name: AGENT, namespace: AGENT_NAMESPACE }];
  const read = ["get", "list", "watch"];
  const rbac = "rbac.authorization.k8s.io/v1";
  const roleRef = (kind: string, name: string) => ({ apiGroup: "rbac.authorization.k8s.io", kind, name });
  const events = { apiGroups: [""], resources: ["events"], verbs: ["create", "patch", "update"] };
  return [
    {
      apiVersion: rbac,
      kind: "ClusterRole",
      metadata: { name: `pipeline-service:${AGENT}`, labels: LABELS },
      rules: [
        { apiGroups: ["syncagent.kcp.io"], resources: ["publishedresources"], verbs: read },
        {
          apiGroups: ["syncagent.kcp.io"],
          resources: ["publishedresources/status"],
          verbs: ["get", "update", "patch"],
        },
        // The source of each APIResourceSchema.
        { apiGroups: ["apiextensions.k8s.io"], resources: ["customresourcedefinitions"], verbs: read },
        // It creates the synced namespaces it does not find (tenants' are made by Pulumi first).
        { apiGroups: [""], resources: ["namespaces"], verbs: [...read, "create"] },
        { apiGroups: [""], resources: ["secrets"], verbs: read },
        {
          apiGroups: [PUBLISHED_GROUP],
          resources: PUBLISHED_KINDS.map((k) => k.plural),
          verbs: [...read, "create", "update", "patch", "delete"],
        },
      ],
    },
    {
      apiVersion: rbac,
      kind: "ClusterRoleBinding",
      metadata: { name: `pipeline-service:${AGENT}`, labels: LABELS },
      roleRef: roleRef("ClusterRole", `pipeline-service:${AGENT}`),
      subjects,
    },
    {
      apiVersion: rbac,
      kind: "Role",
      metadata: { name: AGENT, namespace: AGENT_NAMESPACE, labels: LABELS },
      rules: [
        // Per-object sync state.
        { apiGroups: [""], resources: ["secrets"], verbs: ["create", "update"] },
        {
          apiGroups: ["coordination.k8s.io"],
          resources: ["leases"],
          verbs: [...read, "create", "update", "patch", "delete"],
        },
        events,
      ],
    },
    {
      apiVersion: rbac,
      kind: "RoleBinding",
      metadata: { name: AGENT, namespace: AGENT_NAMESPACE, labels: LABELS },
      roleRef: roleRef("Role", AGENT),
      subjects,
    },
    // Events about PublishedResources (cluster-scoped) are recorded in `default`.
    {
      apiVersion: rbac,
      kind: "Role",
      metadata: { name: `${AGENT}-events`, namespace: "default", labels: LABELS },
      rules: [events],
    },
    {
      apiVersion: rbac,
      kind: "RoleBinding",
      metadata: { name: `${AGENT}-events`, namespace: "default", labels: LABELS },
      roleRef: roleRef("Role", `${AGENT}-events`),
      subjects,
    },
  ];
}

/** The agent's kcp kubeconfig (pure): the region workspace through `kcpServerUrl`, the ServiceAccount token. */
export function renderAgentKubeconfig(a: {
  kcpServerUrl: string;
  region: string;
  caPem: string;
  token: string;
}): string {
  if (!a.caPem.includes("-----BEGIN CERTIFICATE-----")) throw new Error("kcpCaPem must be a PEM certificate");
  if (a.token === "") throw new Error("the ServiceAccount token is empty");
  return stringifyYaml({
    apiVersion: "v1",
    kind: "Config",
    clusters: [
      {
        name: "kcp",
        cluster: {
          // The agent requires /clusters/ in the URL (internal/kubeconfig.Validate).
          server: workspaceServer(a.kcpServerUrl, exportWorkspacePath(a.region)),
          "certificate-authority-data": Buffer.from(a.caPem).toString("base64"),
        },
      },
    ],
    users: [{ name: AGENT, user: { token: a.token } }],
    contexts: [{ name: "kcp", context: { cluster: "kcp", user: AGENT } }],
    "current-context": "kcp",
  });
}

/** The PEM CA of a kubeconfig's current cluster (certificate-authority-data), e.g. the local kcp admin's. */
export function kubeconfigCaPem(kubeconfig: string): string {
  const doc = parseYaml(kubeconfig) as {
    clusters?: { name?: string; cluster?: Record<string, unknown> }[];
    contexts?: { name?: string; context?: { cluster?: string } }[];
    "current-context"?: string;
  } | null;
  const ctx = (doc?.contexts ?? []).find((c) => c.name === doc?.["current-context"]);
  const data = (doc?.clusters ?? []).find((c) => c.name === ctx?.context?.cluster)?.cluster?.[
    "certificate-authority-data"
  ];
  if (typeof data !== "string" || data === "")
    throw new Error("the kcp kubeconfig's current cluster has no certificate-authority-data");
  return Buffer.from(data, "base64").toString("utf8");
}

/** The token kcp wrote into the ServiceAccount token Secret (data.token, base64), or an error saying why not. */
export function tokenFromSecretData(data: Record<string, string> | undefined, where: string): string {
  const b64 = data?.token;
  if (!b64)
    throw new Error(
      `${where}: kcp's token controller has not filled data.token yet; run \`pulumi up\` again once it has`,
    );
  return Buffer.from(b64, "base64").toString("utf8");
}

/** The agent's pod template (pure). */
export function renderAgentPodSpec(
  region: string,
  image: string,
  resources: ContainerResources,
): k8s.types.input.core.v1.PodSpec {
  const probe = (path: string): k8s.types.input.core.v1.Probe => ({
    httpGet: { path, port: "health" },
    periodSeconds: 10,
    timeoutSeconds: 5,
    failureThreshold: 6,
  });
  return {
    serviceAccountName: AGENT,
    securityContext: {
      runAsNonRoot: true,
      runAsUser: AGENT_UID,
      runAsGroup: AGENT_UID,
      fsGroup: AGENT_UID,
      seccompProfile: { type: "RuntimeDefault" },
    },
    containers: [
      {
        name: "agent",
        image,
        args: agentArgs(region),
        ports: [
          { name: "metrics", containerPort: AGENT_METRICS_PORT, protocol: "TCP" },
          { name: "health", containerPort: AGENT_HEALTH_PORT, protocol: "TCP" },
        ],
        livenessProbe: probe("/healthz"),
        readinessProbe: probe("/readyz"),
        resources,
        securityContext: {
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: true,
          capabilities: { drop: ["ALL"] },
        },
        volumeMounts: [{ name: "kcp-kubeconfig", mountPath: AGENT_KCP_DIR, readOnly: true }],
      },
    ],
    volumes: [
      { name: "kcp-kubeconfig", secret: { secretName: AGENT_KUBECONFIG_SECRET, defaultMode: 0o440 } },
    ],
  };
}

export interface TektonExportArgs {
  /** Provider for the region workspace `root:pipeline-service-<region>` (newKcpProvider with workspacePath). */
  kcpProvider: k8s.Provider;
  /** The region cluster's provider (where Tekton runs, the PublishedResources live and the agent runs). */
  provider: k8s.Provider;
  /** The region (RegionConfig.region). */
  region: string;
  /** The front-proxy URL the agent reaches kcp at (https, no path). */
  kcpServerUrl: pulumi.Input<string>;
  /** PEM CA that signed the front-proxy's (and the shards') serving certificates. */
  kcpCaPem: pulumi.Input<string>;
  /** @default DEFAULT_AGENT_IMAGE (the version tools/versions.env pins) */
  agentImage?: string;
  /** @default DEFAULT_AGENT_RESOURCES */
  agentResources?: ContainerResources;
  /** Mirror/cache dir of the pinned manifests (the PublishedResource CRD). @default defaultMirrorDir() */
  manifestsDir?: string;
}

/** Throws naming the bad argument. */
export function validateTektonExportArgs(args: TektonExportArgs): void {
  if (!args.kcpProvider) throw new Error("kcpProvider (the region workspace's) is required");
  if (!args.provider) throw new Error("provider (the region cluster's) is required");
  agentName(args.region);
  checkPinnedImage("agentImage", args.agentImage ?? DEFAULT_AGENT_IMAGE);
  checkResources("agentResources", args.agentResources ?? DEFAULT_AGENT_RESOURCES);
}

/** The region's Tekton APIExport on kcp and the api-syncagent that serves it from the region cluster. */
export class TektonExport extends pulumi.ComponentResource {
  public readonly exportName = TEKTON_EXPORT_NAME;
  /** Workspace path of the export, what tenants' APIBindings reference. */
  public readonly exportPath: string;
  public readonly agentName: string;
  /** The agent's kcp kubeconfig (a secret): also what a locally run agent process can use. */
  public readonly kcpKubeconfig: pulumi.Output<string>;
  /** The resources a tenant's binding must wait for: the export and the bind permission. */
  public readonly bindable: pulumi.Resource[];

  constructor(name: string, args: TektonExportArgs, opts?: pulumi.ComponentResourceOptions) {
    super(TEKTON_EXPORT_TYPE, name, { region: args.region }, opts);
    try {
      validateTektonExportArgs(args);
    } catch (e) {
      throw new pulumi.ResourceError(`TektonExport ${name}: ${(e as Error).message}`, this);
    }
    const region = args.region;
    this.exportPath = exportWorkspacePath(region);
    this.agentName = agentName(region);
    const kcp = { parent: this, provider: args.kcpProvider };
    const cluster = { parent: this, provider: args.provider };

    // --- kcp: the region workspace ------------------------------------------------------------------
    const kcpObjs = renderKcpObjects();
    const of = (kind: string, n: string) => kcpObjs.find((o) => o.kind === kind && o.metadata.name === n)!;
    const apiExport = new k8s.apiextensions.CustomResource(
      `${name}-apiexport`,
      of("APIExport", TEKTON_EXPORT_NAME) as unknown as k8s.apiextensions.CustomResourceArgs,
      // The agent owns spec (latestResourceSchemas, permissionClaims) and kcp defaults more of it
      // (identity). With server-side apply Pulumi owns none of spec's fields, so an update never removes
      // theirs, and patchForce is not needed (no field is contested); ignoreChanges keeps a refresh that
      // reads their fields back from turning into a diff that would apply `spec: {}` again.
      { ...kcp, ignoreChanges: ["spec"] },
    );
    const bindRole = new k8s.rbac.v1.ClusterRole(
      `${name}-bind-role`,
      asArgs<k8s.rbac.v1.ClusterRoleArgs>(of("ClusterRole", BIND_ROLE)),
      kcp,
    );
    const bindBinding = new k8s.rbac.v1.ClusterRoleBinding(
      `${name}-bind-binding`,
      asArgs<k8s.rbac.v1.ClusterRoleBindingArgs>(of("ClusterRoleBinding", BIND_ROLE)),
      kcp,
    );
    const sa = new k8s.core.v1.ServiceAccount(
      `${name}-kcp-sa`,
      asArgs<k8s.core.v1.ServiceAccountArgs>(of("ServiceAccount", AGENT)),
      kcp,
    );
    const tokenSecret = new k8s.core.v1.Secret(
      `${name}-kcp-token`,
      asArgs<k8s.core.v1.SecretArgs>(of("Secret", AGENT_KCP_TOKEN_SECRET)),
      // The provider waits until a service-account-token Secret has data, so `data` is read back in the
      // same update (unknown in a preview).
      { ...kcp, dependsOn: [sa] },
    );
    const agentRole = new k8s.rbac.v1.ClusterRole(
      `${name}-kcp-role`,
      asArgs<k8s.rbac.v1.ClusterRoleArgs>(of("ClusterRole", AGENT)),
      kcp,
    );
    const agentBindings = [AGENT, `${AGENT}:access`].map(
      (n, i) =>
        new k8s.rbac.v1.ClusterRoleBinding(
          `${name}-kcp-binding${i === 0 ? "" : "-access"}`,
          asArgs<k8s.rbac.v1.ClusterRoleBindingArgs>(of("ClusterRoleBinding", n)),
          { ...kcp, dependsOn: [sa, agentRole] },
        ),
    );
    this.bindable = [apiExport, bindRole, bindBinding];

    const where = `Secret ${AGENT_KCP_NAMESPACE}/${AGENT_KCP_TOKEN_SECRET} in ${this.exportPath}`;
    this.kcpKubeconfig = pulumi.secret(
      pulumi
        .all([args.kcpServerUrl, args.kcpCaPem, tokenSecret.data])
        .apply(([kcpServerUrl, caPem, data]) =>
          renderAgentKubeconfig({ kcpServerUrl, region, caPem, token: tokenFromSecretData(data, where) }),
        ),
    );

    // --- the region cluster ------------------------------------------------------------------------
    const crd = loadManifest("kcp-api-syncagent", "crd/syncagent.kcp.io_publishedresources.yaml", {
      mirrorDir: args.manifestsDir,
    }).find((o) => o.kind === "CustomResourceDefinition");
    if (!crd) throw new pulumi.ResourceError(`TektonExport ${name}: the pinned manifest has no CRD`, this);
    const crdRes = new k8s.apiextensions.v1.CustomResourceDefinition(
      `${name}-publishedresources-crd`,
      crd as unknown as k8s.apiextensions.v1.CustomResourceDefinitionArgs,
      cluster,
    );
    const published = renderPublishedResources(region).map(
      (pr) =>
        new k8s.apiextensions.CustomResource(
          `${name}-${pr.metadata.name}`,
          pr as unknown as k8s.apiextensions.CustomResourceArgs,
          // The agent writes only status (resourceSchemaName).
          { ...cluster, dependsOn: [crdRes] },
        ),
    );
    const ns = new k8s.core.v1.Namespace(
      `${name}-agent-ns`,
      { metadata: { name: AGENT_NAMESPACE, labels: { ...LABELS, ...podSecurityLabels("restricted") } } },
      cluster,
    );
    const clusterSa = new k8s.core.v1.ServiceAccount(
      `${name}-agent-sa`,
      { metadata: { name: AGENT, namespace: AGENT_NAMESPACE, labels: LABELS } },
      { ...cluster, dependsOn: [ns] },
    );
    const rbac = renderAgentClusterRbac().map((o) => {
      const suffix = `${o.kind.toLowerCase()}${o.metadata.namespace === "default" ? "-events" : ""}`;
      const opts = { ...cluster, dependsOn: [ns] };
      switch (o.kind) {
        case "ClusterRole":
          return new k8s.rbac.v1.ClusterRole(
            `${name}-agent-${suffix}`,
            asArgs<k8s.rbac.v1.ClusterRoleArgs>(o),
            opts,
          );
        case "ClusterRoleBinding":
          return new k8s.rbac.v1.ClusterRoleBinding(
            `${name}-agent-${suffix}`,
            asArgs<k8s.rbac.v1.ClusterRoleBindingArgs>(o),
            opts,
          );
        case "Role":
          return new k8s.rbac.v1.Role(`${name}-agent-${suffix}`, asArgs<k8s.rbac.v1.RoleArgs>(o), opts);
        default:
          return new k8s.rbac.v1.RoleBinding(
            `${name}-agent-${suffix}`,
            asArgs<k8s.rbac.v1.RoleBindingArgs>(o),
            opts,
          );
      }
    });
    const kubeconfigSecret = new k8s.core.v1.Secret(
      `${name}-agent-kubeconfig`,
      {
        metadata: { name: AGENT_KUBECONFIG_SECRET, namespace: AGENT_NAMESPACE, labels: LABELS },
        type: "Opaque",
        stringData: pulumi.secret(this.kcpKubeconfig.apply((kubeconfig) => ({ kubeconfig }))),
      },
      { ...cluster, dependsOn: [ns] },
    );
    const selector = { "app.kubernetes.io/name": AGENT, "app.kubernetes.io/instance": this.agentName };
    new k8s.apps.v1.Deployment(
      `${name}-agent`,
      {
        metadata: {
          name: AGENT,
          namespace: AGENT_NAMESPACE,
          labels: { ...LABELS, ...selector },
          annotations: FIELD_MANAGER_ANNOTATIONS,
        },
        spec: {
          // One agent per export (upstream: a PublishedResource is processed by a single agent); leader
          // election keeps a rollout's second pod passive.
          replicas: 1,
          selector: { matchLabels: selector },
          template: {
            metadata: { labels: { ...LABELS, ...selector } },
            spec: renderAgentPodSpec(
              region,
              args.agentImage ?? DEFAULT_AGENT_IMAGE,
              args.agentResources ?? DEFAULT_AGENT_RESOURCES,
            ),
          },
        },
      },
      // The agent resolves the endpoint slice at start and exits if it cannot: kcp side first.
      {
        ...cluster,
        dependsOn: [clusterSa, kubeconfigSecret, crdRes, ...rbac, ...published, apiExport, ...agentBindings],
      },
    );
    this.registerOutputs({
      exportName: this.exportName,
      exportPath: this.exportPath,
      agentName: this.agentName,
      kcpKubeconfig: this.kcpKubeconfig,
    });
  }
}
