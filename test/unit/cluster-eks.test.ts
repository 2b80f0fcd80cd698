// EksCluster under mocks: the VPC layout, control-plane security settings, node groups per zone, IRSA,
// tags, explicit providers, and the no-churn provider contract.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { parse as parseYaml } from "yaml";
import {
  EKS_LOG_TYPES,
  EksCluster,
  EksClusterArgs,
  eksArgsFromConfig,
  validateEksArgs,
} from "../../components/cluster/eks";
import { Registered, countByType, settle, setupMocks, valueOf } from "../helpers/mocks";

const ZONES = ["us-east-1a", "us-east-1b", "us-east-1c"];
const TAGS = { "pipeline-service/region": "aws-us-east-1", owner: "pipelines" };
const UNTAGGABLE = new Set([
  "aws:ec2/route:Route",
  "aws:ec2/routeTableAssociation:RouteTableAssociation",
  "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
  "aws:iam/rolePolicy:RolePolicy",
]);

interface Fixture {
  endpoint?: string;
  ca?: string;
}

/** One fresh mock "deployment" of an EksCluster; cloud outputs are faked per type. */
async function deploy(over: Partial<EksClusterArgs> = {}, fx: Fixture = {}) {
  const { resources } = setupMocks({
    invokes: {
      "aws:index/getPartition:getPartition": () => ({
        partition: "aws",
        dnsSuffix: "amazonaws.com",
        id: "aws",
      }),
      "aws:index/getCallerIdentity:getCallerIdentity": () => ({
        accountId: "123456789012",
        arn: "arn:aws:iam::123456789012:user/ci",
        userId: "AIDA",
        id: "123456789012",
      }),
    },
    outputs: {
      "aws:eks/cluster:Cluster": (a) => ({
        name: `${a.name}-0f3c2a1`,
        arn: `arn:aws:eks:us-east-1:123456789012:cluster/${a.name}-0f3c2a1`,
        endpoint: fx.endpoint ?? "https://0F3C2A1.gr7.us-east-1.eks.amazonaws.com",
        certificateAuthority: { data: fx.ca ?? "Q0EtMQo=" },
        identities: [{ oidcs: [{ issuer: "https://oidc.eks.us-east-1.amazonaws.com/id/0F3C2A1" }] }],
        vpcConfig: { ...(a.inputs.vpcConfig as object), clusterSecurityGroupId: "sg-0123" },
      }),
      "aws:iam/role:Role": (a) => ({ name: `${a.name}-r`, arn: `arn:aws:iam::123456789012:role/${a.name}` }),
      "aws:kms/key:Key": (a) => ({ arn: `arn:aws:kms:us-east-1:123456789012:key/${a.name}` }),
      "aws:iam/openIdConnectProvider:OpenIdConnectProvider": (a) => ({
        arn: `arn:aws:iam::123456789012:oidc/${a.name}`,
      }),
    },
  });
  const provider = new aws.Provider("aws-us-east-1", { region: "us-east-1" });
  const args: EksClusterArgs = {
    provider,
    region: "us-east-1",
    zones: ZONES,
    kubernetesVersion: "1.34",
    nodePools: [
      { name: "system", instanceTypes: ["m7g.large"], minSize: 3, desiredSize: 3, maxSize: 6 },
      {
        name: "builds",
        instanceTypes: ["m6i.2xlarge", "m7i.2xlarge"],
        minSize: 1,
        desiredSize: 4,
        maxSize: 20,
      },
    ],
    tags: TAGS,
    ...over,
  };
  const cluster = new EksCluster("aws-us-east-1", args);
  const providerUrn = await valueOf(provider.urn);
  const k8sUrn = await valueOf(cluster.provider.urn);
  await valueOf(cluster.kubeconfig);
  await settle();
  const of = (type: string) => resources.filter((r) => r.type === type);
  const one = (type: string) => {
    const rs = of(type);
    assert.equal(rs.length, 1, `one ${type}`);
    return rs[0];
  };
  return { resources, cluster, providerUrn, k8sUrn, of, one };
}

const input = <T = unknown>(r: Registered, path: string): T =>
  path.split(".").reduce<unknown>((v, k) => (v as Record<string, unknown>)?.[k], r.inputs) as T;

void describe("EksCluster network", () => {
  void it("carves public and private subnets per zone from the VPC CIDR", async () => {
    const { of, one } = await deploy();
    assert.equal(input(one("aws:ec2/vpc:Vpc"), "cidrBlock"), "10.0.0.0/16");
    const subnets = of("aws:ec2/subnet:Subnet");
    const pub = subnets.filter((s) => s.name.includes("-public-"));
    const priv = subnets.filter((s) => s.name.includes("-private-"));
    assert.deepEqual(
      pub.map((s) => [input(s, "availabilityZone"), input(s, "cidrBlock")]),
      [
        ["us-east-1a", "10.0.128.0/21"],
        ["us-east-1b", "10.0.136.0/21"],
        ["us-east-1c", "10.0.144.0/21"],
      ],
    );
    assert.ok(pub.every((s) => (s.inputs.tags as Record<string, string>)["kubernetes.io/role/elb"] === "1"));
    assert.ok(
      priv.every((s) => (s.inputs.tags as Record<string, string>)["kubernetes.io/role/internal-elb"] === "1"),
    );
    assert.deepEqual(
      priv.map((s) => input(s, "cidrBlock")),
      ["10.0.0.0/19", "10.0.32.0/19", "10.0.64.0/19"],
    );
  });

  void it("routes each private subnet through the NAT gateway of its own zone (perZone)", async () => {
    const { of } = await deploy();
    const nats = of("aws:ec2/natGateway:NatGateway");
    assert.equal(nats.length, 3);
    assert.equal(of("aws:ec2/eip:Eip").length, 3);
    const routes = of("aws:ec2/route:Route");
    for (const zone of ZONES) {
      const r = routes.find((x) => x.name === `aws-us-east-1-private-${zone}-default`);
      assert.equal(input(r!, "natGatewayId"), `aws-us-east-1-nat-${zone}-id`);
    }
    const pub = routes.find((x) => x.name === "aws-us-east-1-public-default");
    assert.equal(input(pub!, "gatewayId"), "aws-us-east-1-igw-id");
    assert.equal(of("aws:ec2/routeTableAssociation:RouteTableAssociation").length, 6);
  });

  void it("uses one NAT gateway for every zone when natGateways is single", async () => {
    const { of } = await deploy({ natGateways: "single" });
    assert.equal(of("aws:ec2/natGateway:NatGateway").length, 1);
    const targets = new Set(
      of("aws:ec2/route:Route")
        .filter((r) => r.name.includes("-private-"))
        .map((r) => input(r, "natGatewayId")),
    );
    assert.deepEqual([...targets], ["aws-us-east-1-nat-us-east-1a-id"]);
  });
});

void describe("EksCluster control plane", () => {
  void it("encrypts secrets with a rotating KMS key, logs everything, and keeps the endpoint private", async () => {
    const { one } = await deploy();
    const key = one("aws:kms/key:Key");
    assert.equal(input(key, "enableKeyRotation"), true);
    const policy = JSON.parse(input<string>(key, "policy"));
    assert.equal(policy.Statement[0].Principal.AWS, "arn:aws:iam::123456789012:root");
    const eks = one("aws:eks/cluster:Cluster");
    assert.deepEqual(input(eks, "encryptionConfig"), {
      provider: { keyArn: "arn:aws:kms:us-east-1:123456789012:key/aws-us-east-1-secrets" },
      resources: ["secrets"],
    });
    assert.deepEqual(input(eks, "enabledClusterLogTypes"), [...EKS_LOG_TYPES]);
    assert.equal(input(eks, "vpcConfig.endpointPrivateAccess"), true);
    assert.equal(input(eks, "vpcConfig.endpointPublicAccess"), false);
    assert.equal(input(eks, "vpcConfig.publicAccessCidrs"), undefined);
    assert.deepEqual(
      input(eks, "vpcConfig.subnetIds"),
      ZONES.map((z) => `aws-us-east-1-private-${z}-id`),
    );
    assert.equal(input(eks, "roleArn"), "arn:aws:iam::123456789012:role/aws-us-east-1-cluster");
    assert.equal(input(eks, "version"), "1.34");
    assert.equal(input(eks, "accessConfig.authenticationMode"), "API");
  });

  void it("lets the cluster role use the key and attaches the cluster policy", async () => {
    const { of, one } = await deploy();
    const kms = JSON.parse(input<string>(one("aws:iam/rolePolicy:RolePolicy"), "policy"));
    assert.equal(kms.Statement[0].Resource, "arn:aws:kms:us-east-1:123456789012:key/aws-us-east-1-secrets");
    const arns = of("aws:iam/rolePolicyAttachment:RolePolicyAttachment").map((r) => input(r, "policyArn"));
    assert.ok(arns.includes("arn:aws:iam::aws:policy/AmazonEKSClusterPolicy"));
  });

  void it("opens the public endpoint only to an allow-list", async () => {
    const { one } = await deploy({ endpointPublicAccess: true, publicAccessCidrs: ["203.0.113.0/24"] });
    const eks = one("aws:eks/cluster:Cluster");
    assert.equal(input(eks, "vpcConfig.endpointPublicAccess"), true);
    assert.deepEqual(input(eks, "vpcConfig.publicAccessCidrs"), ["203.0.113.0/24"]);
  });

  for (const [label, cidrs, why] of [
    ["without an allow-list", [], /non-empty publicAccessCidrs/],
    ["open to the world", ["0.0.0.0/0"], /must not contain 0\.0\.0\.0\/0/],
  ] as const) {
    void it(`refuses a public endpoint ${label}`, () => {
      setupMocks();
      const provider = new aws.Provider("p", { region: "us-east-1" });
      assert.throws(
        () =>
          new EksCluster("bad", {
            provider,
            region: "us-east-1",
            zones: ZONES,
            kubernetesVersion: "1.34",
            endpointPublicAccess: true,
            publicAccessCidrs: [...cidrs],
            nodePools: [{ name: "p", instanceTypes: ["m6i.large"], minSize: 1, desiredSize: 1, maxSize: 1 }],
          }),
        (e: Error) =>
          e instanceof pulumi.ResourceError && /^EksCluster bad: /.test(e.message) && why.test(e.message),
      );
    });
  }

  void it("refuses fewer than 3 zones and zones from another region, naming each problem", () => {
    setupMocks();
    const provider = new aws.Provider("p", { region: "us-east-1" });
    assert.throws(
      () =>
        new EksCluster("bad", {
          provider,
          region: "us-east-1",
          zones: ["us-east-1a", "eu-west-1b"],
          kubernetesVersion: "1.34",
          nodePools: [{ name: "p", instanceTypes: ["m6i.large"], minSize: 1, desiredSize: 1, maxSize: 1 }],
        }),
      /at least 3 zones.*zone eu-west-1b is not in region us-east-1/,
    );
  });
});

void describe("EksCluster nodes and IRSA", () => {
  void it("creates one managed node group per pool and zone with the pool's sizes split across zones", async () => {
    const { of } = await deploy();
    const groups = of("aws:eks/nodeGroup:NodeGroup");
    assert.equal(groups.length, 2 * ZONES.length);
    for (const [pool, total] of [
      ["system", { minSize: 3, desiredSize: 3, maxSize: 6 }],
      ["builds", { minSize: 1, desiredSize: 4, maxSize: 20 }],
    ] as const) {
      const mine = groups.filter((g) => g.name.startsWith(`aws-us-east-1-${pool}-`));
      assert.deepEqual(
        mine.map((g) => input(g, "subnetIds")),
        ZONES.map((z) => [`aws-us-east-1-private-${z}-id`]),
      );
      for (const k of ["minSize", "desiredSize", "maxSize"] as const) {
        assert.equal(
          mine.reduce((acc, g) => acc + input<number>(g, `scalingConfig.${k}`), 0),
          total[k],
          `${pool} ${k}`,
        );
      }
      assert.ok(
        mine.every((g) => (g.inputs.labels as Record<string, string>)["pipeline-service/pool"] === pool),
      );
    }
    const ami = (pool: string) =>
      new Set(groups.filter((g) => g.name.includes(`-${pool}-`)).map((g) => input(g, "amiType")));
    assert.deepEqual([...ami("system")], ["AL2023_ARM_64_STANDARD"]);
    assert.deepEqual([...ami("builds")], ["AL2023_x86_64_STANDARD"]);
  });

  void it("skips zones whose share of a small pool's maximum is zero", async () => {
    const { of } = await deploy({
      nodePools: [{ name: "tiny", instanceTypes: ["t3.large"], minSize: 1, desiredSize: 1, maxSize: 2 }],
    });
    const groups = of("aws:eks/nodeGroup:NodeGroup");
    assert.equal(groups.length, 2);
    assert.equal(
      groups.reduce((a, g) => a + input<number>(g, "scalingConfig.maxSize"), 0),
      2,
    );
  });

  void it("gives nodes the standard managed policies and sets up the OIDC provider for IRSA", async () => {
    const { of, one } = await deploy();
    const nodeArns = of("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
      .filter((r) => r.name.startsWith("aws-us-east-1-node-"))
      .map((r) => input(r, "policyArn"))
      .sort();
    assert.deepEqual(nodeArns, [
      "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly",
      "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy",
      "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy",
    ]);
    const oidc = one("aws:iam/openIdConnectProvider:OpenIdConnectProvider");
    assert.equal(input(oidc, "url"), "https://oidc.eks.us-east-1.amazonaws.com/id/0F3C2A1");
    assert.deepEqual(input(oidc, "clientIdLists"), ["sts.amazonaws.com"]);
    assert.equal(input(oidc, "thumbprintLists"), undefined, "IAM fetches the thumbprint itself");
  });
});

void describe("EksCluster hygiene", () => {
  void it("tags every taggable resource with the region tags and a Name", async () => {
    const { resources } = await deploy();
    const aws_ = resources.filter((r) => r.type.startsWith("aws:") && !UNTAGGABLE.has(r.type));
    assert.ok(aws_.length > 20);
    for (const r of aws_) {
      const tags = r.inputs.tags as Record<string, string> | undefined;
      assert.ok(tags, `${r.type} ${r.name} has no tags`);
      assert.equal(tags["pipeline-service/region"], "aws-us-east-1", `${r.name}`);
      assert.match(tags.Name, /^aws-us-east-1-/, `${r.name}`);
    }
  });

  void it("creates every AWS resource through the explicit provider", async () => {
    const { resources, providerUrn } = await deploy();
    for (const r of resources.filter((x) => x.type.startsWith("aws:"))) {
      assert.ok(r.provider?.startsWith(`${providerUrn}::`), `${r.type} ${r.name} uses ${r.provider}`);
    }
  });

  void it("maps region config to args", () => {
    setupMocks();
    const provider = new aws.Provider("p", { region: "us-east-1" });
    const args = eksArgsFromConfig(
      {
        region: "us-east-1",
        kubernetesVersion: "1.34",
        vpcCidr: "10.2.0.0/16",
        natGateways: "single",
        endpointPublicAccess: false,
        publicAccessCidrs: [],
        privateAccessCidrs: ["10.99.0.0/24"],
        adminPrincipalArns: ["arn:aws:iam::123456789012:role/admins"],
        ciPrincipalArns: ["arn:aws:iam::123456789012:role/ci"],
        authenticationMode: "API",
        nodePools: [
          { name: "p", instanceTypes: ["m6i.large"], minSize: 1, desiredSize: 1, maxSize: 3, diskSizeGb: 50 },
        ],
      },
      { zones: ZONES, tags: TAGS, protect: true },
      provider,
    );
    assert.equal(args.vpcCidr, "10.2.0.0/16");
    assert.equal(args.natGateways, "single");
    assert.equal(args.deletionProtection, true);
    assert.deepEqual(args.zones, ZONES);
    assert.equal(args.nodePools[0].diskSizeGb, 50);
    assert.deepEqual(args.privateAccessCidrs, ["10.99.0.0/24"]);
    assert.deepEqual(args.adminPrincipalArns, ["arn:aws:iam::123456789012:role/admins"]);
    assert.deepEqual(args.ciPrincipalArns, ["arn:aws:iam::123456789012:role/ci"]);
  });
});

void describe("EksCluster Kubernetes provider", () => {
  void it("renders an exec kubeconfig as a secret and identifies the provider by the cluster id", async () => {
    const { cluster, one } = await deploy();
    const p = one("pulumi:providers:kubernetes");
    assert.ok(pulumi.runtime.isRpcSecret(p.inputs.kubeconfig), "provider kubeconfig is a secret");
    const kc = parseYaml(pulumi.runtime.unwrapRpcSecret(p.inputs.kubeconfig) as string);
    assert.equal(kc.clusters[0].cluster.server, "https://0F3C2A1.gr7.us-east-1.eks.amazonaws.com");
    assert.deepEqual(kc.users[0].user.exec.args.slice(0, 6), [
      "--region",
      "us-east-1",
      "eks",
      "get-token",
      "--cluster-name",
      "aws-us-east-1-eks-0f3c2a1",
    ]);
    assert.equal(p.inputs.clusterIdentifier, "aws-us-east-1-eks-id");
    assert.equal(await pulumi.isSecret(cluster.kubeconfig), true);
    assert.equal(await valueOf(cluster.name), "aws-us-east-1-eks-0f3c2a1");
    assert.deepEqual(cluster.zones, ZONES);
  });

  void it("keeps the provider URN and identity when only the endpoint/CA in the kubeconfig change", async () => {
    const before = await deploy();
    const after = await deploy(
      {},
      { endpoint: "https://NEW.gr7.us-east-1.eks.amazonaws.com", ca: "Q0EtMgo=" },
    );
    const [pb, pa] = [before.one("pulumi:providers:kubernetes"), after.one("pulumi:providers:kubernetes")];
    assert.notEqual(
      pulumi.runtime.unwrapRpcSecret(pa.inputs.kubeconfig),
      pulumi.runtime.unwrapRpcSecret(pb.inputs.kubeconfig),
    );
    assert.equal(after.k8sUrn, before.k8sUrn);
    assert.equal(
      after.k8sUrn,
      "urn:pulumi:test::pipeline-service::pipeline-service:cluster:EksCluster$pulumi:providers:kubernetes::aws-us-east-1-k8s",
    );
    assert.equal(pa.inputs.clusterIdentifier, pb.inputs.clusterIdentifier);
  });

  void it("prints the resource count by type for a full EKS cluster", async () => {
    const { resources } = await deploy();
    const mine = resources.filter((r) => r.type !== "pulumi:providers:aws");
    const counts = countByType(mine);
    console.log(
      `EKS (3 zones, 2 pools, NAT per zone): ${mine.length} resources\n${JSON.stringify(counts, null, 2)}`,
    );
    assert.equal(counts["aws:eks/nodeGroup:NodeGroup"], 6);
    assert.equal(counts["pulumi:providers:kubernetes"], 1);
  });
});

void describe("EksCluster storage: the EBS CSI driver with IRSA and a gp3 default class", () => {
  void it("installs the aws-ebs-csi-driver add-on with a role only its controller's ServiceAccount can assume", async () => {
    const { one, of, cluster } = await deploy();
    const addon = one("aws:eks/addon:Addon");
    assert.equal(addon.inputs.addonName, "aws-ebs-csi-driver");
    const role = of("aws:iam/role:Role").find((r) => r.name === "aws-us-east-1-ebs-csi");
    assert.ok(role, "the IRSA role");
    assert.equal(addon.inputs.serviceAccountRoleArn, "arn:aws:iam::123456789012:role/aws-us-east-1-ebs-csi");
    const trust = JSON.parse(role.inputs.assumeRolePolicy as string);
    const st = trust.Statement[0];
    assert.equal(st.Action, "sts:AssumeRoleWithWebIdentity");
    assert.equal(st.Principal.Federated, "arn:aws:iam::123456789012:oidc/aws-us-east-1-oidc");
    assert.deepEqual(st.Condition.StringEquals, {
      "oidc.eks.us-east-1.amazonaws.com/id/0F3C2A1:sub":
        "system:serviceaccount:kube-system:ebs-csi-controller-sa",
      "oidc.eks.us-east-1.amazonaws.com/id/0F3C2A1:aud": "sts.amazonaws.com",
    });
    const attach = of("aws:iam/rolePolicyAttachment:RolePolicyAttachment").find(
      (r) => r.name === "aws-us-east-1-ebs-csi",
    );
    assert.equal(attach?.inputs.policyArn, "arn:aws:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy");
    assert.equal(cluster.storageClassName, "gp3");
  });

  void it("creates the gp3 class encrypted, default, zonal-aware, on the cluster's provider", async () => {
    const { one, k8sUrn } = await deploy();
    const sc = one("kubernetes:storage.k8s.io/v1:StorageClass");
    const meta = sc.inputs.metadata as { name: string; annotations: Record<string, string> };
    assert.equal(meta.name, "gp3");
    assert.equal(meta.annotations["storageclass.kubernetes.io/is-default-class"], "true");
    assert.equal(sc.inputs.provisioner, "ebs.csi.aws.com");
    assert.deepEqual(sc.inputs.parameters, {
      type: "gp3",
      encrypted: "true",
      "csi.storage.k8s.io/fstype": "ext4",
    });
    assert.equal(sc.inputs.volumeBindingMode, "WaitForFirstConsumer");
    assert.ok(sc.provider?.startsWith(`${k8sUrn}::`));
  });

  void it("irsaTrustPolicy refuses an issuer that is not an https URL", async () => {
    const { irsaTrustPolicy } = await import("../../components/cluster/eks");
    assert.throws(
      () => irsaTrustPolicy("arn", "oidc.example.com/id/1", { namespace: "a", name: "b" }),
      /not an https URL/,
    );
  });
});

void describe("EksCluster access: admin and CI principals, private endpoint reach", () => {
  const ADMIN = "arn:aws:iam::123456789012:role/platform/admins";
  const CI = "arn:aws:iam::210987654321:role/ci";

  void it("gives each principal an access entry and the cluster-admin policy at cluster scope", async () => {
    const { of, one } = await deploy({ adminPrincipalArns: [ADMIN], ciPrincipalArns: [CI] });
    const entries = of("aws:eks/accessEntry:AccessEntry");
    assert.deepEqual(entries.map((e) => e.inputs.principalArn).sort(), [ADMIN, CI].sort());
    assert.deepEqual(entries.map((e) => e.name).sort(), [
      "aws-us-east-1-admin-123456789012-role-platform-admins",
      "aws-us-east-1-ci-210987654321-role-ci",
    ]);
    const assocs = of("aws:eks/accessPolicyAssociation:AccessPolicyAssociation");
    assert.equal(assocs.length, 2);
    for (const a of assocs) {
      assert.equal(a.inputs.policyArn, "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy");
      assert.deepEqual(a.inputs.accessScope, { type: "cluster" });
    }
    const access = one("aws:eks/cluster:Cluster").inputs.accessConfig as Record<string, unknown>;
    assert.equal(access.authenticationMode, "API");
    assert.equal(access.bootstrapClusterCreatorAdminPermissions, true);
  });

  void it("authenticationMode is configurable", async () => {
    const { one } = await deploy({ authenticationMode: "API_AND_CONFIG_MAP" });
    const access = one("aws:eks/cluster:Cluster").inputs.accessConfig as Record<string, unknown>;
    assert.equal(access.authenticationMode, "API_AND_CONFIG_MAP");
  });

  void it("opens HTTPS on the cluster security group to each privateAccessCidrs network only", async () => {
    const { of } = await deploy({ privateAccessCidrs: ["10.200.0.0/24", "192.168.8.0/22"] });
    const rules = of("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule");
    assert.deepEqual(
      rules.map((r) => [r.inputs.cidrIpv4, r.inputs.fromPort, r.inputs.toPort, r.inputs.securityGroupId]),
      [
        ["10.200.0.0/24", 443, 443, "sg-0123"],
        ["192.168.8.0/22", 443, 443, "sg-0123"],
      ],
    );
    const { of: none } = await deploy();
    assert.equal(none("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").length, 0);
  });

  void it("refuses bad principals, duplicates and an open private allow-list before registering anything", () => {
    const base = {
      region: "us-east-1",
      zones: ZONES,
      kubernetesVersion: "1.34",
      nodePools: [{ name: "p", instanceTypes: ["m6i.large"], minSize: 1, desiredSize: 1, maxSize: 3 }],
    };
    assert.throws(
      () => validateEksArgs({ ...base, adminPrincipalArns: ["arn:aws:sts::123456789012:assumed-role/x/y"] }),
      /is not an IAM role or user ARN/,
    );
    assert.throws(
      () => validateEksArgs({ ...base, adminPrincipalArns: [ADMIN], ciPrincipalArns: [ADMIN] }),
      /may appear once/,
    );
    assert.throws(
      () => validateEksArgs({ ...base, privateAccessCidrs: ["0.0.0.0/0"] }),
      /must not contain 0.0.0.0\/0/,
    );
    assert.throws(
      () => validateEksArgs({ ...base, privateAccessCidrs: ["10.0.0.1/16"] }),
      /not a network address/,
    );
    assert.doesNotThrow(() =>
      validateEksArgs({ ...base, adminPrincipalArns: [ADMIN], ciPrincipalArns: [CI] }),
    );
  });
});
