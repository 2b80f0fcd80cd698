import assert from "node:assert/strict";
import fs from "node:fs";
import { describe, it } from "node:test";
import {
  type K8sObject,
  defaultMirrorDir,
  loadManifest,
  lockEntry,
  manifestPath,
} from "../../components/manifests";
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
  messages,
  providerRef,
  runResource,
  runStack,
  stackResource,
  typeTokenOf,
  withPath,
} from "./helpers";

const FD = "pipeline-service:index:FailureDomain";
const CONFIG_GROUP = "kubernetes:yaml/v2:ConfigGroup";
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

  it("cannot judge yet (advisory) while the region or a placement is unknown, and is not applicable without one", async () => {
    const fd = stackResource(FD, "fd", { region: "x", cloudRegion: UNKNOWN.string });
    const db = stackResource("aws:rds/instance:Instance", "db", { region: "us-west-2" });
    const o = await runStack(resourcesInStackRegion, [fd, db]);
    assert.deepEqual(o.violations, []);
    assert.deepEqual(o.notApplicable, []);
    assert.match(o.cannotJudge[0], /^cannot judge yet .*fd: cloudRegion/);
    const pending = stackResource("aws:s3/bucket:Bucket", "logs", { region: UNKNOWN.string });
    const p = await runStack(resourcesInStackRegion, [failureDomain("us-east-1"), pending]);
    assert.deepEqual(p.violations, []);
    assert.match(p.cannotJudge[0], /logs: region/);
    const none = stackResource(FD, "fd", { region: "x" });
    assert.equal((await runStack(resourcesInStackRegion, [none])).notApplicable.length, 1);
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

  it("cannot judge a provider whose region is unknown yet", async () => {
    const pending = stackResource("pulumi:providers:aws", "aws", { region: UNKNOWN.string });
    const o = await runStack(providersInStackRegion, [pending], { cloudRegion: "us-east-1" });
    assert.deepEqual(o.violations, []);
    assert.match(o.cannotJudge[0], /provider aws: region/);
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

  it("cannot judge yet whether a StatefulSet with an unknown image is a database", async () => {
    const o = await runStack(statefulResourcesProtected, [
      stackResource("kubernetes:apps/v1:StatefulSet", "db", postgres(UNKNOWN.string)),
    ]);
    assert.deepEqual(o.violations, []);
    assert.match(o.cannotJudge[0], /StatefulSet db: image/);
  });
});

describe("tekton-images-pinned", () => {
  const controller = (image: string, args: string[] = []) =>
    stackResource("kubernetes:apps/v1:Deployment", "tekton-pipelines-controller", {
      spec: { template: { spec: { containers: [{ name: "c", image, args }] } } },
    });
  const KEY = "Deployment/default/tekton-pipelines-controller";

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
        `${KEY}: ghcr.io/tektoncd/pipeline/controller-10a3:latest`,
        `${KEY}: ghcr.io/tektoncd/pipeline/nop-8eac@sha256:abcd`,
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

  it("cannot judge an unknown image or unknown ConfigGroup objs yet", async () => {
    const o = await runStack(tektonImagesPinned, [controller(UNKNOWN.string)]);
    assert.deepEqual(o.violations, []);
    assert.deepEqual(o.notApplicable, []);
    assert.match(o.cannotJudge[0], /tekton-pipelines-controller container c: image/);
    const group = stackResource(CONFIG_GROUP, "release", { objs: UNKNOWN.array });
    const g = await runStack(tektonImagesPinned, [group]);
    assert.deepEqual(g.notApplicable, []);
    assert.match(g.cannotJudge[0], /release: objs/);
  });

  // The real upstream releases, as the components load them (the pinned version of each, from the
  // offline mirror), handed over the way a stack holds them: as a yaml/v2 ConfigGroup's objs.
  const TEKTON_FILES: [string, string][] = [
    ["tekton-pipeline", "release.yaml"],
    ["tekton-triggers", "release.yaml"],
    ["tekton-triggers", "interceptors.yaml"],
    ["tekton-chains", "release.yaml"],
    ["tekton-results", "release_base.yaml"],
  ];
  const mirrored = TEKTON_FILES.every(([c, f]) =>
    fs.existsSync(manifestPath(lockEntry(c, f), defaultMirrorDir())),
  );
  const group = (name: string, objs: K8sObject[]) => stackResource(CONFIG_GROUP, name, { objs });
  const deploymentOf = (objs: K8sObject[], name: string) => {
    const d = objs.find((o) => o.kind === "Deployment" && o.metadata.name === name);
    assert.ok(d, `${name} in the release`);
    return d;
  };
  type PodTemplated = { spec: { template: { spec: { containers: { image: string }[] } } } };
  const containersOf = (d: K8sObject) => (d as unknown as PodTemplated).spec.template.spec.containers;
  const firstImage = (d: K8sObject) => containersOf(d)[0].image;

  it(
    "passes the real Tekton release objects (pinned by tag), inside ConfigGroups and as plain resources",
    { skip: !mirrored },
    async () => {
      const releases = TEKTON_FILES.map(([c, f]) => ({ name: `${c}/${f}`, objs: loadManifest(c, f) }));
      const pipeline = releases[0].objs;
      assert.ok(
        pipeline.filter((o) => o.kind === "Deployment").length >= 3,
        "the release has its Deployments",
      );
      assert.match(
        firstImage(deploymentOf(pipeline, "tekton-pipelines-controller")),
        /^ghcr\.io\/tektoncd\/.*:v1\.\d+\.\d+/,
      );
      const o = await runStack(
        tektonImagesPinned,
        releases.map((r) => group(r.name, r.objs)),
      );
      assert.deepEqual(o.violations, []);
      assert.deepEqual(o.notApplicable, [], "it judged the objects");
      assert.deepEqual(o.cannotJudge, []);
      const plain = pipeline.map((x, i) =>
        stackResource(
          typeTokenOf(x.apiVersion, x.kind),
          `${x.kind}-${i}`,
          x as unknown as Record<string, unknown>,
        ),
      );
      const p = await runStack(tektonImagesPinned, plain);
      assert.deepEqual(p.violations, []);
      assert.deepEqual(p.notApplicable, []);
    },
  );

  it("fails a real release object edited to :latest or to no tag", { skip: !mirrored }, async () => {
    const objs = loadManifest("tekton-pipeline", "release.yaml");
    const controllerObj = deploymentOf(objs, "tekton-pipelines-controller");
    const webhookObj = deploymentOf(objs, "tekton-pipelines-webhook");
    const repo = (d: K8sObject) => firstImage(d).replace(/[:@].*$/, "");
    const latest = repo(controllerObj) + ":latest";
    const untagged = repo(webhookObj);
    const withImage = (o: K8sObject, image: string) =>
      withPath(o, "spec.template.spec.containers", [{ ...containersOf(o)[0], image }]);
    const edited = objs.map((o) =>
      o === controllerObj ? withImage(o, latest) : o === webhookObj ? withImage(o, untagged) : o,
    );
    const release = group("tekton-pipeline", edited);
    const o = await runStack(tektonImagesPinned, [release]);
    assert.deepEqual(
      messages(o).sort(),
      [
        `Deployment/tekton-pipelines/tekton-pipelines-controller (in a ConfigGroup's objs): ${latest} is not pinned to a vX.Y.Z release tag.`,
        `Deployment/tekton-pipelines/tekton-pipelines-webhook (in a ConfigGroup's objs): ${untagged} is not pinned to a vX.Y.Z release tag.`,
      ].sort(),
    );
    assert.ok(
      o.violations.every((v) => v.urn === release.urn),
      "reported against the ConfigGroup",
    );
  });

  it("judges each object once when it is both in a ConfigGroup's objs and registered as its child", async () => {
    const obj = {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "tekton-pipelines-controller", namespace: "tekton-pipelines" },
      spec: {
        template: {
          spec: { containers: [{ name: "c", image: "ghcr.io/tektoncd/pipeline/controller:latest" }] },
        },
      },
    };
    const child = stackResource(
      "kubernetes:apps/v1:Deployment",
      "tekton-pipelines/tekton-pipelines-controller",
      obj,
    );
    const o = await runStack(tektonImagesPinned, [group("release", [obj as never]), child]);
    assert.equal(o.violations.length, 1);
    assert.equal(o.violations[0].urn, child.urn);
  });
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
    // random and tls hold no region or credentials: their default providers are fine.
    for (const [type, pkg, name] of [
      ["random:index/randomPassword:RandomPassword", "random", "default_4_21_1"],
      ["tls:index/privateKey:PrivateKey", "tls", "default_5_5_1"],
    ]) {
      const o2 = await runResource(
        explicitProviders,
        type,
        {},
        { provider: providerRef(`pulumi:providers:${pkg}`, name, {}) },
      );
      assert.equal(o2.notApplicable.length, 1, type);
      assert.deepEqual(messages(o2), [], type);
    }
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
