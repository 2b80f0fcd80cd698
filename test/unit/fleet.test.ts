// The whole program (infra/program.ts) for every shipped stack under mocks: what each region registers,
// by type; that secrets never reach a resource in plaintext; and the region facts policies rely on.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { setupFleetMocks, STACK_NAMES, runProgram, stackConfig, stackDocument } from "../helpers/fleet-mocks";
import { countByType, type Registered } from "../helpers/mocks";
import { findPlaintext, hasSecretEnvelope } from "../helpers/plaintext";

const { resources, secrets } = setupFleetMocks();

/** Runs the program for one stack and returns what it registered. */
async function run(stack: string): Promise<Registered[]> {
  await runProgram(stackConfig(stack));
  // Registrations complete asynchronously; every resource of a region carries its name as prefix.
  return resources.filter((r) => r.name.startsWith(stack));
}

void describe("every shipped stack under mocks", () => {
  const registered = new Map<string, Registered[]>();
  for (const stack of STACK_NAMES) {
    void it(`${stack}: builds one FailureDomain whose region facts match the stack`, async () => {
      const rs = await run(stack);
      registered.set(stack, rs);
      const domains = rs.filter((r) => r.type === "pipeline-service:index:FailureDomain");
      assert.equal(domains.length, 1);
      assert.equal(domains[0].inputs.region, stack);
      assert.equal(
        rs.filter((r) => r.type === "pipeline-service:kcp:Shard").length,
        1,
        "one kcp shard per region",
      );
      assert.equal(
        rs.filter((r) => r.type === "pipeline-service:kcp:Root").length,
        stack === "aws-us-east-1" ? 1 : 0,
      );
      // Layer C: every region publishes its Tekton API; the home regions own root:tenants; tenants as configured.
      const count = (t: string) => rs.filter((r) => r.type === `pipeline-service:tenancy:${t}`).length;
      assert.equal(count("TektonExport"), 1);
      assert.equal(count("TenantsRoot"), ["aws-us-east-1", "local-east"].includes(stack) ? 1 : 0);
      const tenants = (stackDocument(stack)["pipeline-service:tenants"] ?? []) as { name: string }[];
      assert.deepEqual(
        rs.filter((r) => r.type === "pipeline-service:tenancy:Tenant").map((r) => r.inputs.tenant),
        tenants.map((t) => t.name),
      );
      console.log(`\n${stack}: ${rs.length} resources\n${JSON.stringify(countByType(rs), null, 1)}`);
    });
  }

  void it("no secret reaches any resource input in plaintext", () => {
    assert.ok(secrets.length > 10, "the mocks handed out secrets");
    assert.ok(
      secrets.some((s) => s.includes("kcp-sa-token")),
      "the agents' kcp ServiceAccount tokens are among them",
    );
    assert.ok(resources.some(hasSecretEnvelope));
    assert.deepEqual(findPlaintext(resources, secrets), []);
  });

  void it("cloud regions run the full Tekton stack and Argo CD; local ones too, with the same components", () => {
    for (const stack of STACK_NAMES) {
      const types = new Set((registered.get(stack) ?? []).map((r) => r.type));
      for (const t of [
        "pipeline-service:tekton:Pipelines",
        "pipeline-service:tekton:Triggers",
        "pipeline-service:tekton:Results",
        "pipeline-service:tekton:Chains",
        "pipeline-service:tekton:PipelinesAsCode",
        "pipeline-service:gitops:ArgoCd",
      ])
        assert.ok(types.has(t), `${stack} lacks ${t}`);
    }
  });
});
