import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import {
  imageName,
  isExempt,
  isOpenCidr,
  knownStrings,
  normalizeRegion,
  parseImage,
  read,
} from "../../policy/util";
import { UNKNOWN, stackResource } from "./helpers";

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
