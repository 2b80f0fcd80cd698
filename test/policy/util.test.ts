import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { UnknownValueError } from "@pulumi/policy";
import {
  cannotJudgeYet,
  imageName,
  isExempt,
  isOpenCidr,
  judgeStrings,
  judged,
  knownStrings,
  kubernetesObjectsOf,
  normalizeRegion,
  parseImage,
  read,
  stackKubernetesObjects,
  typeTokenOf,
} from "../../policy/util";
import { UNKNOWN, runResource, stackResource } from "./helpers";

describe("parseImage", () => {
  it("splits the references Kubernetes sees", () => {
    assert.deepEqual(parseImage("redis"), {
      registry: "docker.io",
      repository: "library/redis",
      tag: undefined,
      digest: undefined,
    });
    assert.deepEqual(parseImage("bitnami/postgresql@sha256:ac8d"), {
      registry: "docker.io",
      repository: "bitnami/postgresql",
      tag: undefined,
      digest: "sha256:ac8d",
    });
    assert.deepEqual(parseImage("localhost:5000/a/b:1.2"), {
      registry: "localhost:5000",
      repository: "a/b",
      tag: "1.2",
      digest: undefined,
    });
    assert.equal(
      imageName(parseImage("ghcr.io/tektoncd/pipeline/controller-x:v1.15.0@sha256:1")),
      "ghcr.io/tektoncd/pipeline/controller-x",
    );
  });

  it("round-trips any registry/repository[:tag][@digest]", () => {
    const seg = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?$/);
    const registry = fc.oneof(
      fc.tuple(seg, seg).map(([a, b]) => `${a}.${b}`),
      fc.tuple(seg, fc.integer({ min: 1, max: 65535 })).map(([a, p]) => `${a}.io:${p}`),
      fc.constant("localhost"),
    );
    const tag = fc.stringMatching(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,20}$/);
    const digest = fc.stringMatching(/^[a-f0-9]{8,64}$/).map((h) => `sha256:${h}`);
    fc.assert(
      fc.property(
        registry,
        fc.array(seg, { minLength: 1, maxLength: 4 }),
        fc.option(tag),
        fc.option(digest),
        (r, repo, t, d) => {
          const ref = `${r}/${repo.join("/")}${t ? `:${t}` : ""}${d ? `@${d}` : ""}`;
          assert.deepEqual(parseImage(ref), {
            registry: r,
            repository: repo.join("/"),
            tag: t ?? undefined,
            digest: d ?? undefined,
          });
        },
      ),
    );
  });
});

describe("small helpers", () => {
  it("isExempt matches Kind/namespace/name and namespace/name with *", () => {
    assert.equal(isExempt("DaemonSet/kube-system/aws-node", ["DaemonSet/kube-system/*"]), true);
    assert.equal(isExempt("DaemonSet/kube-system/aws-node", ["kube-system/aws-node"]), true);
    assert.equal(isExempt("Deployment/kube-system/aws-node", ["DaemonSet/kube-system/*"]), false);
    assert.equal(isExempt("Deployment/a.b/c", ["a?b/c"]), false, "regex characters are literal");
  });

  it("isOpenCidr and normalizeRegion", () => {
    assert.equal(isOpenCidr("0.0.0.0/0"), true);
    assert.equal(isOpenCidr("::/0"), true);
    assert.equal(isOpenCidr("10.0.0.0/8"), false);
    assert.equal(normalizeRegion("West Europe"), normalizeRegion("westeurope"));
    assert.notEqual(normalizeRegion("us-east-1"), normalizeRegion("us-east-2"));
  });

  it("read and knownStrings survive unknown values", () => {
    const r = stackResource("t:m:T", "n", {
      a: UNKNOWN.string,
      list: ["x", UNKNOWN.string, "y"],
      whole: UNKNOWN.array,
    });
    assert.equal(
      read(() => r.props.a, "fallback"),
      "fallback",
    );
    assert.deepEqual(
      knownStrings(() => r.props.list),
      ["x", "y"],
    );
    assert.deepEqual(
      knownStrings(() => r.props.whole),
      [],
    );
    assert.throws(
      () =>
        read(() => {
          throw new TypeError("boom");
        }),
      TypeError,
    );
  });
});

describe("cannot judge yet (unknown values in preview)", () => {
  const r = stackResource("t:m:T", "n", { a: UNKNOWN.string, known: "x", list: ["x", UNKNOWN.string] });

  it("judged turns the noted unknowns into one UnknownValueError after the violations", () => {
    const reported: string[] = [];
    const validate = judged((_args: { notApplicable(reason?: string): never }, report) => {
      if (!cannotJudgeYet("a", () => r.props.a)) report("a judged");
      if (!cannotJudgeYet("known", () => r.props.known)) report("known judged");
      cannotJudgeYet("a", () => r.props.a); // noted once
    });
    const args = {
      notApplicable: (): never => {
        throw new Error("n/a");
      },
    };
    assert.throws(
      () => validate(args, (m) => reported.push(m)),
      (e: unknown) =>
        e instanceof UnknownValueError &&
        (e as Error).message === "cannot judge yet (unknown until the update runs): a.",
    );
    assert.deepEqual(reported, ["known judged"]);
  });

  it("judged passes without notes, lets notApplicable through, and reports notes instead of declining", () => {
    const decline = (noteFirst: boolean) =>
      judged((args: { notApplicable(reason?: string): never }) => {
        if (noteFirst) cannotJudgeYet("a", () => r.props.a);
        args.notApplicable("nothing here");
      });
    const args = {
      notApplicable: (reason?: string): never => {
        throw new Error(`n/a: ${reason}`);
      },
    };
    assert.throws(() => decline(false)(args, () => {}), /n\/a: nothing here/);
    assert.throws(() => decline(true)(args, () => {}), UnknownValueError);
    assert.doesNotThrow(() => judged(() => {})(args, () => {}));
  });

  it("outside judged an unknown is thrown to the server (advisory there), never a pass", () => {
    assert.throws(() => cannotJudgeYet("a", () => r.props.a), UnknownValueError);
    assert.equal(
      cannotJudgeYet("known", () => r.props.known),
      false,
    );
  });

  it("judgeStrings says what is known and whether that is all", () => {
    const outcome = judged(() => {
      assert.deepEqual(
        judgeStrings("list", () => r.props.list),
        { values: ["x"], complete: false },
      );
      assert.equal(
        judgeStrings("a", () => r.props.a),
        undefined,
      );
      assert.deepEqual(
        judgeStrings("known", () => r.props.known),
        { values: ["x"], complete: true },
      );
    });
    assert.throws(
      () => outcome({ notApplicable: () => undefined as never }, () => {}),
      /cannot judge yet .*: list\[1\]; a\./,
    );
  });

  it("the test harness records what the server would report as advisory", async () => {
    const policy = {
      name: "p",
      description: "a policy for this test, long enough",
      enforcementLevel: "mandatory" as const,
      validateResource: judged(
        (args: { props: Record<string, unknown>; notApplicable(r?: string): never }) => {
          cannotJudgeYet("x", () => args.props.x);
        },
      ),
    };
    const o = await runResource(policy, "t:m:T", { x: UNKNOWN.string });
    assert.deepEqual(o.violations, []);
    assert.deepEqual(o.cannotJudge, ["cannot judge yet (unknown until the update runs): x."]);
  });
});

describe("Kubernetes objects of resources and ConfigGroups", () => {
  it("typeTokenOf maps core and grouped apiVersions", () => {
    assert.equal(typeTokenOf("v1", "Service"), "kubernetes:core/v1:Service");
    assert.equal(typeTokenOf("networking.k8s.io/v1", "Ingress"), "kubernetes:networking.k8s.io/v1:Ingress");
  });

  it("a resource is its own object; a ConfigGroup's objs are its objects; others have none", () => {
    const svc = { metadata: { name: "s", namespace: "n" } };
    assert.deepEqual(
      kubernetesObjectsOf("kubernetes:core/v1:Service", svc, "x")?.map((o) => o.key),
      ["Service/n/s"],
    );
    const objs = [{ apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "d", namespace: "n" } }];
    const grouped = kubernetesObjectsOf("kubernetes:yaml/v2:ConfigGroup", { objs }, "g", "urn:g");
    assert.deepEqual(
      grouped?.map((o) => [o.type, o.key, o.urn, o.inConfigGroup]),
      [["kubernetes:apps/v1:Deployment", "Deployment/n/d", "urn:g", true]],
    );
    assert.deepEqual(kubernetesObjectsOf("aws:s3/bucket:Bucket", {}, "b"), []);
  });

  it("stackKubernetesObjects keeps one object per key, preferring the registered child", () => {
    const obj = { apiVersion: "v1", kind: "Namespace", metadata: { name: "ns" } };
    const group = stackResource("kubernetes:yaml/v2:ConfigGroup", "g", { objs: [obj] });
    const child = stackResource("kubernetes:core/v1:Namespace", "ns", obj);
    const { objects, unknown } = stackKubernetesObjects([group, child]);
    assert.equal(unknown, false);
    assert.deepEqual(
      objects.map((o) => o.urn),
      [child.urn],
    );
  });
});
