// Every workload we apply names a stable Server-Side Apply field manager, so a create retried after a killed
// `up` re-applies as the same manager instead of conflicting with the object it left behind
// (test/faults/ shows the rerun converging). Patch resources keep their own managers.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  FIELD_MANAGER,
  FIELD_MANAGER_ANNOTATION,
  type K8sObject,
  configGroupYaml,
  parseConfigGroupYaml,
  withFieldManager,
} from "../../components/manifests";
import { configGroupObjects } from "../helpers/objects";
import { unwrap } from "../helpers/secrets";
import { runRecorded, setupFleetMocks, STACK_NAMES, stackDocument } from "../helpers/fleet-mocks";

setupFleetMocks();

const WORKLOAD = /^kubernetes:apps\/v1:(Deployment|StatefulSet|DaemonSet)$/;
const managerOf = (o: { metadata?: { annotations?: Record<string, string> } }) =>
  o.metadata?.annotations?.[FIELD_MANAGER_ANNOTATION];

void describe("a stable field manager", () => {
  it("every object handed to a ConfigGroup carries it; one set upstream is kept; the input is left alone", () => {
    const objs: K8sObject[] = [
      { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "a", annotations: { keep: "me" } } },
      {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name: "b", annotations: { [FIELD_MANAGER_ANNOTATION]: "x" } },
      },
    ];
    const before = JSON.stringify(objs);
    const out = parseConfigGroupYaml(configGroupYaml(objs));
    assert.deepEqual(out[0].metadata.annotations, { keep: "me", [FIELD_MANAGER_ANNOTATION]: FIELD_MANAGER });
    assert.equal(managerOf(out[1]), "x");
    assert.equal(withFieldManager(objs[1]), objs[1]);
    assert.equal(JSON.stringify(objs), before);
  });

  for (const stack of STACK_NAMES) {
    it(`${stack}: every workload (ConfigGroup or our own) names it; no Patch resource does`, async () => {
      const regs = await runRecorded(stackDocument(stack));
      const workloads: string[] = [];
      const missing: string[] = [];
      for (const r of regs) {
        const inputs = unwrap(r.inputs).value as Record<string, unknown>;
        const objs: { kind?: string; metadata?: { name?: string; annotations?: Record<string, string> } }[] =
          r.type === "kubernetes:yaml/v2:ConfigGroup"
            ? configGroupObjects(inputs)
            : WORKLOAD.test(r.type) || r.type.endsWith("Patch")
              ? [inputs]
              : [];
        for (const o of objs) {
          if (r.type.endsWith("Patch")) {
            assert.equal(managerOf(o), undefined, `${r.type} ${o.metadata?.name} shares the manager`);
            continue;
          }
          if (
            r.type !== "kubernetes:yaml/v2:ConfigGroup" ||
            /^(Deployment|StatefulSet|DaemonSet)$/.test(o.kind ?? "")
          )
            workloads.push(`${r.type} ${o.kind ?? ""} ${o.metadata?.name}`);
          if (managerOf(o) !== FIELD_MANAGER) missing.push(`${r.type} ${o.kind ?? ""} ${o.metadata?.name}`);
        }
      }
      assert.ok(workloads.length >= 10, `only ${workloads.length} workloads: ${workloads.join(", ")}`);
      assert.deepEqual(missing, []);
    });
  }
});
