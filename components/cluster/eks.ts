// An EKS workload cluster in its own VPC: public + private subnets per zone, NAT, a KMS-encrypted
// control plane with every log type on, one managed node group per pool and zone, an OIDC provider
// for IRSA, the EBS CSI driver (IRSA) with an encrypted gp3 default StorageClass, and access entries for
// the configured admin and CI principals. Validation, naming and arithmetic are pure functions below the
// component.
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import {
  WorkloadCluster,
  carveZoneSubnets,
  newClusterProvider,
  parseCidr,
  renderEksKubeconfig,
  splitPoolAcrossZones,
} from "./workload-cluster";

export interface EksNodePoolArgs {
  /** Pool name, used in resource names and the `pipeline-service/pool` node label. */
  name: string;
  /** EC2 instance types, all of one CPU architecture (x86_64 or arm64/Graviton). */
  instanceTypes: string[];
  /** Pool-wide minimum, split across zones. */
  minSize: number;
  /** Pool-wide maximum, split across zones (zones whose share is 0 get no node group). */
  maxSize: number;
  /** Pool-wide initial size, split across zones; later owned by the cluster autoscaler. */
  desiredSize: number;
  /** Root volume size in GiB. @default 100 */
  diskSizeGb?: number;
}

export interface EksClusterArgs {
  /** AWS provider for the region (explicit; the default provider is never used). */
  provider: aws.Provider;
  /** AWS region of the provider, e.g. us-east-1 (used in the kubeconfig and tags). */
  region: string;
  /** Availability zones, e.g. us-east-1a; at least 3. Fixed for the cluster's life (subnet CIDRs). */
  zones: string[];
  /** Kubernetes minor version, e.g. "1.34". */
  kubernetesVersion: string;
  /** VPC CIDR; subnets are carved from it by carveZoneSubnets(). @default "10.0.0.0/16" */
  vpcCidr?: string;
  /** One NAT gateway per zone (zone-independent egress) or a single one (cheaper). @default "perZone" */
  natGateways?: "perZone" | "single";
  /** Expose the API endpoint publicly (in addition to the private endpoint). @default false */
  endpointPublicAccess?: boolean;
  /** Allow-list for the public endpoint; required, and without 0.0.0.0/0, when it is public. @default [] */
  publicAccessCidrs?: string[];
  /**
   * Networks outside the VPC that reach the private endpoint (a peered CI VPC, a VPN, a bastion's subnet):
   * each gets HTTPS into the cluster security group. Routing to the VPC (peering, transit gateway) is the
   * network owner's. @default []
   */
  privateAccessCidrs?: string[];
  /** IAM roles/users that get cluster admin through an EKS access entry. @default [] */
  adminPrincipalArns?: string[];
  /**
   * IAM roles/users CI runs `pulumi up` as. Cluster admin too: an up installs CRDs, cluster-scoped RBAC
   * and admission webhooks. Never list the identity that creates the cluster: EKS gives it an entry
   * itself (bootstrapClusterCreatorAdminPermissions), and a second one fails. @default []
   */
  ciPrincipalArns?: string[];
  /**
   * "API" (access entries only) or "API_AND_CONFIG_MAP" (the aws-auth ConfigMap too). EKS only moves
   * CONFIG_MAP → API_AND_CONFIG_MAP → API, never back. @default "API"
   */
  authenticationMode?: EksAuthenticationMode;
  /** aws-ebs-csi-driver add-on version, e.g. "v1.48.0-eksbuild.2". @default EKS's default for the cluster version */
  ebsCsiDriverVersion?: string;
  /** Managed node pools; each gets one node group per zone. */
  nodePools: EksNodePoolArgs[];
  /** Tags applied to every taggable resource (a `Name` tag is added per resource). @default {} */
  tags?: Record<string, string>;
  /** Refuse cluster deletion at the AWS API level, and protect the secrets KMS key in Pulumi. @default false */
  deletionProtection?: boolean;
  /** OIDC thumbprints; IAM fetches the top intermediate CA's itself when empty. @default [] */
  oidcThumbprints?: string[];
  /** AWS CLI profile the kubeconfig's `aws eks get-token` uses. @default the ambient credentials */
  kubeconfigAwsProfile?: string;
  /** Role the kubeconfig's `aws eks get-token` assumes. @default none */
  kubeconfigRoleArn?: string;
}

export type EksAuthenticationMode = "API" | "API_AND_CONFIG_MAP";

/** The default StorageClass EksCluster creates: gp3 through the EBS CSI driver, encrypted. */
export const EKS_STORAGE_CLASS = "gp3";
/** The EBS CSI controller's ServiceAccount (what its IRSA role trusts). */
export const EBS_CSI_SERVICE_ACCOUNT = { namespace: "kube-system", name: "ebs-csi-controller-sa" } as const;
/** AWS managed policy for the EBS CSI controller. */
export const EBS_CSI_POLICY = "service-role/AmazonEBSCSIDriverPolicy";
/** EKS access policy given to admin and CI principals. */
export const EKS_CLUSTER_ADMIN_POLICY = "AmazonEKSClusterAdminPolicy";

const PRINCIPAL_ARN = /^arn:aws[a-z-]*:iam::\d{12}:(role|user)\/[\w+=,.@/-]{1,512}$/;

/**
 * Trust policy of an IRSA role: web identity from the cluster's OIDC provider, for one ServiceAccount
 * (`sub`) and STS as the audience (`aud`). The condition keys are the issuer without its scheme.
 */
export function irsaTrustPolicy(
  oidcProviderArn: string,
  issuerUrl: string,
  serviceAccount: { namespace: string; name: string },
): string {
  const issuer = issuerUrl.replace(/^https:\/\//, "");
  if (!issuer || issuer === issuerUrl)
    throw new Error(`OIDC issuer ${JSON.stringify(issuerUrl)} is not an https URL`);
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Principal: { Federated: oidcProviderArn },
        Action: "sts:AssumeRoleWithWebIdentity",
        Condition: {
          StringEquals: {
            [`${issuer}:sub`]: `system:serviceaccount:${serviceAccount.namespace}:${serviceAccount.name}`,
            [`${issuer}:aud`]: "sts.amazonaws.com",
          },
        },
      },
    ],
  });
}

/** A resource-name-safe, stable label for an IAM principal ARN (account and path kept, so no collisions). */
export function principalLabel(arn: string): string {
  return arn
    .replace(/^arn:[^:]+:iam::/, "")
    .replace(/[^A-Za-z0-9-]+/g, "-")
    .replace(/^-+|-+$/g, "");
}

/** The access entries for admin and CI principals (pure; validated by validateEksArgs). */
export function eksAccessEntries(
  args: Pick<EksClusterArgs, "adminPrincipalArns" | "ciPrincipalArns">,
): { principalArn: string; role: "admin" | "ci"; label: string }[] {
  return [
    ...(args.adminPrincipalArns ?? []).map((principalArn) => ({ principalArn, role: "admin" as const })),
    ...(args.ciPrincipalArns ?? []).map((principalArn) => ({ principalArn, role: "ci" as const })),
  ].map((e) => ({ ...e, label: `${e.role}-${principalLabel(e.principalArn)}` }));
}

/** Every EKS control-plane log type. */
export const EKS_LOG_TYPES = ["api", "audit", "authenticator", "controllerManager", "scheduler"] as const;

/** Managed policies every EKS node role needs (joining, the VPC CNI, pulling from ECR). */
export const EKS_NODE_POLICIES = [
  "AmazonEKSWorkerNodePolicy",
  "AmazonEKS_CNI_Policy",
  "AmazonEC2ContainerRegistryReadOnly",
] as const;

/** Checks what the types cannot; throws an Error that names the problem (the component wraps it). */
export function validateEksArgs(args: Omit<EksClusterArgs, "provider">): void {
  const problems: string[] = [];
  if (args.zones.length < 3) problems.push(`at least 3 zones are required (got ${args.zones.length})`);
  if (new Set(args.zones).size !== args.zones.length) problems.push("zones must be distinct");
  for (const z of args.zones) {
    if (!z.startsWith(args.region)) problems.push(`zone ${z} is not in region ${args.region}`);
  }
  if (args.endpointPublicAccess) {
    const cidrs = args.publicAccessCidrs ?? [];
    if (cidrs.length === 0) problems.push("a public endpoint needs a non-empty publicAccessCidrs allow-list");
    if (cidrs.includes("0.0.0.0/0")) problems.push("publicAccessCidrs must not contain 0.0.0.0/0");
  }
  if ((args.privateAccessCidrs ?? []).includes("0.0.0.0/0"))
    problems.push("privateAccessCidrs must not contain 0.0.0.0/0");
  for (const c of [...(args.publicAccessCidrs ?? []), ...(args.privateAccessCidrs ?? [])]) {
    try {
      parseCidr(c);
    } catch (e) {
      problems.push((e as Error).message);
    }
  }
  const principals = [...(args.adminPrincipalArns ?? []), ...(args.ciPrincipalArns ?? [])];
  for (const arn of principals) {
    if (!PRINCIPAL_ARN.test(arn))
      problems.push(
        `principal ${JSON.stringify(arn)} is not an IAM role or user ARN (arn:aws:iam::<account>:role/<name>)`,
      );
  }
  if (new Set(principals).size !== principals.length)
    problems.push(
      "a principal may appear once across adminPrincipalArns and ciPrincipalArns (one access entry each)",
    );
  const mode = args.authenticationMode ?? "API";
  if (mode !== "API" && mode !== "API_AND_CONFIG_MAP")
    problems.push(`authenticationMode ${JSON.stringify(mode)}: one of API, API_AND_CONFIG_MAP`);
  if (args.nodePools.length === 0) problems.push("at least one node pool is required");
  const names = args.nodePools.map((p) => p.name);
  if (new Set(names).size !== names.length) problems.push("node pool names must be distinct");
  for (const p of args.nodePools) {
    if (!(p.minSize <= p.desiredSize && p.desiredSize <= p.maxSize)) {
      problems.push(`node pool ${p.name}: needs minSize <= desiredSize <= maxSize`);
    }
    try {
      amiTypeFor(p.instanceTypes);
    } catch (e) {
      problems.push(`node pool ${p.name}: ${(e as Error).message}`);
    }
  }
  try {
    carveZoneSubnets(args.vpcCidr ?? "10.0.0.0/16", args.zones.length);
  } catch (e) {
    problems.push((e as Error).message);
  }
  if (problems.length > 0) throw new Error(problems.join("; "));
}

/** Graviton families carry a "g" after the generation digit (m7g, c6gn, r8gd, t4g). */
export function isArmInstanceType(instanceType: string): boolean {
  return /^[a-z]+\d+g[a-z]*\./.test(instanceType);
}

/** The AL2023 AMI type for a pool's instance types; a node group cannot mix architectures. */
export function amiTypeFor(instanceTypes: string[]): "AL2023_ARM_64_STANDARD" | "AL2023_x86_64_STANDARD" {
  if (instanceTypes.length === 0) throw new Error("at least one instance type is required");
  const arm = instanceTypes.map(isArmInstanceType);
  if (arm.some((a) => a !== arm[0])) {
    throw new Error(`instance types mix arm64 and x86_64: ${instanceTypes.join(", ")}`);
  }
  return arm[0] ? "AL2023_ARM_64_STANDARD" : "AL2023_x86_64_STANDARD";
}

/** What a region's `cluster` config (kind: eks) gives the component; infra/config.ts validates into it. */
export type EksClusterConfig = Omit<EksClusterArgs, "provider" | "zones" | "tags" | "deletionProtection">;

/** Maps validated region config to component args (infra/ adds the provider). */
export function eksArgsFromConfig(
  config: EksClusterConfig,
  region: { zones: string[]; tags: Record<string, string>; protect: boolean },
  provider: aws.Provider,
): EksClusterArgs {
  return {
    provider,
    region: config.region,
    zones: region.zones,
    kubernetesVersion: config.kubernetesVersion,
    vpcCidr: config.vpcCidr,
    natGateways: config.natGateways,
    endpointPublicAccess: config.endpointPublicAccess,
    publicAccessCidrs: config.publicAccessCidrs,
    privateAccessCidrs: config.privateAccessCidrs,
    adminPrincipalArns: config.adminPrincipalArns,
    ciPrincipalArns: config.ciPrincipalArns,
    authenticationMode: config.authenticationMode,
    nodePools: config.nodePools.map((p) => ({ ...p })),
    tags: region.tags,
    deletionProtection: region.protect,
  };
}

function assumeRolePolicy(service: string): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Principal: { Service: service }, Action: "sts:AssumeRole" }],
  });
}

export class EksCluster extends pulumi.ComponentResource implements WorkloadCluster {
  public readonly provider: k8s.Provider;
  public readonly name: pulumi.Output<string>;
  public readonly region: string;
  public readonly zones: string[];
  public readonly kubeconfig: pulumi.Output<string>;
  public readonly vpcId: pulumi.Output<string>;
  public readonly privateSubnetIds: pulumi.Output<string>[];
  public readonly publicSubnetIds: pulumi.Output<string>[];
  public readonly clusterSecurityGroupId: pulumi.Output<string>;
  public readonly nodeRoleArn: pulumi.Output<string>;
  public readonly oidcProviderArn: pulumi.Output<string>;
  public readonly oidcIssuerUrl: pulumi.Output<string>;
  public readonly storageClassName: string = EKS_STORAGE_CLASS;

  constructor(name: string, args: EksClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    // Validate before registering anything: bad input leaves no half-built component behind.
    try {
      validateEksArgs(args);
    } catch (e) {
      throw new pulumi.ResourceError(`EksCluster ${name}: ${(e as Error).message}`, opts?.parent);
    }
    super("pipeline-service:cluster:EksCluster", name, {}, opts);
    this.region = args.region;
    this.zones = [...args.zones];
    const aopts = { parent: this, provider: args.provider };
    const tagged = (suffix: string): Record<string, string> => ({
      ...(args.tags ?? {}),
      Name: `${name}-${suffix}`,
    });
    const partition = aws.getPartitionOutput({}, aopts).partition;
    const account = aws.getCallerIdentityOutput({}, aopts).accountId;
    const managedPolicy = (p: string) => pulumi.interpolate`arn:${partition}:iam::aws:policy/${p}`;

    // --- network -------------------------------------------------------------------------------
    const vpcCidr = args.vpcCidr ?? "10.0.0.0/16";
    const cidrs = carveZoneSubnets(vpcCidr, args.zones.length);
    const vpc = new aws.ec2.Vpc(
      `${name}-vpc`,
      { cidrBlock: vpcCidr, enableDnsHostnames: true, enableDnsSupport: true, tags: tagged("vpc") },
      aopts,
    );
    const igw = new aws.ec2.InternetGateway(`${name}-igw`, { vpcId: vpc.id, tags: tagged("igw") }, aopts);
    const publicRt = new aws.ec2.RouteTable(
      `${name}-public`,
      { vpcId: vpc.id, tags: tagged("public") },
      aopts,
    );
    new aws.ec2.Route(
      `${name}-public-default`,
      { routeTableId: publicRt.id, destinationCidrBlock: "0.0.0.0/0", gatewayId: igw.id },
      aopts,
    );
    // Subnets are named by zone (not index) so reordering the zone list cannot shuffle them.
    const publicSubnets = args.zones.map((zone, i) => {
      const subnet = new aws.ec2.Subnet(
        `${name}-public-${zone}`,
        {
          vpcId: vpc.id,
          availabilityZone: zone,
          cidrBlock: cidrs.public[i],
          mapPublicIpOnLaunch: false,
          tags: { ...tagged(`public-${zone}`), "kubernetes.io/role/elb": "1" },
        },
        aopts,
      );
      new aws.ec2.RouteTableAssociation(
        `${name}-public-${zone}`,
        { subnetId: subnet.id, routeTableId: publicRt.id },
        aopts,
      );
      return subnet;
    });
    const natZones = (args.natGateways ?? "perZone") === "perZone" ? args.zones : [args.zones[0]];
    const nats = natZones.map((zone) => {
      const eip = new aws.ec2.Eip(
        `${name}-nat-${zone}`,
        { domain: "vpc", tags: tagged(`nat-${zone}`) },
        aopts,
      );
      return new aws.ec2.NatGateway(
        `${name}-nat-${zone}`,
        {
          allocationId: eip.id,
          subnetId: publicSubnets[args.zones.indexOf(zone)].id,
          tags: tagged(`nat-${zone}`),
        },
        { ...aopts, dependsOn: [igw] },
      );
    });
    const privateSubnets = args.zones.map((zone, i) => {
      const subnet = new aws.ec2.Subnet(
        `${name}-private-${zone}`,
        {
          vpcId: vpc.id,
          availabilityZone: zone,
          cidrBlock: cidrs.private[i],
          tags: { ...tagged(`private-${zone}`), "kubernetes.io/role/internal-elb": "1" },
        },
        aopts,
      );
      const rt = new aws.ec2.RouteTable(
        `${name}-private-${zone}`,
        { vpcId: vpc.id, tags: tagged(`private-${zone}`) },
        aopts,
      );
      new aws.ec2.Route(
        `${name}-private-${zone}-default`,
        { routeTableId: rt.id, destinationCidrBlock: "0.0.0.0/0", natGatewayId: (nats[i] ?? nats[0]).id },
        aopts,
      );
      new aws.ec2.RouteTableAssociation(
        `${name}-private-${zone}`,
        { subnetId: subnet.id, routeTableId: rt.id },
        aopts,
      );
      return subnet;
    });

    // --- control plane -------------------------------------------------------------------------
    const clusterRole = new aws.iam.Role(
      `${name}-cluster`,
      { assumeRolePolicy: assumeRolePolicy("eks.amazonaws.com"), tags: tagged("cluster") },
      aopts,
    );
    const clusterPolicy = new aws.iam.RolePolicyAttachment(
      `${name}-cluster-policy`,
      { role: clusterRole.name, policyArn: managedPolicy("AmazonEKSClusterPolicy") },
      aopts,
    );
    const key = new aws.kms.Key(
      `${name}-secrets`,
      {
        description: `${name}: envelope encryption of EKS secrets`,
        enableKeyRotation: true,
        deletionWindowInDays: 30,
        policy: pulumi.jsonStringify({
          Version: "2012-10-17",
          Statement: [
            {
              Sid: "AccountAdministers",
              Effect: "Allow",
              Principal: { AWS: pulumi.interpolate`arn:${partition}:iam::${account}:root` },
              Action: "kms:*",
              Resource: "*",
            },
          ],
        }),
        tags: tagged("secrets"),
      },
      // Losing this key makes every Kubernetes Secret of the cluster unreadable: protected like the cluster.
      { ...aopts, protect: args.deletionProtection ?? false },
    );
    // The cluster role uses the key for envelope encryption (as terraform-aws-eks grants it).
    const keyUse = new aws.iam.RolePolicy(
      `${name}-cluster-kms`,
      {
        role: clusterRole.id,
        policy: pulumi.jsonStringify({
          Version: "2012-10-17",
          Statement: [
            {
              Effect: "Allow",
              Action: ["kms:Encrypt", "kms:Decrypt", "kms:ListGrants", "kms:DescribeKey"],
              Resource: key.arn,
            },
          ],
        }),
      },
      aopts,
    );
    // Auto-named: a replacement gets a new name, hence a new id, hence a new provider identity.
    const cluster = new aws.eks.Cluster(
      `${name}-eks`,
      {
        version: args.kubernetesVersion,
        roleArn: clusterRole.arn,
        vpcConfig: {
          subnetIds: privateSubnets.map((s) => s.id),
          endpointPrivateAccess: true,
          endpointPublicAccess: args.endpointPublicAccess ?? false,
          publicAccessCidrs: args.endpointPublicAccess ? args.publicAccessCidrs : undefined,
        },
        encryptionConfig: { provider: { keyArn: key.arn }, resources: ["secrets"] },
        enabledClusterLogTypes: [...EKS_LOG_TYPES],
        accessConfig: {
          authenticationMode: args.authenticationMode ?? "API",
          // Changing it replaces the cluster: the creator keeps its entry; others come from access entries.
          bootstrapClusterCreatorAdminPermissions: true,
        },
        deletionProtection: args.deletionProtection ?? false,
        tags: tagged("eks"),
      },
      { ...aopts, dependsOn: [clusterPolicy, keyUse] },
    );

    // Networks outside the VPC (CI, VPN, bastion) reach the private endpoint through the cluster SG.
    const clusterSg = cluster.vpcConfig.apply((v) => v.clusterSecurityGroupId ?? "");
    for (const cidr of args.privateAccessCidrs ?? []) {
      new aws.vpc.SecurityGroupIngressRule(
        `${name}-api-${cidr.replace(/[./]/g, "-")}`,
        {
          securityGroupId: clusterSg,
          description: "Kubernetes API (private endpoint) from privateAccessCidrs",
          cidrIpv4: cidr,
          ipProtocol: "tcp",
          fromPort: 443,
          toPort: 443,
          tags: tagged(`api-${cidr}`),
        },
        aopts,
      );
    }

    // --- access: admin and CI principals (the creator has its own bootstrap entry) ---------------
    const accessPolicies = eksAccessEntries(args).map((e) => {
      const entry = new aws.eks.AccessEntry(
        `${name}-${e.label}`,
        { clusterName: cluster.name, principalArn: e.principalArn, type: "STANDARD", tags: tagged(e.label) },
        aopts,
      );
      return new aws.eks.AccessPolicyAssociation(
        `${name}-${e.label}`,
        {
          clusterName: cluster.name,
          principalArn: entry.principalArn,
          policyArn: pulumi.interpolate`arn:${partition}:eks::aws:cluster-access-policy/${EKS_CLUSTER_ADMIN_POLICY}`,
          accessScope: { type: "cluster" },
        },
        aopts,
      );
    });

    // --- nodes ---------------------------------------------------------------------------------
    const nodeRole = new aws.iam.Role(
      `${name}-node`,
      { assumeRolePolicy: assumeRolePolicy("ec2.amazonaws.com"), tags: tagged("node") },
      aopts,
    );
    const nodePolicies = EKS_NODE_POLICIES.map(
      (p) =>
        new aws.iam.RolePolicyAttachment(
          `${name}-node-${p}`,
          { role: nodeRole.name, policyArn: managedPolicy(p) },
          aopts,
        ),
    );
    const nodeGroups: aws.eks.NodeGroup[] = [];
    args.nodePools.forEach((pool, poolIndex) => {
      const shares = splitPoolAcrossZones(pool, args.zones.length, poolIndex);
      args.zones.forEach((zone, i) => {
        if (shares[i].maxSize < 1) return;
        nodeGroups.push(
          new aws.eks.NodeGroup(
            `${name}-${pool.name}-${zone}`,
            {
              clusterName: cluster.name,
              version: cluster.version,
              nodeRoleArn: nodeRole.arn,
              subnetIds: [privateSubnets[i].id],
              instanceTypes: pool.instanceTypes,
              amiType: amiTypeFor(pool.instanceTypes),
              diskSize: pool.diskSizeGb ?? 100,
              scalingConfig: shares[i],
              updateConfig: { maxUnavailable: 1 },
              labels: { "pipeline-service/pool": pool.name },
              tags: tagged(`${pool.name}-${zone}`),
            },
            // The cluster autoscaler owns desiredSize after creation.
            { ...aopts, dependsOn: nodePolicies, ignoreChanges: ["scalingConfig.desiredSize"] },
          ),
        );
      });
    });

    // --- IRSA ----------------------------------------------------------------------------------
    const issuer = cluster.identities.apply((ids) => {
      const url = ids?.[0]?.oidcs?.[0]?.issuer;
      if (!url) throw new Error(`EksCluster ${name}: the cluster reported no OIDC issuer`);
      return url;
    });
    const oidc = new aws.iam.OpenIdConnectProvider(
      `${name}-oidc`,
      {
        url: issuer,
        clientIdLists: ["sts.amazonaws.com"],
        // Left empty IAM retrieves the thumbprint itself (and for EKS issuers trusts its own CA library).
        thumbprintLists: args.oidcThumbprints?.length ? args.oidcThumbprints : undefined,
        tags: tagged("oidc"),
      },
      aopts,
    );

    // --- storage: the EBS CSI driver (IRSA) and an encrypted gp3 default class -------------------
    // Without the driver no PersistentVolumeClaim binds on EKS (kcp etcd, PostgreSQL, Results logs).
    const ebsCsiRole = new aws.iam.Role(
      `${name}-ebs-csi`,
      {
        assumeRolePolicy: pulumi
          .all([oidc.arn, issuer])
          .apply(([arn, url]) => irsaTrustPolicy(arn, url, EBS_CSI_SERVICE_ACCOUNT)),
        tags: tagged("ebs-csi"),
      },
      aopts,
    );
    const ebsCsiPolicy = new aws.iam.RolePolicyAttachment(
      `${name}-ebs-csi`,
      { role: ebsCsiRole.name, policyArn: managedPolicy(EBS_CSI_POLICY) },
      aopts,
    );
    const ebsCsi = new aws.eks.Addon(
      `${name}-ebs-csi`,
      {
        clusterName: cluster.name,
        addonName: "aws-ebs-csi-driver",
        addonVersion: args.ebsCsiDriverVersion,
        serviceAccountRoleArn: ebsCsiRole.arn,
        resolveConflictsOnCreate: "OVERWRITE",
        resolveConflictsOnUpdate: "OVERWRITE",
        tags: tagged("ebs-csi"),
      },
      // Its controller runs on the nodes: the add-on is ACTIVE only once they have joined.
      { ...aopts, dependsOn: [...nodeGroups, ebsCsiPolicy] },
    );

    // --- kubeconfig and provider ---------------------------------------------------------------
    this.name = cluster.name;
    this.kubeconfig = pulumi.secret(
      pulumi
        .all([cluster.name, cluster.endpoint, cluster.certificateAuthority])
        .apply(([clusterName, endpoint, ca]) =>
          renderEksKubeconfig({
            clusterName,
            endpoint,
            certificateAuthorityData: ca?.data ?? "",
            region: args.region,
            awsProfile: args.kubeconfigAwsProfile,
            roleArn: args.kubeconfigRoleArn,
          }),
        ),
    );
    this.provider = newClusterProvider(
      name,
      { kubeconfig: this.kubeconfig, clusterIdentifier: cluster.id },
      // Every Kubernetes resource waits for the nodes, the CSI driver and the access entries.
      { parent: this, dependsOn: [...nodeGroups, ebsCsi, ...accessPolicies] },
    );
    new k8s.storage.v1.StorageClass(
      `${name}-${EKS_STORAGE_CLASS}`,
      {
        metadata: {
          name: EKS_STORAGE_CLASS,
          annotations: { "storageclass.kubernetes.io/is-default-class": "true" },
        },
        provisioner: "ebs.csi.aws.com",
        parameters: { type: "gp3", encrypted: "true", "csi.storage.k8s.io/fstype": "ext4" },
        // Bind where the pod is scheduled (EBS volumes are zonal); keep the volume if a claim is deleted.
        volumeBindingMode: "WaitForFirstConsumer",
        reclaimPolicy: "Retain",
        allowVolumeExpansion: true,
      },
      { parent: this, provider: this.provider },
    );

    this.vpcId = vpc.id;
    this.privateSubnetIds = privateSubnets.map((s) => s.id);
    this.publicSubnetIds = publicSubnets.map((s) => s.id);
    this.clusterSecurityGroupId = cluster.vpcConfig.apply((v) => v.clusterSecurityGroupId ?? "");
    this.nodeRoleArn = nodeRole.arn;
    this.oidcProviderArn = oidc.arn;
    this.oidcIssuerUrl = issuer;
    this.registerOutputs({
      name: this.name,
      kubeconfig: this.kubeconfig,
      vpcId: this.vpcId,
      oidcProviderArn: this.oidcProviderArn,
    });
  }
}
