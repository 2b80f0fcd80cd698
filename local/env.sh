#!/usr/bin/env bash
# The local multi-region environment, all on 127.0.0.1:
#   local/env.sh start    kcp (cache server, root shard, one shard per region, front-proxy), one kwok
#                         cluster per region, PostgreSQL (one database per region), and one supervisor per
#                         region for its real Tekton processes (local/supervisor.ts); writes
#                         $PIPELINE_SERVICE_LOCAL_DIR/env.json. Idempotent.
#   local/env.sh status   health of every part and process (exit 1 if any part is down)
#   local/env.sh stop     stops every process (data kept; start resumes it)
#   local/env.sh destroy  stop, then delete all local data
# Regions: LOCAL_REGIONS (default "local-east local-west"); the first one is home (hosts the kcp root).
set -euo pipefail
. "$(dirname "$0")/../scripts/env.sh"
. "$PROJECT_DIR/tools/versions.env"

DIR=$PIPELINE_SERVICE_LOCAL_DIR
KCP_DIR=$DIR/kcp
export KWOK_WORKDIR=$DIR/kwok
read -r -a REGIONS <<<"${LOCAL_REGIONS:-local-east local-west}"
KCP_FRONT_PROXY=https://127.0.0.1:6443
KCP_ADMIN_KUBECONFIG=$KCP_DIR/.kcp/admin.kubeconfig
# Kube API ports of the regions' clusters (kcp uses 6443-6450, 2379-2390, 7444+, 8010-8012). The regions'
# Tekton processes use 18000 + 100 × region index and up (local/processes.ts), PostgreSQL 15432.
API_PORT_BASE=32100
PG_PORT=15432
PG_DIR=$DIR/postgres

log() { printf '[local] %s\n' "$*" >&2; }
die() { printf '[local] ERROR: %s\n' "$*" >&2; exit 1; }

need_tools() {
  local t
  for t in kcp kcp-front-proxy cache-server sharded-test-server kwokctl kwok kube-apiserver \
    kube-controller-manager kube-scheduler kubectl etcd api-syncagent tekton-pipelines-controller \
    tekton-pipelines-webhook tekton-events-controller tekton-pipelines-resolvers tekton-results-api \
    tekton-results-watcher tekton-chains-controller tekton-triggers-controller tekton-triggers-webhook; do
    [[ -x "$PROJECT_DIR/.tools/bin/$t" ]] || die "missing tool $t: run tools/build.sh first"
  done
}

region_index() { local i; for i in "${!REGIONS[@]}"; do [[ "${REGIONS[$i]}" == "$1" ]] && echo "$i" && return; done; }
cluster_kubeconfig() { echo "$KWOK_WORKDIR/clusters/$1/kubeconfig.yaml"; }

kcp_pid() { [[ -f "$KCP_DIR/pid" ]] && kill -0 "$(cat "$KCP_DIR/pid")" 2>/dev/null && cat "$KCP_DIR/pid"; }
kcp_ready() { kubectl --kubeconfig "$KCP_ADMIN_KUBECONFIG" get --raw /readyz >/dev/null 2>&1; }

wait_for() { # wait_for WHAT SECONDS CMD...
  local what=$1 limit=$2 start=$SECONDS; shift 2
  until "$@"; do
    (( SECONDS - start < limit )) || return 1
    (( (SECONDS - start) % 15 == 0 && SECONDS > start )) && log "  … waiting for $what ($((SECONDS - start)) s)"
    sleep 1
  done
}

start_kcp() {
  if kcp_pid >/dev/null; then log "kcp: already running (pid $(kcp_pid))"; return; fi
  mkdir -p "$KCP_DIR/logs"
  log "kcp: starting cache server, root shard, ${#REGIONS[@]} region shards and the front-proxy"
  # sharded-test-server (kcp's own multi-shard launcher) runs the real kcp, cache-server and
  # kcp-front-proxy binaries as child processes; NO_GORUN + KCP_ASSET_* make it use ours.
  (
    cd "$KCP_DIR"
    NO_GORUN=1 KCP_ASSET_KCP="$(command -v kcp)" KCP_ASSET_KCP_FRONT_PROXY="$(command -v kcp-front-proxy)" \
      KCP_ASSET_CACHE_SERVER="$(command -v cache-server)" \
      setsid nohup "$(command -v sharded-test-server)" --number-of-shards=$((${#REGIONS[@]} + 1)) --work-dir-path="$KCP_DIR" \
      --log-dir-path="$KCP_DIR/logs" --quiet >"$KCP_DIR/logs/sharded-test-server.log" 2>&1 &
    echo $! >"$KCP_DIR/pid"
  )
  wait_for "kcp front-proxy /readyz" 300 kcp_ready || die "kcp did not become ready; see $KCP_DIR/logs"
  log "kcp: ready at $KCP_FRONT_PROXY"
}

# Labels each Shard with the region it serves, so tenant workspaces can be pinned with
# Workspace.spec.location.selector. The root shard serves the home region's root workspaces only.
label_shards() {
  local k=(kubectl --kubeconfig "$KCP_ADMIN_KUBECONFIG" --context base --server "$KCP_FRONT_PROXY/clusters/root")
  "${k[@]}" label --overwrite shard root pipeline-service.dev/role=root "pipeline-service.dev/region=${REGIONS[0]}" >/dev/null
  local i
  for i in "${!REGIONS[@]}"; do
    wait_for "shard shard-$((i + 1))" 120 "${k[@]}" get shard "shard-$((i + 1))" -o name >/dev/null 2>&1
    "${k[@]}" label --overwrite shard "shard-$((i + 1))" pipeline-service.dev/role=region \
      "pipeline-service.dev/region=${REGIONS[$i]}" >/dev/null
  done
}

start_cluster() {
  local region=$1 idx port cfg
  idx=$(region_index "$region"); port=$((API_PORT_BASE + idx))
  if [[ -f "$(cluster_kubeconfig "$region")" ]]; then
    grep -qs tekton-pod-complete "$KWOK_WORKDIR/clusters/$region/kwok.yaml" \
      || die "cluster $region was created without the Tekton pod stages: run local/env.sh destroy, then start"
    if kubectl --kubeconfig "$(cluster_kubeconfig "$region")" get --raw /readyz >/dev/null 2>&1; then
      log "cluster $region: already running"
    else
      log "cluster $region: resuming"
      kwokctl start cluster --name "$region" >&2
      renew_node_leases "$region"
    fi
  else
    log "cluster $region: creating (etcd, kube-apiserver, controller-manager, scheduler, kwok controller)"
    cfg="$DIR/kwokctl-$region.yaml"
    mkdir -p "$DIR"
    cat >"$cfg" <<EOF
apiVersion: config.kwok.x-k8s.io/v1alpha1
kind: KwokctlConfiguration
options:
  runtime: binary
  bindAddress: 127.0.0.1
  kubeApiserverPort: $port
  kubeVersion: v$KUBERNETES_VERSION
  kubeApiserverBinary: $(command -v kube-apiserver)
  kubeControllerManagerBinary: $(command -v kube-controller-manager)
  kubeSchedulerBinary: $(command -v kube-scheduler)
  kubectlBinary: $(command -v kubectl)
  kwokControllerBinary: $(command -v kwok)
  etcdBinary: $(command -v etcd)
EOF
    # kwokctl keeps its default Stages only when a config holds none, so ours (Tekton step pods finish)
    # come with kwok's defaults, read from the kwok module the toolchain was built from.
    local stages=() s kwok_dir
    kwok_dir=$(cd "$PROJECT_DIR/tools/go/kwok" && go list -m -f '{{.Dir}}' sigs.k8s.io/kwok) \
      || die "the kwok module is not in the Go module cache: run tools/build.sh kwok"
    for s in node/fast/node-initialize node/heartbeat-with-lease/node-heartbeat-with-lease \
      pod/fast/pod-ready pod/fast/pod-complete pod/fast/pod-delete; do
      stages+=(--config "$kwok_dir/kustomize/stage/$s.yaml")
    done
    kwokctl create cluster --name "$region" --config "$cfg" "${stages[@]}" --config "$PROJECT_DIR/local/stages/tekton-pods.yaml" \
      --disable-qps-limits --wait 5m >"$DIR/kwokctl-$region.log" 2>&1 \
      || { tail -n 20 "$DIR/kwokctl-$region.log" >&2; die "cluster $region failed to start"; }
  fi
  add_nodes "$region"
  add_storage "$region"
}

# A resumed kwok controller does not take over the node leases its previous run held (it tries to create
# them once and gives up), so it would leave every new pod Pending until they expire. Delete them and restart
# the controller, which then creates them afresh.
renew_node_leases() {
  local region=$1 kc pidf
  kc=$(cluster_kubeconfig "$region"); pidf="$KWOK_WORKDIR/clusters/$region/pids/kwok-controller.pid"
  kubectl --kubeconfig "$kc" get --raw /readyz >/dev/null 2>&1 || return 0
  [[ -n "$(kubectl --kubeconfig "$kc" get lease -n kube-node-lease -o name 2>/dev/null)" ]] || return 0
  kill "$(cat "$pidf")" 2>/dev/null || true
  for _ in $(seq 20); do kill -0 "$(cat "$pidf")" 2>/dev/null || break; sleep 0.5; done
  kubectl --kubeconfig "$kc" delete lease -n kube-node-lease --all >/dev/null
  kwokctl start cluster --name "$region" >/dev/null 2>&1
}

# kwok has no volume provisioner, so each cluster gets a default StorageClass backed by a pool of static
# PersistentVolumes that the real PV controller binds (PVCs and StatefulSets then work unchanged).
# Released volumes (their claim was deleted by a destroy) are made Available again on every start.
add_storage() {
  local region=$1 n kc
  kc=$(cluster_kubeconfig "$region")
  {
    cat <<EOF
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: { name: local-static, annotations: { storageclass.kubernetes.io/is-default-class: "true" } }
provisioner: kubernetes.io/no-provisioner
volumeBindingMode: Immediate
reclaimPolicy: Retain
EOF
    for n in $(seq -w 1 12); do
      cat <<EOF
---
apiVersion: v1
kind: PersistentVolume
metadata: { name: $region-pv-$n }
spec:
  capacity: { storage: 50Gi }
  accessModes: [ReadWriteOnce]
  storageClassName: local-static
  persistentVolumeReclaimPolicy: Retain
  hostPath: { path: $DIR/volumes/$region/$n }
EOF
    done
  } | kubectl --kubeconfig "$kc" apply -f - >/dev/null
  for n in $(kubectl --kubeconfig "$kc" get pv -o jsonpath='{range .items[?(@.status.phase=="Released")]}{.metadata.name}{"\n"}{end}'); do
    kubectl --kubeconfig "$kc" patch pv "$n" --type json -p '[{"op":"remove","path":"/spec/claimRef"}]' >/dev/null
  done
}

# Three simulated nodes per region, one per zone label, so zone spreading and PDBs mean something.
add_nodes() {
  local region=$1 z
  for z in a b c; do
    cat <<EOF
---
apiVersion: v1
kind: Node
metadata:
  name: $region-$z
  annotations: { kwok.x-k8s.io/node: fake, node.alpha.kubernetes.io/ttl: "0" }
  labels:
    kubernetes.io/hostname: $region-$z
    kubernetes.io/os: linux
    kubernetes.io/arch: amd64
    type: kwok
    topology.kubernetes.io/region: $region
    topology.kubernetes.io/zone: $region-$z
spec: {}
status:
  allocatable: { cpu: "32", memory: 128Gi, pods: "250" }
  capacity: { cpu: "32", memory: 128Gi, pods: "250" }
  nodeInfo: { architecture: amd64, kubeletVersion: fake, operatingSystem: linux }
EOF
  done | kubectl --kubeconfig "$(cluster_kubeconfig "$region")" apply -f - >/dev/null
}

# PostgreSQL for Tekton Results: one server on loopback, one database per region (the local stacks point
# database.kind external at it). Debian's server binaries; trust authentication on 127.0.0.1 only.
pg_bin() { local d; for d in /usr/lib/postgresql/*/bin; do [[ -x "$d/postgres" ]] && echo "$d"; done | sort -V | tail -1; }
as_pg() { if (( EUID == 0 )); then runuser -u postgres -- "$@"; else "$@"; fi; }
pg_ready() { "$(pg_bin)/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT"; }
pg_database() { echo "tekton_results_${1//-/_}"; }

start_postgres() {
  local bin region db
  bin=$(pg_bin); [[ -n "$bin" ]] || die "PostgreSQL server binaries not found: run scripts/install.sh"
  if ! pg_ready; then
    if [[ ! -f "$PG_DIR/PG_VERSION" ]]; then
      log "postgres: initializing $PG_DIR"
      mkdir -p "$PG_DIR"; (( EUID == 0 )) && chown postgres: "$PG_DIR"; chmod 700 "$PG_DIR"
      as_pg "$bin/initdb" -D "$PG_DIR" --auth=trust -U postgres >"$DIR/postgres-initdb.log" 2>&1 \
        || { tail -n 20 "$DIR/postgres-initdb.log" >&2; die "initdb failed"; }
    fi
    log "postgres: starting on 127.0.0.1:$PG_PORT"
    as_pg "$bin/pg_ctl" -D "$PG_DIR" -l "$PG_DIR/server.log" -w -t 60 \
      -o "-h 127.0.0.1 -p $PG_PORT -k $PG_DIR -c listen_addresses=127.0.0.1" start >/dev/null \
      || { tail -n 20 "$PG_DIR/server.log" >&2; die "PostgreSQL did not start"; }
  else
    log "postgres: already running"
  fi
  for region in "${REGIONS[@]}"; do
    db=$(pg_database "$region")
    if [[ -z "$(psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname='$db'")" ]]; then
      psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -qc "CREATE DATABASE $db" >/dev/null
    fi
  done
}

stop_postgres() {
  [[ -f "$PG_DIR/postmaster.pid" ]] || return 0
  log "postgres: stopping"
  as_pg "$(pg_bin)/pg_ctl" -D "$PG_DIR" -m fast -w stop >/dev/null 2>&1 || true
}

# One supervisor per region runs its real Tekton processes (local/supervisor.ts) in its own process group.
supervisor_pid() { local f="$DIR/run/$1/supervisor.pid"; [[ -f "$f" ]] && kill -0 "$(cat "$f")" 2>/dev/null && cat "$f"; }
start_supervisor() {
  local region=$1
  if supervisor_pid "$region" >/dev/null; then log "processes $region: supervisor already running"; return; fi
  mkdir -p "$DIR/run/$region"
  (( EUID == 0 )) || log "processes $region: WARNING: not root; the processes' private mount namespaces need root"
  setsid nohup node --import tsx "$PROJECT_DIR/local/supervisor.ts" "$region" >>"$DIR/run/$region/supervisor.log" 2>&1 &
  echo $! >"$DIR/run/$region/supervisor.pid"
  log "processes $region: supervisor started (they start once the stack has applied their Deployments)"
}
stop_supervisor() {
  local region=$1 pid
  pid=$(supervisor_pid "$region") || return 0
  log "processes $region: stopping"
  kill -TERM -- "-$pid" 2>/dev/null || true
  for _ in $(seq 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  kill -KILL -- "-$pid" 2>/dev/null || true
  rm -f "$DIR/run/$region/supervisor.pid"
}
# One line per process: name, state, detail (status.json written by the supervisor).
supervisor_status() {
  local region=$1 f="$DIR/run/$1/status.json"
  [[ -f "$f" ]] || { echo "  (no status yet)"; return; }
  node -e '
    const s = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    for (const [n, p] of Object.entries(s.processes)) {
      const d = p.state === "running" ? `pid ${p.pid} since ${p.since}` : p.state === "waiting" ? `for ${p.for.join(", ")}` : `exit ${p.exitCode}, restart at ${p.until}`;
      console.log(`  ${n.padEnd(22)} ${p.state.padEnd(8)} ${d}${p.restarts ? ` (${p.restarts} restarts)` : ""}`);
    }' "$f"
}

write_env_json() {
  local i region first=1
  {
    printf '{\n  "kcp": {"frontProxyUrl": "%s", "adminKubeconfig": "%s", "rootShardKubeconfig": "%s"},\n  "regions": [\n' \
      "$KCP_FRONT_PROXY" "$KCP_ADMIN_KUBECONFIG" "$KCP_DIR/.kcp-0/admin.kubeconfig"
    for i in "${!REGIONS[@]}"; do
      region=${REGIONS[$i]}
      (( first )) || printf ',\n'; first=0
      printf '    {"name": "%s", "home": %s, "kubeconfig": "%s", "apiServer": "https://127.0.0.1:%d", "zones": ["%s-a", "%s-b", "%s-c"], "kcpShard": "shard-%d"}' \
        "$region" "$( (( i == 0 )) && echo true || echo false)" "$(cluster_kubeconfig "$region")" \
        $((API_PORT_BASE + i)) "$region" "$region" "$region" $((i + 1))
    done
    printf '\n  ]\n}\n'
  } >"$DIR/env.json.tmp"
  mv "$DIR/env.json.tmp" "$DIR/env.json"
}

cmd_start() {
  need_tools
  mkdir -p "$DIR"
  local start=$SECONDS region
  start_kcp
  label_shards
  for region in "${REGIONS[@]}"; do start_cluster "$region"; done
  start_postgres
  write_env_json
  for region in "${REGIONS[@]}"; do start_supervisor "$region"; done
  log "ready in $((SECONDS - start)) s: $DIR/env.json"
}

cmd_status() {
  local bad=0 region kc ready
  if kcp_pid >/dev/null && kcp_ready; then
    echo "kcp          up    $KCP_FRONT_PROXY (pid $(kcp_pid)); shards: $(kubectl --kubeconfig "$KCP_ADMIN_KUBECONFIG" --server "$KCP_FRONT_PROXY/clusters/root" get shards -o jsonpath='{range .items[*]}{.metadata.name}={.metadata.labels.pipeline-service\.dev/region} {end}' 2>/dev/null)"
  else
    echo "kcp          down"; bad=1
  fi
  for region in "${REGIONS[@]}"; do
    kc=$(cluster_kubeconfig "$region")
    if [[ -f "$kc" ]] && kubectl --kubeconfig "$kc" get --raw /readyz >/dev/null 2>&1; then
      ready=$(kubectl --kubeconfig "$kc" get nodes --no-headers 2>/dev/null | grep -c ' Ready' || true)
      printf '%-12s up    %s (%s/3 nodes Ready)\n' "$region" "$(kubectl --kubeconfig "$kc" config view -o jsonpath='{.clusters[0].cluster.server}')" "$ready"
      (( ready == 3 )) || bad=1
      if supervisor_pid "$region" >/dev/null; then
        printf '%-12s processes (supervisor pid %s):\n' "$region" "$(supervisor_pid "$region")"
        supervisor_status "$region"
      else
        printf '%-12s processes: supervisor down\n' "$region"; bad=1
      fi
    else
      printf '%-12s down\n' "$region"; bad=1
    fi
  done
  if pg_ready; then echo "postgres     up    127.0.0.1:$PG_PORT"; else echo "postgres     down"; bad=1; fi
  return "$bad"
}

cmd_stop() {
  local region pid
  for region in "${REGIONS[@]}"; do stop_supervisor "$region"; done
  stop_postgres
  for region in "${REGIONS[@]}"; do
    if [[ -d "$KWOK_WORKDIR/clusters/$region" ]]; then
      log "cluster $region: stopping"
      kwokctl stop cluster --name "$region" >/dev/null 2>&1 || true
    fi
  done
  if pid=$(kcp_pid); then
    log "kcp: stopping (process group $pid)"
    kill -TERM -- "-$pid" 2>/dev/null || true
    for _ in $(seq 30); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
    kill -KILL -- "-$pid" 2>/dev/null || true
  fi
  rm -f "$KCP_DIR/pid"
  # Nothing of ours may survive: report any leftover process started from our tools.
  if pgrep -f "$PROJECT_DIR/(.tools/bin/|local/supervisor.ts)" >/dev/null; then
    log "leftover processes:"; pgrep -af "$PROJECT_DIR/(.tools/bin/|local/supervisor.ts)" >&2 || true; return 1
  fi
  log "stopped"
}

cmd_destroy() {
  cmd_stop || true
  local region
  for region in "${REGIONS[@]}"; do kwokctl delete cluster --name "$region" >/dev/null 2>&1 || true; done
  rm -rf "$DIR"
  log "local data removed"
}

case "${1:-}" in
  start) cmd_start ;;
  status) cmd_status ;;
  stop) cmd_stop ;;
  destroy) cmd_destroy ;;
  *) echo "usage: local/env.sh start|status|stop|destroy" >&2; exit 2 ;;
esac
