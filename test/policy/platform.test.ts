import assert from "node:assert/strict";
import fs from "node:fs";
import { describe, it } from "node:test";
import {
  explicitProviders,
  kcpOneShardPerRegion,
  oneFailureDomainPerStack,
  providersInStackRegion,
  resourcesInStackRegion,
  statefulResourcesProtected,
  tektonImagesPinned,
} from "../../policy/platform";
import {
  UNKNOWN,
  UPSTREAM_MANIFESTS,
  loadUpstream,
  messages,
  providerRef,
  runResource,
  runStack,
  stackResource,
} from "./helpers";

const FD = "pipeline-service:index:FailureDomain";
const SHARD = "pipeline-service:kcp:Shard";

const failureDomain = (cloudRegion?: string) =>
  stackResource(FD, "aws-us-east-1", { region: "aws-us-east-1", cloudRegion });

describe("kcp-one-shard-per-region", () => {
  const cache = stackResource("pipeline-service:kcp:CacheServer", "cache", {});

  it("passes one shard, and is not applicable without kcp", async () => {
    const o = await runStack(kcpOneShardPerRegion, [
      failureDomain(),
      stackResource(SHARD, "east", {}),
      cache,
    ]);
    assert.deepEqual(o.violations, []);
    assert.equal((await runStack(kcpOneShardPerRegion, [failureDomain()])).notApplicable.length, 1);
  });

  it("rejects two shards and kcp components without a shard", async () => {
    const two = await runStack(kcpOneShardPerRegion, [
      stackResource(SHARD, "a", {}),
      stackResource(SHARD, "b", {}),
    ]);
    assert.equal(two.violations.length, 1);
    assert.match(two.violations[0].message, /2 kcp shards in one region \(a, b\)/);
    const none = await runStack(kcpOneShardPerRegion, [cache]);
    assert.match(none.violations[0].message, /no pipeline-service:kcp:Shard/);
  });

  it("takes the shard type from config", async () => {
    const custom = stackResource("pipeline-service:kcp:RegionalShard", "east", {});
    assert.deepEqual(
      (await runStack(kcpOneShardPerRegion, [custom], { shardType: custom.type })).violations,
      [],
    );
  });
});

describe("one-failure-domain-per-stack", () => {
  it("passes exactly one and rejects none or two", async () => {
    const shard = stackResource(SHARD, "east", {});
    assert.deepEqual((await runStack(oneFailureDomainPerStack, [failureDomain(), shard])).violations, []);
    assert.equal((await runStack(oneFailureDomainPerStack, [shard])).violations.length, 1);
    const two = [failureDomain(), stackResource(FD, "other", {})];
    assert.equal((await runStack(oneFailureDomainPerStack, two)).violations.length, 1);
  });
});

describe("resources-in-stack-region", () => {
  const east = providerRef("pulumi:providers:aws", "aws-east", { region: "us-east-1" });
  const west = providerRef("pulumi:providers:aws", "aws-west", { region: "us-west-2" });

  it("passes resources whose own region or provider region is the stack's", async () => {
    const resources = [
      failureDomain("us-east-1"),
      stackResource("aws:rds/instance:Instance", "db", {}, { provider: east }),
      stackResource("aws:s3/bucket:Bucket", "logs", { region: "us-east-1" }, { provider: west }),
      stackResource("aws:ec2/subnet:Subnet", "a", { availabilityZone: "us-east-1a" }, { provider: east }),
      stackResource("aws:iam/role:Role", "global", {}, { provider: west }), // IAM is global
    ];
    assert.deepEqual((await runStack(resourcesInStackRegion, resources)).violations, []);
  });

  it("reports a database, bucket or cluster elsewhere, and subnets in a foreign zone", async () => {
    const db = stackResource("aws:rds/instance:Instance", "db", {}, { provider: west });
    const bucket = stackResource("aws:s3/bucket:Bucket", "logs", { region: "eu-west-1" }, { provider: east });
    const subnet = stackResource(
      "aws:ec2/subnet:Subnet",
      "a",
      { availabilityZone: "us-west-2a" },
      { provider: east },
    );
    const o = await runStack(resourcesInStackRegion, [failureDomain("us-east-1"), db, bucket, subnet]);
    assert.deepEqual(
      o.violations.map((v) => v.urn),
      [db.urn, bucket.urn, subnet.urn],
    );
    assert.match(o.violations[0].message, /is in us-west-2, not in the stack's region us-east-1/);
  });

  it("compares Azure locations loosely and prefers the configured region", async () => {
    const aks = stackResource("azure-native:containerservice:ManagedCluster", "aks", {
      location: "West Europe",
    });
    const pg = stackResource("azure-native:dbforpostgresql:Server", "pg", { location: "northeurope" });
    const o = await runStack(resourcesInStackRegion, [aks, pg], { cloudRegion: "westeurope" });
    assert.deepEqual(
      o.violations.map((v) => v.urn),
      [pg.urn],
    );
  });

  it("is not applicable while the region is unknown", async () => {
    const fd = stackResource(FD, "fd", { region: "x", cloudRegion: UNKNOWN.string });
    assert.equal((await runStack(resourcesInStackRegion, [fd])).notApplicable.length, 1);
  });
});

describe("providers-in-stack-region", () => {
  it("passes providers in the region", async () => {
    const o = await runStack(providersInStackRegion, [
      failureDomain("us-east-1"),
      stackResource("pulumi:providers:aws", "aws", { region: "us-east-1" }),
      stackResource("pulumi:providers:kubernetes", "k8s", {}),
    ]);
    assert.deepEqual(o.violations, []);
  });

  it("rejects an aws provider elsewhere or without a region, and an azure provider elsewhere", async () => {
    const elsewhere = stackResource("pulumi:providers:aws", "dr", { region: "us-west-2" });
    const ambient = stackResource("pulumi:providers:aws", "ambient", {});
    const azure = stackResource("pulumi:providers:azure-native", "az", { location: "eastus" });
    const azureUnset = stackResource("pulumi:providers:azure-native", "az2", {});
    const o = await runStack(providersInStackRegion, [elsewhere, ambient, azure, azureUnset], {
      cloudRegion: "us-east-1",
    });
    assert.deepEqual(
      o.violations.map((v) => v.urn),
      [elsewhere.urn, ambient.urn, azure.urn],
    );
    assert.match(o.violations[1].message, /ambient AWS_REGION/);
  });
});

describe("stateful-resources-protected", () => {
  const postgres = (image: string) => ({
    spec: { template: { spec: { containers: [{ name: "postgres", image }] } } },
  });

  it("passes protected stateful resources and ignores stateless ones", async () => {
    const o = await runStack(statefulResourcesProtected, [
      stackResource("aws:rds/instance:Instance", "db", {}, { protect: true }),
      stackResource("kubernetes:core/v1:PersistentVolumeClaim", "logs", {}, { protect: true }),
      stackResource("kubernetes:apps/v1:StatefulSet", "pg", postgres("docker.io/library/postgres:16.4"), {
        protect: true,
      }),
      stackResource("kubernetes:apps/v1:Deployment", "api", {}),
      stackResource("kubernetes:apps/v1:StatefulSet", "redis", postgres("redis:8.2.3-alpine")),
    ]);
    assert.deepEqual(o.violations, []);
  });

  it("does not apply to a local-profile region, and still applies to a cloud one", async () => {
    const db = stackResource("kubernetes:core/v1:PersistentVolumeClaim", "logs", {});
    const fd = (profile: string) => stackResource(FD, "local-east", { region: "local-east", profile });
    const local = await runStack(statefulResourcesProtected, [fd("local"), db]);
    assert.deepEqual(local.violations, []);
    const cloud = await runStack(statefulResourcesProtected, [fd("cloud"), db]);
    assert.equal(cloud.violations.length, 1);
  });

  it("reports each unprotected store: RDS, bucket, KMS key, Azure PG, PVC, in-cluster PostgreSQL", async () => {
    const stores = [
      stackResource("aws:rds/instance:Instance", "db", {}),
      stackResource("aws:s3/bucket:Bucket", "logs", {}),
      stackResource("aws:kms/key:Key", "key", {}),
      stackResource("azure-native:dbforpostgresql:Server", "pg", {}),
      stackResource("kubernetes:core/v1:PersistentVolumeClaim", "pvc", {}),
      stackResource(
        "kubernetes:apps/v1:StatefulSet",
        "results-db",
        postgres("bitnami/postgresql@sha256:ac8d"),
      ),
    ];
    const o = await runStack(statefulResourcesProtected, stores);
    assert.deepEqual(
      o.violations.map((v) => v.urn),
      stores.map((s) => s.urn),
    );
  });

  it("covers configured extra types", async () => {
    const extra = stackResource("azure-native:storage:StorageAccount", "sa", {});
    assert.equal((await runStack(statefulResourcesProtected, [extra])).notApplicable.length, 1);
    const o = await runStack(statefulResourcesProtected, [extra], { extraTypes: [extra.type] });
    assert.equal(o.violations.length, 1);
  });
});

describe("tekton-images-pinned", () => {
  const controller = (image: string, args: string[] = []) =>
    stackResource("kubernetes:apps/v1:Deployment", "tekton-pipelines-controller", {
      spec: { template: { spec: { containers: [{ name: "c", image, args }] } } },
    });

  it("passes release tags (with or without digest), also inside controller arguments", async () => {
    const o = await runStack(tektonImagesPinned, [
      controller("ghcr.io/tektoncd/pipeline/controller-10a3:v1.15.0@sha256:abcd", [
        "-entrypoint-image",
        "ghcr.io/tektoncd/pipeline/entrypoint-bff0:v1.15.0",
        "-shell-image",
        "cgr.dev/chainguard/busybox@sha256:19f0",
      ]),
    ]);
    assert.deepEqual(o.violations, []);
  });

  it("rejects unpinned Tekton images, in the image or in arguments", async () => {
    const o = await runStack(tektonImagesPinned, [
      controller("ghcr.io/tektoncd/pipeline/controller-10a3:latest", [
        "-nop-image=ghcr.io/tektoncd/pipeline/nop-8eac@sha256:abcd",
      ]),
    ]);
    assert.deepEqual(
      messages(o).map((m) => m.replace(/ is not pinned.*/, "")),
      [
        "tekton-pipelines-controller: ghcr.io/tektoncd/pipeline/controller-10a3:latest",
        "tekton-pipelines-controller: ghcr.io/tektoncd/pipeline/nop-8eac@sha256:abcd",
      ],
    );
  });

  it("rejects two versions of one component, and is not applicable without Tekton", async () => {
    const webhook = stackResource("kubernetes:apps/v1:Deployment", "tekton-pipelines-webhook", {
      spec: {
        template: {
          spec: { containers: [{ name: "w", image: "ghcr.io/tektoncd/pipeline/webhook-d474:v1.14.0" }] },
        },
      },
    });
    const o = await runStack(tektonImagesPinned, [
      controller("ghcr.io/tektoncd/pipeline/controller-10a3:v1.15.0"),
      webhook,
    ]);
    assert.equal(o.violations.length, 1);
    assert.match(o.violations[0].message, /tektoncd\/pipeline runs 2 versions: v1\.15\.0 .*, v1\.14\.0/);
    const argo = stackResource("kubernetes:apps/v1:Deployment", "argocd-server", {
      spec: { template: { spec: { containers: [{ name: "a", image: "quay.io/argoproj/argocd:v3.5.1" }] } } },
    });
    assert.equal((await runStack(tektonImagesPinned, [argo])).notApplicable.length, 1);
  });

  it(
    "passes the mirrored Tekton releases as shipped",
    { skip: !fs.existsSync(UPSTREAM_MANIFESTS) },
    async () => {
      const objects = [
        "tekton-pipeline",
        "tekton-triggers",
        "tekton-chains",
        "tekton-results",
        "pipelines-as-code",
      ]
        .flatMap(loadUpstream)
        // release_base.yaml duplicates release.yaml's objects; one copy of each is a realistic stack.
        .filter(
          (o) =>
            !o.file.endsWith("release_base.yaml") &&
            !o.file.includes("pipelines-as-code/v0.50.0/release.yaml"),
        );
      const resources = objects.map((o, i) => stackResource(o.type, `${o.file}#${i}`, o.object));
      const o = await runStack(tektonImagesPinned, resources);
      assert.deepEqual(o.violations, []);
      assert.deepEqual(o.notApplicable, []);
    },
  );
});

describe("explicit-providers", () => {
  it("passes explicit providers and ignores other packages", async () => {
    const o = await runResource(
      explicitProviders,
      "aws:rds/instance:Instance",
      {},
      {
        provider: providerRef("pulumi:providers:aws", "aws-us-east-1", { region: "us-east-1" }),
      },
    );
    assert.deepEqual(messages(o), []);
    const dynamic = await runResource(
      explicitProviders,
      "pulumi-nodejs:dynamic:Resource",
      {},
      {
        provider: providerRef("pulumi:providers:pulumi-nodejs", "default", {}),
      },
    );
    assert.equal(dynamic.notApplicable.length, 1);
  });

  it("rejects the default provider of aws, azure-native and kubernetes", async () => {
    for (const [type, pkg] of [
      ["aws:s3/bucket:Bucket", "aws"],
      ["azure-native:dbforpostgresql:Server", "azure-native"],
      ["kubernetes:apps/v1:Deployment", "kubernetes"],
    ]) {
      const o = await runResource(
        explicitProviders,
        type,
        {},
        {
          name: "x",
          provider: providerRef(`pulumi:providers:${pkg}`, "default_4_24_1", {}),
        },
      );
      assert.deepEqual(messages(o), [
        `x uses the default ${pkg} provider (default_4_24_1); pass one explicitly.`,
      ]);
    }
  });
});
