// The whole program (infra/program.ts) for every shipped stack under mocks: what each region registers,
// by type; that secrets never reach a resource in plaintext; and the region facts policies rely on.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { setupFleetMocks, STACK_NAMES, runProgram, stackConfig, stackDocument } from "../helpers/fleet-mocks";
import { recordDependencies } from "../helpers/dependencies";
import { countByType, type Registered } from "../helpers/mocks";
import { findPlaintext, hasSecretEnvelope } from "../helpers/plaintext";

const { resources, secrets } = setupFleetMocks();
const graph = recordDependencies();

/** Runs the program for one stack and returns what it registered. */
async function run(stack: string): Promise<Registered[]> {
  await runProgram(stackConfig(stack));
  // Registrations complete asynchronously; every resource of a region carries its name as prefix.
  return resources.filter((r) => r.name.startsWith(stack));
}

/** storageClassName of every claim a region asks for: StatefulSet templates and standalone PVCs. */
function claimClasses(rs: Registered[]): string[] {
  const out: string[] = [];
  for (const r of rs) {
    if (r.type === "kubernetes:apps/v1:StatefulSet") {
      const tpls = (r.inputs.spec as { volumeClaimTemplates?: { spec: { storageClassName?: string } }[] })
        .volumeClaimTemplates;
      for (const t of tpls ?? []) out.push(`${r.name}: ${t.spec.storageClassName ?? "(cluster default)"}`);
    }
    if (r.type === "kubernetes:core/v1:PersistentVolumeClaim") {
      const spec = r.inputs.spec as { storageClassName?: string };
      out.push(`${r.name}: ${spec.storageClassName ?? "(cluster default)"}`);
    }
  }
  return out;
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

  // What a first `up` of a cloud stack needs from the program: claims on the class the cluster provides
  // (EKS gp3 via the EBS CSI driver, AKS managed-csi-premium), the home region's kcp.externalUrl record
  // before anything dials that URL, and access for the configured admin and CI principals.
  const of = (stack: string): Registered[] => registered.get(stack) ?? [];
  void it("aws-us-east-1: every claim (kcp etcd, shards) is on the encrypted gp3 class the cluster makes", () => {
    const rs = of("aws-us-east-1");
    const classes = claimClasses(rs);
    assert.ok(classes.length >= 2, classes.join("\n"));
    for (const c of classes) assert.match(c, /: gp3$/);
    assert.equal(rs.filter((r) => r.type === "aws:eks/addon:Addon").length, 1);
  });

  void it("aws-us-east-1: kcp.externalUrl's CNAME points at the front-proxy's LB before the kcp provider dials it", () => {
    const rs = of("aws-us-east-1");
    const record = rs.find((r) => r.type === "aws:route53/record:Record");
    assert.ok(record);
    assert.equal(record.inputs.name, "kcp.pipelines.example.com");
    assert.equal(record.inputs.zoneId, "Z0123456789EXAMPLE");
    assert.deepEqual(record.inputs.records, ["aws-us-east-1-kcp-root-kcp-front-proxy-svc.elb.example.com"]);
    const kcpProvider = graph.get("aws-us-east-1-kcp");
    assert.ok(kcpProvider, "the home region's kcp provider");
    // The engine expands a component dependency to its custom resources: the record itself.
    assert.ok(
      kcpProvider.dependsOn.includes("aws-us-east-1-kcp-dns-cname"),
      "the provider waits for the record",
    );
  });

  void it("aws regions: access entries for the configured admin and CI roles", () => {
    for (const stack of ["aws-us-east-1", "aws-eu-west-1"]) {
      const rs = of(stack);
      const principals = rs
        .filter((r) => r.type === "aws:eks/accessEntry:AccessEntry")
        .map((r) => r.inputs.principalArn)
        .sort();
      assert.deepEqual(principals, [
        "arn:aws:iam::123456789012:role/pipeline-service-admins",
        "arn:aws:iam::123456789012:role/pipeline-service-ci",
      ]);
    }
  });

  void it("aws-eu-west-1 (not home): no DNS record, claims on gp3", () => {
    const rs = of("aws-eu-west-1");
    assert.equal(rs.filter((r) => r.type === "aws:route53/record:Record").length, 0);
    for (const c of claimClasses(rs)) assert.match(c, /: gp3$/);
  });

  void it("azure-westeurope: claims on managed-csi-premium, role assignments for admin and CI", () => {
    const rs = of("azure-westeurope");
    const classes = claimClasses(rs);
    assert.ok(classes.length >= 2, classes.join("\n"));
    for (const c of classes) assert.match(c, /: managed-csi-premium$/);
    const roles = rs.filter(
      (r) => r.type === "azure-native:authorization:RoleAssignment" && /-(admin|ci)-/.test(r.name),
    );
    assert.equal(roles.length, 4);
  });
});
