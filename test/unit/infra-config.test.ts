// Stack config validation: every shipped stack parses; each invalid config is rejected with its own
// message naming the key, and registers nothing.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import * as fc from "fast-check";
import { parse } from "yaml";
import { checkFleetTenants, ConfigError, fleetOf, parseRegionConfig } from "../../infra/config";
import { setupMocks } from "../helpers/mocks";

const mocks = setupMocks();
const STACKS = path.join(__dirname, "../../stacks");

/** The project-namespaced keys of a stack file, without the namespace. */
function stackConfig(file: string): Record<string, unknown> {
  const doc = parse(fs.readFileSync(path.join(STACKS, file), "utf8")) as { config: Record<string, unknown> };
  return Object.fromEntries(
    Object.entries(doc.config)
      .filter(([k]) => k.startsWith("pipeline-service:"))
      .map(([k, v]) => [k.slice("pipeline-service:".length), v]),
  );
}

const local = () => structuredClone(stackConfig("Pulumi.local-east.yaml"));
const aws = () => structuredClone(stackConfig("Pulumi.aws-us-east-1.yaml"));
const azure = () => structuredClone(stackConfig("Pulumi.azure-westeurope.yaml"));

function problems(raw: Record<string, unknown>): string[] {
  try {
    parseRegionConfig(raw);
  } catch (e) {
    assert.ok(e instanceof ConfigError, `expected a ConfigError, got ${String(e)}`);
    return e.problems;
  }
  return [];
}

void describe("shipped stacks", () => {
  for (const file of fs.readdirSync(STACKS).filter((f) => f.endsWith(".yaml"))) {
    void it(`${file} is valid`, () => {
      const c = parseRegionConfig(stackConfig(file));
      assert.equal(`Pulumi.${c.region}.yaml`, file, "the stack file is named after its region");
    });
  }
  void it("exactly one home region per fleet (aws/azure and local)", () => {
    const files = fs.readdirSync(STACKS).filter((f) => f.endsWith(".yaml"));
    for (const fleet of [["aws-", "azure-"], ["local-"]]) {
      const homes = files.filter(
        (f) => fleet.some((p) => f.startsWith(`Pulumi.${p}`)) && stackConfig(f).home === true,
      );
      assert.equal(homes.length, 1, `${fleet.join("/")}: ${homes.join(", ")}`);
    }
  });
});

type Case = [string, () => Record<string, unknown>, RegExp];
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the cases poke into nested config freely
const set = (base: Record<string, unknown>, f: (c: any) => void) => {
  f(base);
  return base;
};
const cases: Case[] = [
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
    /pipeline-service:home = "yes": expected a boolean/,
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
    /pipeline-service:tenants\[0\].quota.memory = "lots": expected a memory quantity such as 16Gi/,
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

void describe("invalid configs", () => {
  void it(`${cases.length} cases, each with its own message`, () => {
    const messages = cases.map(([, raw]) => problems(raw()).join("\n"));
    assert.equal(new Set(messages).size, cases.length);
  });
  for (const [name, raw, expected] of cases) {
    void it(`rejects: ${name}`, () => {
      const found = problems(raw());
      assert.ok(found.length > 0, "accepted an invalid config");
      assert.match(found.join("\n"), expected);
    });
  }
  void it("the program registers no resource for an invalid config", async () => {
    const { program } = await import("../../infra/program");
    const pulumi = await import("@pulumi/pulumi");
    for (const [name, raw] of cases) {
      const config: Record<string, string> = {};
      for (const [k, v] of Object.entries(raw()))
        config[`pipeline-service:${k}`] = typeof v === "string" ? v : JSON.stringify(v);
      pulumi.runtime.setAllConfig(config);
      assert.throws(
        () => program(),
        (e: Error) => e instanceof pulumi.RunError && e.message.startsWith("invalid stack configuration"),
        name,
      );
    }
    assert.deepEqual(mocks.resources, []);
  });
});

// Tenants are checked across the fleet's stack files (stacks/Pulumi.*.yaml): one root:tenants per fleet.
const fleetCases: Case[] = [
  [
    "duplicate tenant across stack files",
    () => set(local(), (c) => (c.tenants = [{ name: "team-east" }, { name: "team-west" }])),
    /pipeline-service:tenants\[1\].name = "team-west": expected a name unique in the fleet \(stack local-west declares it too/,
  ],
  [
    "tenant in an unknown region",
    () => set(local(), (c) => (c.tenants = [{ name: "team-a", region: "local-north" }])),
    /pipeline-service:tenants\[0\].region = "local-north": unknown region \(the fleet's regions: local-east, local-west\)/,
  ],
  [
    "tenant declared by another region's stack",
    () => set(local(), (c) => (c.tenants = [{ name: "team-a", region: "local-west" }])),
    /pipeline-service:tenants\[0\].region = "local-west": expected this stack's region "local-east"/,
  ],
  [
    "tenant in a region of another fleet",
    () => set(local(), (c) => (c.tenants = [{ name: "team-a", region: "aws-us-east-1" }])),
    /pipeline-service:tenants\[0\].region = "aws-us-east-1": unknown region/,
  ],
];

void describe("tenants across the fleet", () => {
  const files = () =>
    Object.fromEntries(
      fs
        .readdirSync(STACKS)
        .filter((f) => f.endsWith(".yaml"))
        .map((f) => [f.slice("Pulumi.".length, -".yaml".length), stackConfig(f)]),
    );
  void it("the shipped stacks have no problem", () => {
    assert.deepEqual(checkFleetTenants(files()), []);
  });
  void it("a duplicate is reported for both stacks, each naming its own key; fleets are separate", () => {
    const f = files();
    f["aws-eu-west-1"].tenants = [{ name: "team-x" }];
    f["azure-westeurope"].tenants = [{ name: "team-y" }, { name: "team-x" }];
    f["local-east"].tenants = [{ name: "team-x" }];
    assert.deepEqual(checkFleetTenants(f), [
      'stacks/Pulumi.aws-eu-west-1.yaml: pipeline-service:tenants[0].name = "team-x": expected a name unique in the fleet (stack azure-westeurope declares it too; every tenant is a workspace under root:tenants)',
      'stacks/Pulumi.azure-westeurope.yaml: pipeline-service:tenants[1].name = "team-x": expected a name unique in the fleet (stack aws-eu-west-1 declares it too; every tenant is a workspace under root:tenants)',
    ]);
    assert.deepEqual(checkFleetTenants(f, "local-east"), [], "local-east is in another fleet");
    assert.equal(fleetOf(f["azure-westeurope"]), "aws-us-east-1");
    assert.equal(fleetOf(f["local-west"]), "local");
  });
  for (const [name, raw, expected] of fleetCases) {
    void it(`rejects: ${name}, before anything is registered`, async () => {
      assert.deepEqual(problems(raw()), [], "valid on its own: only the fleet check sees it");
      const { program } = await import("../../infra/program");
      const pulumi = await import("@pulumi/pulumi");
      const config: Record<string, string> = {};
      for (const [k, v] of Object.entries(raw()))
        config[`pipeline-service:${k}`] = typeof v === "string" ? v : JSON.stringify(v);
      pulumi.runtime.setAllConfig(config);
      assert.throws(
        () => program(),
        (e: Error) =>
          e instanceof pulumi.RunError &&
          e.message.startsWith("invalid stack configuration") &&
          expected.test(e.message),
      );
      assert.deepEqual(mocks.resources, []);
    });
  }
});

void describe("properties", () => {
  void it("any EKS pool with min <= desired <= max within limits is accepted, any other rejected", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 100 }),
        fc.integer({ min: 1, max: 100 }),
        fc.integer({ min: 0, max: 100 }),
        (min, max, desired) => {
          const raw = set(aws(), (c) =>
            Object.assign(c.cluster.nodePools[0], { minSize: min, maxSize: max, desiredSize: desired }),
          );
          const ok = min <= desired && desired <= max;
          assert.equal(problems(raw).length === 0, ok);
        },
      ),
      { numRuns: 300 },
    );
  });
  void it("every IPv4 CIDR is accepted as vpcCidr and out-of-range octets are not", () => {
    fc.assert(
      fc.property(fc.ipV4(), fc.integer({ min: 0, max: 40 }), (ip, prefix) => {
        const raw = set(aws(), (c) => (c.cluster.vpcCidr = `${ip}/${prefix}`));
        assert.equal(problems(raw).length === 0, prefix <= 32);
      }),
      { numRuns: 300 },
    );
  });
});
