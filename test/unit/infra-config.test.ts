// Stack config validation: every shipped stack parses; each invalid config is rejected with its own
// message naming the key, and registers nothing.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { describe, it } from "node:test";
import * as fc from "fast-check";
import {
  checkFleetShards,
  checkFleetTenants,
  ConfigError,
  fleetOf,
  parseRegionConfig,
} from "../../infra/config";
import { setupMocks } from "../helpers/mocks";
import { aws, awsSecond, BASIC_CASES, type Case, local, set, STACKS, stackConfig } from "./config-cases";

const mocks = setupMocks();

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

void describe("invalid configs", () => {
  void it(`${BASIC_CASES.length} cases, each with its own message`, () => {
    const messages = BASIC_CASES.map(([, raw]) => problems(raw()).join("\n"));
    assert.equal(new Set(messages).size, BASIC_CASES.length);
  });
  for (const [name, raw, expected] of BASIC_CASES) {
    void it(`rejects: ${name}`, () => {
      const found = problems(raw());
      assert.ok(found.length > 0, "accepted an invalid config");
      assert.match(found.join("\n"), expected);
    });
  }
  void it("the program registers no resource for an invalid config", async () => {
    const { program } = await import("../../infra/program");
    const pulumi = await import("@pulumi/pulumi");
    for (const [name, raw] of BASIC_CASES) {
      const config: Record<string, string> = {};
      for (const [k, v] of Object.entries(raw()))
        config[`pipeline-service:${k}`] = typeof v === "string" ? v : JSON.stringify(v);
      pulumi.runtime.setAllConfig(config);
      await assert.rejects(
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
    "shard name of another region of the fleet",
    () => set(awsSecond(), (c) => (c.kcp.shardName = "azure-westeurope")),
    /pipeline-service:kcp.shardName = "azure-westeurope": expected a shard name unique in the fleet \(stack azure-westeurope has it too/,
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
    assert.deepEqual(checkFleetShards(files()), []);
  });
  void it("a shard name is unique in the fleet (kcp.shardName, or the region name by default)", () => {
    const f = files();
    (f["aws-eu-west-1"].kcp as Record<string, unknown>).shardName = "azure-westeurope";
    assert.deepEqual(checkFleetShards(f), [
      'stacks/Pulumi.aws-eu-west-1.yaml: pipeline-service:kcp.shardName = "azure-westeurope": expected a shard name unique in the fleet (stack azure-westeurope has it too; the default is the region name)',
      'stacks/Pulumi.azure-westeurope.yaml: pipeline-service:kcp.shardName = "azure-westeurope": expected a shard name unique in the fleet (stack aws-eu-west-1 has it too; the default is the region name)',
    ]);
    f["local-east"].kcp = { shardName: "aws-eu-west-1" };
    assert.deepEqual(
      checkFleetShards(f, "local-east"),
      [],
      "local stacks take their shards from the environment",
    );
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
      await assert.rejects(
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
  void it("a vpcCidr is accepted exactly when it is a /16-/23 network address (3 zones)", () => {
    fc.assert(
      fc.property(fc.ipV4(), fc.integer({ min: 0, max: 40 }), (ip, prefix) => {
        const raw = set(aws(), (c) => (c.cluster.vpcCidr = `${ip}/${prefix}`));
        const base = ip.split(".").reduce((a, o) => a * 256 + Number(o), 0);
        const ok = prefix >= 16 && prefix <= 23 && base % 2 ** (32 - prefix) === 0;
        const found = problems(raw);
        assert.equal(found.length === 0, ok, found.join("\n"));
        if (!ok) assert.match(found.join("\n"), /^pipeline-service:cluster.vpcCidr = /);
      }),
      { numRuns: 300 },
    );
  });
});
