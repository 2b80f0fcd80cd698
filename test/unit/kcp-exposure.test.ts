// kcp's load balancers are internal by default: every LoadBalancer Service the shipped cloud stacks
// register for kcp (front-proxy, root shard, cache server, region shards) carries its cloud's internal
// annotations, and the policy pack's k8s-no-internet-facing-load-balancer finds nothing to report.
// `kcp.loadBalancers: internet-facing` is the explicit opt-out, and that policy flags each of them.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { PROJECT, parseRegionConfig } from "../../infra/config";
import { k8sNoInternetFacingLoadBalancer } from "../../policy/kubernetes";
import { unwrap } from "../helpers/secrets";
import { runRecorded, setupFleetMocks, STACK_NAMES, stackDocument } from "../helpers/fleet-mocks";
import { messages, runResource } from "../policy/helpers";

setupFleetMocks();

const SERVICE = "kubernetes:core/v1:Service";
const CLOUD_STACKS = STACK_NAMES.filter((s) => !s.startsWith("local-"));

interface ServiceProps {
  metadata: { name: string; namespace: string; annotations?: Record<string, string> };
  spec: { type?: string };
}

/** The kcp LoadBalancer Services a stack document registers (inputs, secrets unwrapped). */
async function kcpLoadBalancers(doc: Record<string, unknown>): Promise<ServiceProps[]> {
  const regs = await runRecorded(doc);
  assert.ok(
    regs.some((r) => r.type === "pipeline-service:index:FailureDomain"),
    "the program ran",
  );
  return regs
    .filter((r) => r.type === SERVICE && r.urn.includes("pipeline-service:kcp:"))
    .map((r) => unwrap(r.inputs).value as ServiceProps)
    .filter((s) => s.spec.type === "LoadBalancer");
}

async function violations(svc: ServiceProps): Promise<string[]> {
  return messages(
    await runResource(k8sNoInternetFacingLoadBalancer, SERVICE, svc as unknown as Record<string, unknown>),
  );
}

void describe("kcp load balancers: internal unless config says otherwise", () => {
  it("the shipped cloud stacks are covered", () => assert.ok(CLOUD_STACKS.length >= 3));

  for (const stack of CLOUD_STACKS) {
    void it(`${stack}: every kcp LoadBalancer is internal; the policy reports none`, async () => {
      const services = await kcpLoadBalancers(stackDocument(stack));
      const home = stackDocument(stack)[`${PROJECT}:home`] === true;
      // Front-proxy, root shard and cache server in the home region, and every region's shard.
      assert.equal(services.length, home ? 4 : 1, services.map((s) => s.metadata.name).join(", "));
      const azure = stack.startsWith("azure-");
      for (const s of services) {
        const a = s.metadata.annotations ?? {};
        if (azure) assert.equal(a["service.beta.kubernetes.io/azure-load-balancer-internal"], "true");
        else assert.equal(a["service.beta.kubernetes.io/aws-load-balancer-scheme"], "internal");
        assert.deepEqual(await violations(s), [], `${stack} ${s.metadata.namespace}/${s.metadata.name}`);
      }
    });
  }

  void it("kcp.loadBalancers internet-facing: no internal annotation, and the policy flags each", async () => {
    const stack = CLOUD_STACKS.find((s) => stackDocument(s)[`${PROJECT}:home`] === true)!;
    const doc = stackDocument(stack);
    const kcp = { ...(doc[`${PROJECT}:kcp`] as object), loadBalancers: "internet-facing" };
    const services = await kcpLoadBalancers({ ...doc, [`${PROJECT}:kcp`]: kcp });
    assert.equal(services.length, 4);
    for (const s of services) {
      assert.deepEqual(s.metadata.annotations ?? {}, {});
      const v = await violations(s);
      assert.equal(v.length, 1, `${s.metadata.name}: ${v.join("; ")}`);
      assert.match(v[0], /internet-facing LoadBalancer/);
    }
  });

  void it("any other value is a config error naming the key", () => {
    const raw = (v: unknown) => {
      const doc = stackDocument("aws-eu-west-1");
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(doc)) out[k.slice(PROJECT.length + 1)] = x;
      out.kcp = { ...(out.kcp as object), loadBalancers: v };
      return out;
    };
    assert.equal(parseRegionConfig(raw("internal")).kcp.loadBalancers, "internal");
    assert.throws(() => parseRegionConfig(raw("public")), /kcp\.loadBalancers/);
  });
});
