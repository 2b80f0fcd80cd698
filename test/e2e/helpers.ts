// Helpers of the end-to-end tests: kubectl, polling, the local processes' status, stack outputs and the
// test PipelineRun.
import * as fs from "node:fs";
import * as path from "node:path";
import { ENV, expectCode, pulumi, run } from "../integration/harness";
import { waitFor } from "../helpers/wait";

/** kubectl against one kubeconfig: stdout, or undefined on failure when `soft` (else it throws). */
export function kc(kubeconfig: string) {
  return (args: string[], soft = false): string | undefined => {
    const r = run("kubectl", ["--kubeconfig", kubeconfig, ...args]);
    if (r.code !== 0) {
      if (soft) return undefined;
      throw new Error(`kubectl ${args.join(" ")}: ${r.out}`);
    }
    return r.stdout.trim();
  };
}

/** Creates the objects of `yaml`; returns the name of the first (generateName resolved). */
export function applyYaml(kubeconfig: string, yaml: string): string {
  const r = expectCode(
    run("kubectl", ["--kubeconfig", kubeconfig, "create", "-f", "-", "-o", "name"], { input: yaml }),
    0,
    "kubectl create",
  );
  return r.stdout.trim().split("\n")[0].replace(/^.*\//, "");
}

const runDir = (region: string) => path.join(ENV.PIPELINE_SERVICE_LOCAL_DIR ?? "", "run", region);

interface ProcessStatus {
  state: string;
  pid?: number;
  for?: string[];
  restarts: number;
}

export function processStatus(region: string, name: string): ProcessStatus | undefined {
  try {
    const s = JSON.parse(fs.readFileSync(path.join(runDir(region), "status.json"), "utf8")) as {
      processes: Record<string, ProcessStatus>;
    };
    return s.processes[name];
  } catch {
    return undefined;
  }
}

/** Waits until the supervisor reports the process running (and it has had a moment to serve). */
export async function waitForProcess(region: string, name: string, seconds: number): Promise<void> {
  await waitFor(
    `${region} process ${name} to run (${JSON.stringify(processStatus(region, name))})`,
    seconds,
    () => processStatus(region, name)?.state === "running",
  );
}

/** Runs `fn` with the process stopped by its supervisor (the `paused` marker), then lets it start again. */
export async function pausedProcess(
  region: string,
  name: string,
  fn: () => Promise<void> | void,
): Promise<void> {
  const marker = path.join(runDir(region), name, "paused");
  fs.writeFileSync(marker, "paused by a test\n");
  try {
    await waitFor(`${name} to stop`, 60, () => processStatus(region, name)?.state === "paused");
    await fn();
  } finally {
    fs.rmSync(marker, { force: true });
    await waitForProcess(region, name, 60);
    // Served again: the API server reaches the webhook once it has re-registered its certificate.
    await new Promise((r) => setTimeout(r, 3000));
  }
}

/** The stack's outputs (secrets shown), from the project's backend. */
export function stackOutputs(stack: string): Record<string, unknown> {
  const r = expectCode(
    pulumi(["stack", "output", "--json", "--show-secrets", "--stack", stack]),
    0,
    "stack output",
  );
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

/**
 * The test PipelineRun: Task "produce" declares a result (the kwok stage writes its value from the
 * pipeline-service.dev/result.<name> annotation), Task "consume" takes it as a param; both are script steps, so
 * no image is looked up. `consumeExitCode` makes consume's step exit with that code.
 */
export function pipelineRun(
  ns: string,
  prefix: string,
  opts: { consumeExitCode?: number; pipelineRef?: string },
): string {
  const consumeLabels =
    opts.consumeExitCode !== undefined
      ? `\n        metadata:\n          labels: {pipeline-service.dev/simulate-exit-code: "${opts.consumeExitCode}"}`
      : "";
  const spec = opts.pipelineRef
    ? `  pipelineRef: {name: ${opts.pipelineRef}}`
    : `  pipelineSpec:\n${pipelineSpecYaml(consumeLabels)}`;
  return `apiVersion: tekton.dev/v1
kind: PipelineRun
metadata:
  generateName: ${prefix}-
  namespace: ${ns}
spec:
  params:
  - {name: greeting, value: hello}
${spec}
`;
}

/** The Pipeline's spec (indented for `spec.pipelineSpec` or a Pipeline's `spec`). */
export function pipelineSpecYaml(consumeMetadata = ""): string {
  return `    params:
    - {name: greeting, type: string}
    tasks:
    - name: produce
      params:
      - {name: greeting, value: $(params.greeting)}
      taskSpec:
        metadata:
          annotations: {pipeline-service.dev/result.word: from-produce}
        params:
        - {name: greeting, type: string}
        results:
        - {name: word, type: string}
        steps:
        - name: write
          image: registry.example/busybox:1.36
          script: |
            echo -n "$(params.greeting)" > $(results.word.path)
    - name: consume
      params:
      - {name: word, value: $(tasks.produce.results.word)}
      taskSpec:${consumeMetadata}
        params:
        - {name: word, type: string}
        steps:
        - name: echo
          image: registry.example/busybox:1.36
          script: |
            echo "$(params.word)"
`;
}
