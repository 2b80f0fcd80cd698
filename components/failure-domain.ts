// One region = one failure domain: its workload cluster (layer A), Results database and log storage
// (layer A), its kcp shard (plus the kcp root in the home region), the Tekton stack and Argo CD (layer B),
// and its region workspace on kcp (layer C). Nothing is shared with another region but the kcp root.
// This is the only file that composes the layers; each layer stays ignorant of the ones above it.
import * as aws from "@pulumi/aws";
import { Provider as AzureProvider } from "@pulumi/azure-native/provider";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { RegionConfig } from "./region-config";
import { AksCluster, aksArgsFromConfig, carveAksSubnets } from "./cluster/aks";
import { EksCluster, eksArgsFromConfig } from "./cluster/eks";
import { ExistingCluster, existingArgsFromConfig } from "./cluster/existing";
import { DnsRecord, type DnsZoneArgs } from "./cluster/dns";
import type { WorkloadCluster } from "./cluster/workload-cluster";
import { AzurePostgres } from "./data/azure-postgres";
import { ExternalPostgres } from "./data/external-postgres";
import { InClusterPostgres } from "./data/in-cluster-postgres";
import type { PostgresDatabase } from "./data/postgres";
import { PvcLogStorage } from "./data/pvc-log-storage";
import { RdsDatabase } from "./data/rds-database";
import { S3LogBucket } from "./data/s3-log-bucket";
import { ArgoCd, type ArgoCdRepository } from "./gitops/argocd";
import type { LocalWebhookPorts } from "./local-profile";
import { type ShardRequest, shardCertSpecs } from "./kcp/enrollment";
import { homeStackOutput, type KcpHomeValue } from "./kcp/home-reference";
import { kubeconfigSecret } from "./kcp/kubeconfig";
import { requestLeafCert } from "./shared/pki";
import { newKcpProvider } from "./kcp/kcp-provider";
import { RegionWorkspace } from "./kcp/region-workspace";
import { internalLoadBalancerAnnotations } from "./kcp/render";
import { Root } from "./kcp/root";
import { Shard } from "./kcp/shard";
import { Chains } from "./tekton/chains";
import { Pipelines, PIPELINES_NAMESPACE } from "./tekton/pipelines";
import { PipelinesAsCode } from "./tekton/pipelines-as-code";
import { Results, type ResultsLogs } from "./tekton/results";
import { Triggers } from "./tekton/triggers";
import { kubeconfigCaPem, TektonExport } from "./tenancy/tekton-export";
import { type KcpAdmin, Tenant, type TenantSummary } from "./tenancy/tenant";
import { TENANTS_PATH, TenantsRoot } from "./tenancy/tenants-root";

export const FAILURE_DOMAIN_TYPE = "pipeline-service:index:FailureDomain";
const PVC_LOGS_CLAIM = "tekton-results-logs";

/** Secrets a region needs from Pulumi config (never from the stack file in plaintext). */
export interface FailureDomainSecrets {
  /** Pipelines as Code GitHub App; without it PaC serves webhook-token repositories only. */
  githubApp?: {
    appId: pulumi.Input<string>;
    privateKey: pulumi.Input<string>;
    webhookSecret: pulumi.Input<string>;
  };
  /** Argo CD repository credentials. @default [] */
  argoCdRepositories?: ArgoCdRepository[];
  /** Password of a `database.kind: external` Results database. */
  resultsDatabasePassword?: pulumi.Input<string>;
}

export interface FailureDomainArgs {
  /** The region config (components/region-config.ts; infra/config.ts validates stack config into it). */
  config: RegionConfig;
  /** Kubeconfig content for `cluster.kind: existing`. */
  kubeconfig?: pulumi.Input<string>;
  secrets?: FailureDomainSecrets;
  /** Mirror/cache dir of the pinned upstream manifests. @default components/manifests.ts defaultMirrorDir() */
  manifestsDir?: string;
  /** Local profile: the running kcp (local/env.sh) — front-proxy URL, this region's shard, admin kubeconfig. */
  localKcp?: { frontProxyUrl: string; shardName: string; adminKubeconfig: pulumi.Input<string> };
  /** Local profile: ports of this region's local webhook processes (local/processes.ts). @default {} */
  localWebhookPorts?: LocalWebhookPorts;
  /** Cloud, not home: the home stack's kcp facts, read before the domain is built (readKcpHome). */
  kcpHome?: KcpHomeValue;
  /** Cloud home region: the other regions' published shard requests (readShardRequests). @default [] */
  shardRequests?: ShardRequest[];
}

export class FailureDomain extends pulumi.ComponentResource {
  public readonly cluster: WorkloadCluster;
  private readonly externalDbPassword?: pulumi.Input<string>;
  /** The zone kcp.externalUrl's record goes into (home region, kcp.dnsZone set). */
  private dnsZone?: DnsZoneArgs;
  /** The region cluster's Kubernetes provider (for later layers: kcp binding, tenants). */
  public readonly provider: k8s.Provider;
  public readonly namespaces: pulumi.Output<Record<string, string>>;
  /** In-cluster address of the Tekton Results API (gRPC + REST over TLS). */
  public readonly resultsEndpoint?: pulumi.Output<string>;
  /** Home region only: what other regions read through their StackReference (all public). */
  public readonly kcpHome?: pulumi.Output<KcpHomeValue>;
  /** Cloud regions but home: what the home stack signs (published as `kcpShardRequest`). */
  public readonly kcpShardRequest?: pulumi.Output<ShardRequest>;
  /**
   * Whether the region's kcp shard runs. False on a region's first `up`, until the home stack has signed
   * its request: the region then has no workspace, Tekton export or tenants yet.
   */
  public readonly kcpReady: boolean;
  /** The region's Tekton APIExport on kcp (when Tekton Pipelines runs here): name, workspace path, agent. */
  public readonly tektonExport?: pulumi.Output<{ name: string; path: string; agentName: string }>;
  /** The tenants this region serves: name → workspace path, shard, cluster namespaces, kubeconfig command. */
  public readonly tenants: pulumi.Output<Record<string, TenantSummary>>;
  /** Public half of the region's Chains signing key (PEM), when Chains is on: verifies its signatures. */
  public readonly chainsPublicKeyPem?: pulumi.Output<string>;

  constructor(name: string, args: FailureDomainArgs, opts?: pulumi.ComponentResourceOptions) {
    const c = args.config;
    // Inputs carry the region facts the policy pack checks (platform invariants).
    super(FAILURE_DOMAIN_TYPE, name, { region: c.region, cloudRegion: cloudRegionOf(c), home: c.home }, opts);
    const parent = { parent: this };
    const profile = c.profile;
    const manifestsDir = args.manifestsDir;
    this.externalDbPassword = args.secrets?.resultsDatabasePassword;

    // Layer A: cluster.
    let database: PostgresDatabase;
    // S3 logs are cloud resources made with the cluster; PVC logs live in the Tekton namespace, so
    // they are made after Pipelines creates it.
    let s3Logs: ResultsLogs | undefined;
    // `protect` is an ARG of the components that hold data, never a resource option: the Node SDK gives a
    // component's protect to every child that sets none, so as an option it would also protect
    // certificates (renewed by replacement), Secrets, Deployments, IAM users and passwords, and the first
    // renewal would fail every preview/up. Each component applies it to its stateful leaves only
    // (databases, buckets, KMS keys, PVCs, the in-cluster PostgreSQL and kcp etcd StatefulSets;
    // test/unit/protection.test.ts lists them per shipped stack). Their other children set no protect of
    // their own: they are unprotected because their component is. Kept simple on purpose: a caller that
    // passes `protect` as an option to one of these components protects all of its children again (no
    // explicit `protect: false` on each stateless child guards against that), so never do.
    const protect = c.protect;
    switch (c.cluster.kind) {
      case "eks": {
        const awsProvider = new aws.Provider(
          `${name}-aws`,
          { region: c.cluster.region as aws.Region },
          parent,
        );
        const eks = new EksCluster(name, eksArgsFromConfig(c.cluster, c, awsProvider), parent);
        const zone = c.kcp.dnsZone;
        if (zone?.route53ZoneId)
          this.dnsZone = {
            kind: "route53",
            provider: awsProvider,
            zoneId: zone.route53ZoneId,
            zoneName: zone.name,
          };
        this.cluster = eks;
        if (c.database.kind === "rds") {
          const db = new RdsDatabase(
            `${name}-results`,
            {
              provider: awsProvider,
              vpcId: eks.vpcId,
              privateSubnetIds: eks.privateSubnetIds,
              clusterSecurityGroupId: eks.clusterSecurityGroupId,
              instanceClass: c.database.instanceClass,
              engineVersion: c.database.engineVersion,
              allocatedStorageGb: c.database.allocatedStorageGb,
              backupRetentionDays: c.database.backupRetentionDays,
              multiAz: c.database.multiAz,
              protect,
              tags: c.tags,
            },
            parent,
          );
          database = db;
        } else {
          database = this.inClusterDatabase(name, eks.provider, c, parent);
        }
        if (c.logs.kind === "s3") {
          const bucket = new S3LogBucket(
            `${name}-logs`,
            {
              provider: awsProvider,
              region: c.cluster.region,
              retentionDays: c.logs.retentionDays,
              protect,
              tags: c.tags,
            },
            parent,
          );
          s3Logs = {
            kind: "s3",
            bucket: bucket.bucketName,
            region: bucket.region,
            accessKeyId: bucket.accessKeyId,
            secretAccessKey: bucket.secretAccessKey,
          };
        }
        break;
      }
      case "aks": {
        const azureProvider = new AzureProvider(`${name}-azure`, { location: c.cluster.location }, parent);
        const aks = new AksCluster(name, aksArgsFromConfig(c.cluster, c, azureProvider), parent);
        const zone = c.kcp.dnsZone;
        if (zone?.azureResourceGroup)
          this.dnsZone = {
            kind: "azure",
            provider: azureProvider,
            resourceGroupName: zone.azureResourceGroup,
            zoneName: zone.name,
          };
        this.cluster = aks;
        if (c.database.kind === "azure-postgres") {
          const db = new AzurePostgres(
            `${name}-results`,
            {
              provider: azureProvider,
              resourceGroupName: aks.resourceGroupName,
              location: c.cluster.location,
              virtualNetworkId: aks.vnetId,
              virtualNetworkName: aks.vnetName,
              subnetAddressPrefix: carveAksSubnets(c.cluster.vnetCidr).database,
              skuName: c.database.skuName,
              version: c.database.version,
              storageSizeGb: c.database.storageSizeGb,
              backupRetentionDays: c.database.backupRetentionDays,
              zoneRedundant: c.database.zoneRedundant,
              protect,
              tags: c.tags,
            },
            // Azure rejects concurrent writes to one VNet's subnets: the cluster's come first.
            { ...parent, dependsOn: [aks] },
          );
          database = db;
        } else {
          database = this.inClusterDatabase(name, aks.provider, c, parent);
        }
        break;
      }
      case "existing": {
        if (args.kubeconfig === undefined) {
          throw new pulumi.ResourceError(
            `FailureDomain ${name}: cluster.kind existing needs the kubeconfig content`,
            this,
          );
        }
        const existing = new ExistingCluster(
          name,
          existingArgsFromConfig(c.cluster, c, args.kubeconfig),
          parent,
        );
        this.cluster = existing;
        database = this.inClusterDatabase(name, existing.provider, c, parent);
        break;
      }
    }
    this.provider = this.cluster.provider;
    const provider = this.provider;

    // Layer B: kcp (root in the home region, one shard per region). Layer C: the region's workspace.
    const { kcp, kcpHome, shardRequest } = this.kcp(name, c, args, provider);
    this.kcpHome = kcpHome;
    this.kcpShardRequest = shardRequest;
    this.kcpReady = kcp !== undefined;
    if (!kcp)
      void pulumi.log.warn(
        `the home stack has not signed this region's kcp shard yet: this up publishes its request ` +
          `(output kcpShardRequest) and starts no shard, workspace, Tekton export or tenant. ` +
          `Run \`pulumi up\` on the home stack, then here again (ops/rollout.ts does both).`,
        this,
      );

    // Layer B: the Tekton stack and Argo CD, in dependency order.
    const t = c.tekton;
    const namespaces: Record<string, string> = {};
    let results: Results | undefined;
    let tektonExport: TektonExport | undefined;
    if (t.pipelines.enabled) {
      const pipelines = new Pipelines(
        `${name}-pipelines`,
        {
          provider,
          profile,
          localWebhookPorts: args.localWebhookPorts,
          manifestsDir,
          version: t.pipelines.version,
          featureFlags: t.pipelines.featureFlags,
          defaults: t.pipelines.defaults,
          controllerThreadsPerController: t.pipelines.controllerThreadsPerController,
          controllerKubeApiQps: t.pipelines.controllerKubeApiQps,
          controllerKubeApiBurst: t.pipelines.controllerKubeApiBurst,
        },
        parent,
      );
      namespaces.pipelines = PIPELINES_NAMESPACE;
      // Layer C: the region's Tekton API on kcp, served from this cluster by the api-syncagent.
      if (kcp) {
        const regionKcp = newKcpProvider(
          `${name}-kcp-region`,
          { ...kcp.admin, workspacePath: kcp.workspace.path },
          { parent: this, dependsOn: [kcp.workspace] },
        );
        tektonExport = new TektonExport(
          `${name}-tekton-export`,
          {
            kcpProvider: regionKcp,
            provider,
            region: c.region,
            kcpServerUrl: kcp.admin.frontProxyUrl,
            kcpCaPem: kcp.kcpCaPem,
            manifestsDir,
          },
          { parent: this, dependsOn: [pipelines] },
        );
      }
      if (t.triggers.enabled) {
        new Triggers(
          `${name}-triggers`,
          { provider, pipelines, profile, localWebhookPorts: args.localWebhookPorts, manifestsDir },
          parent,
        );
        namespaces.triggers = PIPELINES_NAMESPACE;
      }
      if (t.results.enabled) {
        results = new Results(
          `${name}-results`,
          {
            provider,
            pipelines,
            database: [database],
            dbHost: database.host,
            dbPort: database.port,
            dbName: database.database,
            dbUser: database.username,
            dbPassword: database.password,
            // In-cluster PostgreSQL serves plain TCP inside the cluster network; managed ones require TLS.
            // (verify-full would need the RDS CA bundle mounted into the Results API: not done yet.)
            dbSslMode:
              c.database.kind === "external"
                ? c.database.sslmode
                : c.database.kind === "in-cluster"
                  ? "disable"
                  : "require",
            logs: s3Logs ?? this.pvcLogs(name, provider, c, { ...parent, dependsOn: [pipelines] }),
            retentionDays: t.results.retentionDays,
            tlsValidityHours: t.results.tlsValidityHours,
            profile,
            manifestsDir,
          },
          parent,
        );
      }
      if (t.chains.enabled) {
        const chains = new Chains(
          `${name}-chains`,
          {
            provider,
            pipelines,
            taskrunFormat: t.chains.taskrunFormat,
            storage: t.chains.storage,
            profile,
            manifestsDir,
          },
          parent,
        );
        this.chainsPublicKeyPem = chains.signingPublicKeyPem;
      }
      if (t.pipelinesAsCode.enabled) {
        new PipelinesAsCode(
          `${name}-pac`,
          {
            provider,
            pipelines,
            githubApp: args.secrets?.githubApp,
            ingressHost: t.pipelinesAsCode.ingressHost,
            ingressClassName: t.pipelinesAsCode.ingressClassName,
            tlsSecretName: t.pipelinesAsCode.tlsSecretName,
            profile,
            manifestsDir,
          },
          parent,
        );
        namespaces.pipelinesAsCode = "pipelines-as-code";
      }
    }
    if (c.gitops.enabled) {
      new ArgoCd(
        `${name}-argocd`,
        {
          provider,
          highAvailability: c.gitops.highAvailability,
          repositories: args.secrets?.argoCdRepositories ?? [],
          profile,
          manifestsDir,
        },
        parent,
      );
      namespaces.argocd = "argocd";
    }
    // Layer C: tenants (root:tenants is the home region's; other regions reference it by path).
    if (tektonExport)
      this.tektonExport = pulumi.output({
        name: tektonExport.exportName,
        path: tektonExport.exportPath,
        agentName: tektonExport.agentName,
      });
    this.tenants = kcp
      ? this.tenancy(name, c, { kcpRoot: kcp.kcpProvider, admin: kcp.admin, provider, tektonExport })
      : pulumi.output({} as Record<string, TenantSummary>);
    this.namespaces = pulumi.output(namespaces);
    this.resultsEndpoint = results ? pulumi.output(results.apiEndpoint) : undefined;
    // region/cloudRegion/profile are outputs too: stack policies see a component's outputs, not its inputs.
    this.registerOutputs({
      region: c.region,
      cloudRegion: cloudRegionOf(c),
      profile: c.profile,
      home: c.home,
      namespaces: this.namespaces,
      resultsEndpoint: this.resultsEndpoint,
      chainsPublicKeyPem: this.chainsPublicKeyPem,
      kcpWorkspace: kcp?.workspace.workspaceName,
      tektonExport: this.tektonExport,
      tenants: this.tenants,
    });
  }

  private kcp(
    name: string,
    c: RegionConfig,
    args: FailureDomainArgs,
    provider: k8s.Provider,
  ): {
    /** Undefined while the region awaits the home stack's signature. */
    kcp?: {
      workspace: RegionWorkspace;
      kcpProvider: k8s.Provider;
      admin: KcpAdmin;
      kcpCaPem: pulumi.Input<string>;
    };
    kcpHome?: pulumi.Output<KcpHomeValue>;
    shardRequest?: pulumi.Output<ShardRequest>;
  } {
    const parent = { parent: this };
    let kcpProvider: k8s.Provider | undefined;
    let shard: Shard;
    let kcpHome: pulumi.Output<KcpHomeValue> | undefined;
    let admin: KcpAdmin | undefined;
    let kcpCaPem: pulumi.Input<string>;
    if (c.profile === "local") {
      // The kcp processes run on this machine (local/env.sh); the stack owns its shard's region labels.
      const local = args.localKcp;
      if (!local)
        throw new pulumi.ResourceError(`FailureDomain ${name}: the local profile needs the local kcp`, this);
      admin = { kubeconfig: local.adminKubeconfig, frontProxyUrl: local.frontProxyUrl };
      // The local front-proxy's serving CA is the one the admin kubeconfig trusts.
      kcpCaPem = pulumi.secret(pulumi.output(local.adminKubeconfig).apply(kubeconfigCaPem));
      kcpProvider = newKcpProvider(
        `${name}-kcp`,
        { kubeconfig: local.adminKubeconfig, frontProxyUrl: local.frontProxyUrl },
        parent,
      );
      shard = new Shard(
        `${name}-kcp-shard`,
        { profile: "local", region: c.region, shardName: local.shardName, kcpProvider },
        parent,
      );
    } else {
      // kcp's load balancers are internal unless config says otherwise (an existing cluster's cloud is
      // unknown: its Services get no cloud annotations).
      const lbAnnotations =
        c.kcp.loadBalancers === "internal" && c.cluster.kind !== "existing"
          ? internalLoadBalancerAnnotations(c.cluster.kind === "eks" ? "aws" : "azure")
          : {};
      const shardArgs = {
        region: c.region,
        shardName: c.kcp.shardName,
        provider,
        zones: c.zones,
        protect: c.protect,
        serviceAnnotations: lbAnnotations,
        storageClassName: this.cluster.storageClassName,
      };
      if (c.home) {
        // externalUrl is required for a cloud home region (infra/config.ts).
        const root = new Root(
          `${name}-kcp-root`,
          {
            provider,
            externalUrl: c.kcp.externalUrl ?? "",
            zones: c.zones,
            protect: c.protect,
            frontProxyServiceAnnotations: lbAnnotations,
            internalServiceAnnotations: lbAnnotations,
            storageClassName: this.cluster.storageClassName,
            shardRequests: args.shardRequests ?? [],
          },
          parent,
        );
        kcpHome = homeStackOutput(root.home);
        admin = { kubeconfig: root.adminKubeconfig, frontProxyUrl: root.frontProxyUrl };
        kcpCaPem = root.caBundle;
        // The stack dials externalUrl below: with a zone configured, its record exists before that.
        const dnsRecord = this.dnsZone
          ? new DnsRecord(
              `${name}-kcp-dns`,
              {
                zone: this.dnsZone,
                host: new URL(c.kcp.externalUrl ?? "").hostname,
                target: root.frontProxyAddress,
              },
              parent,
            )
          : undefined;
        kcpProvider = newKcpProvider(`${name}-kcp`, admin, {
          parent: this,
          dependsOn: [root, ...(dnsRecord ? [dnsRecord] : [])],
        });
        shard = new Shard(
          `${name}-kcp-shard`,
          { ...shardArgs, kcpProvider, fleet: root.home, signer: root.signer },
          parent,
        );
      } else {
        // Invariant: infra/program.ts read the home stack before building the domain.
        const home = args.kcpHome;
        if (!home)
          throw new pulumi.ResourceError(
            `FailureDomain ${name}: the home stack's kcp facts are required`,
            this,
          );
        const shardName = c.kcp.shardName ?? c.region;
        const certificates = home.shards[shardName];
        // The region stack's own kcp-admin identity: its key stays here, the home stack signs its request.
        const spec = shardCertSpecs(shardName).admin;
        const adminRequest = requestLeafCert(
          `${name}-kcp-admin`,
          { commonName: spec.commonName, organization: spec.organization },
          parent,
        );
        kcpCaPem = home.caBundle;
        if (certificates) {
          admin = {
            kubeconfig: kubeconfigSecret(
              home.frontProxyUrl,
              home.caBundle,
              { key: adminRequest.key.privateKeyPemPkcs8, cert: pulumi.secret(certificates.admin) },
              "kcp-admin",
            ),
            frontProxyUrl: home.frontProxyUrl,
          };
          kcpProvider = newKcpProvider(`${name}-kcp`, admin, parent);
        }
        shard = new Shard(
          `${name}-kcp-shard`,
          {
            ...shardArgs,
            kcpProvider,
            fleet: home,
            certificates,
            adminCertificateRequest: adminRequest.csr.certRequestPem,
          },
          parent,
        );
      }
    }
    if (!shard.started || !kcpProvider || !admin) return { kcpHome, shardRequest: shard.request };
    const workspace = new RegionWorkspace(
      `${name}-kcp-workspace`,
      { kcpProvider, region: c.region },
      { parent: this, dependsOn: [shard] },
    );
    return { kcp: { workspace, kcpProvider, admin, kcpCaPem }, kcpHome, shardRequest: shard.request };
  }

  /** TenantsRoot in the home region, then one Tenant per configured tenant, bound to this region's export. */
  private tenancy(
    name: string,
    c: RegionConfig,
    a: { kcpRoot: k8s.Provider; admin: KcpAdmin; provider: k8s.Provider; tektonExport?: TektonExport },
  ): pulumi.Output<Record<string, TenantSummary>> {
    const tenantsRoot = c.home
      ? new TenantsRoot(
          `${name}-tenants-root`,
          { kcpProvider: a.kcpRoot, region: c.region },
          { parent: this },
        )
      : undefined;
    if (c.tenants.length === 0) return pulumi.output<Record<string, TenantSummary>>({});
    // infra/config.ts refuses tenants without Tekton Pipelines.
    if (!a.tektonExport)
      throw new pulumi.ResourceError(`FailureDomain ${name}: tenants need tekton.pipelines.enabled`, this);
    const rootDeps = tenantsRoot ? [tenantsRoot] : [];
    const kcpTenantsProvider = newKcpProvider(
      `${name}-kcp-tenants`,
      { ...a.admin, workspacePath: TENANTS_PATH },
      { parent: this, dependsOn: rootDeps },
    );
    const summaries: Record<string, pulumi.Output<TenantSummary>> = {};
    for (const t of c.tenants) {
      const tenant = new Tenant(
        `${name}-tenant-${t.name}`,
        {
          name: t.name,
          region: c.region,
          kcpTenantsProvider,
          kcpAdmin: a.admin,
          provider: a.provider,
          namespaces: t.namespaces,
          quota: t.quota,
        },
        // The export and its bind permission, not the agent: a binding does not need it running.
        { parent: this, dependsOn: [...a.tektonExport.bindable, ...rootDeps] },
      );
      summaries[t.name] = tenant.summary;
    }
    return pulumi.output(summaries);
  }

  /** The Results database when the cloud's managed one is not chosen: external or in the cluster. */
  private inClusterDatabase(
    name: string,
    provider: k8s.Provider,
    c: RegionConfig,
    opts: pulumi.ComponentResourceOptions,
  ): PostgresDatabase {
    if (c.database.kind === "external") {
      const password = this.externalDbPassword;
      if (password === undefined)
        throw new pulumi.ResourceError(
          `FailureDomain ${name}: database.kind external needs resultsDatabasePassword`,
          this,
        );
      return new ExternalPostgres(
        `${name}-results-db`,
        {
          host: c.database.host,
          port: c.database.port,
          database: c.database.database,
          username: c.database.user,
          password,
        },
        { parent: this },
      );
    }
    const storage = c.database.kind === "in-cluster" ? c.database : undefined;
    return new InClusterPostgres(
      `${name}-results-db`,
      {
        provider,
        storageSize: storage?.storageSize,
        storageClassName: storage?.storageClassName ?? this.cluster.storageClassName,
        protect: c.protect,
      },
      opts,
    );
  }

  private pvcLogs(
    name: string,
    provider: k8s.Provider,
    c: RegionConfig,
    opts: pulumi.ComponentResourceOptions,
  ): ResultsLogs {
    const pvc = c.logs.kind === "pvc" ? c.logs : undefined;
    new PvcLogStorage(
      `${name}-logs`,
      {
        provider,
        namespace: PIPELINES_NAMESPACE,
        claimName: PVC_LOGS_CLAIM,
        size: pvc?.size,
        storageClassName: pvc?.storageClassName ?? this.cluster.storageClassName,
        protect: c.protect,
      },
      opts,
    );
    // Results mounts the claim by name in its Deployment, so it takes the plain name, not the Output.
    return { kind: "pvc", claimName: PVC_LOGS_CLAIM };
  }
}

/** The cloud region the region's resources live in (or the local region name). */
export function cloudRegionOf(c: RegionConfig): string {
  switch (c.cluster.kind) {
    case "eks":
      return c.cluster.region;
    case "aks":
      return c.cluster.location;
    case "existing":
      return c.region;
  }
}
