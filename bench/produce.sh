#!/usr/bin/env bash
# The produce benchmark of bench/RESULTS.md: a fresh 3-broker `actorlog dev` cluster on this machine, the three
# target cases (RF 1 acks=1 and RF 3 acks=all at up to 1,000 records in flight, RF 3 acks=all one at a time) and
# the one-at-a-time floor (RF 1 acks=1) and the transport's floor (an empty fetch one at a time),
# 100-byte values, 3 partitions, and the CPU seconds each broker and the client used for each case.
#
#   bash bench/produce.sh                 # build, start, warm up, measure, stop
#   NO_BUILD=1 bash bench/produce.sh      # reuse the Release build
#   WARMUP=0 bash bench/produce.sh        # measure a cold cluster (see RESULTS.md: tiered JIT warm-up)
#   BROKER_ENV="DOTNET_X=1 ..." bash bench/produce.sh   # environment for the brokers only (runtime settings A/B)
#
# Why the long warm-up: a broker process runs its hot paths in tier-0 JIT code first and recompiles them (with
# profile-guided optimization) over its first millions of records; broker CPU per record falls by ~3x from the first
# to the fourth million. The figures are for the warmed cluster; WARMUP=0 shows the cold ones. Each measuring client
# is a fresh process too, so every case first sends warm-up records of its own, untimed: 10,000 for the one-at-a-time
# cases, whose p99 otherwise measures the client's JIT recompiling its hot methods (RESULTS.md, session 9).
set -euo pipefail
cd "$(dirname "$0")/.."
DLL=${DLL:-src/ActorLog.Cli/bin/Release/net10.0/ActorLog.Cli.dll}   # DLL=... measures another build
WARMUP=${WARMUP:-1}
DATA=$(mktemp -d /tmp/actorlog-bench.XXXXXX)
[ -n "${NO_BUILD:-}" ] || dotnet build src/ActorLog.Cli -c Release -v q -nologo >/dev/null
AL=(dotnet "$DLL")

env ${BROKER_ENV:-} "${AL[@]}" dev --base-port 0 --data-dir "$DATA/data" >"$DATA/dev.log" 2>&1 &
DEV=$!
trap 'kill -TERM $DEV 2>/dev/null; wait $DEV 2>/dev/null; rm -rf "$DATA"' EXIT
for _ in $(seq 1 120); do grep -q "Bootstrap:" "$DATA/dev.log" && break; sleep 1; done
B=$(grep -o "Bootstrap: [0-9.:,]*" "$DATA/dev.log" | head -1 | cut -d' ' -f2)
[ -n "$B" ] || { echo "the cluster did not come up:"; cat "$DATA/dev.log"; exit 1; }
BROKERS=$(pgrep -P $DEV | tr '\n' ' ')
echo "cluster $B (broker pids $BROKERS), data in $DATA"

"${AL[@]}" topics create rf1 --partitions 3 --replication-factor 1 --bootstrap "$B" >/dev/null
"${AL[@]}" topics create rf3 --partitions 3 --replication-factor 3 --min-insync-replicas 2 --bootstrap "$B" >/dev/null
if [ "$WARMUP" = 1 ]; then
  echo "warming the brokers up (3,000,000 records)"
  "${AL[@]}" bench produce --bootstrap "$B" --topic rf1 --acks 1 --records 2000000 >/dev/null 2>&1
  "${AL[@]}" bench produce --bootstrap "$B" --topic rf3 --acks all --records 1000000 >/dev/null 2>&1
fi

cpu() { for p in "$@"; do awk '{printf "%d ", $14+$15}' "/proc/$p/stat"; done; }

# measure LABEL COMMAND-ARGS...: one benchmark run (`bench produce ...` or `bench roundtrip ...`); prints its figures
# and the CPU seconds of each broker and the client (the client's include its own --warmup-records)
measure() {
  local label=$1; shift
  local before; before=$(cpu $BROKERS)
  "${AL[@]}" "$@" --bootstrap "$B" --output json 2>/dev/null >"$DATA/out.json" &
  local bench=$! client=0 c
  while kill -0 $bench 2>/dev/null; do c=$(awk '{print $14+$15}' /proc/$bench/stat 2>/dev/null) && client=$c; sleep 0.1; done
  wait $bench
  python3 - "$label" "$before" "$(cpu $BROKERS)" "$client" "$DATA/out.json" <<'PY'
import json, sys
label, before, after, client, out = sys.argv[1:]
d = json.load(open(out))
b = [(int(y) - int(x)) / 100 for x, y in zip(before.split(), after.split())]
print(f"| {label} | {d.get('recordsPerSecond', d.get('requestsPerSecond')):,.0f} | {d['p50Ms']:.2f} | {d['p99Ms']:.2f} | "
      f"{' '.join(f'{v:.1f}' for v in b)} | {int(client) / 100:.1f} |")
PY
}

echo "| case | records/s | p50 ms | p99 ms | broker CPU-s | client CPU-s |"
echo "| --- | ---: | ---: | ---: | --- | ---: |"
measure "RF 1 acks=1, 2,000,000 at 1,000 in flight" bench produce --topic rf1 --acks 1 --records 2000000 --warmup-records 500000
measure "RF 3 acks=all, 1,000,000 at 1,000 in flight" bench produce --topic rf3 --acks all --records 1000000 --warmup-records 300000
measure "RF 3 acks=all, 5,000 one at a time" bench produce --topic rf3 --acks all --records 5000 --in-flight 1 --warmup-records 10000
# Not a target: the floor under the one-at-a-time case (one round trip to the leader and one journal write, no
# replication), to show how much of its latency is the transport and scheduling rather than replication.
measure "RF 1 acks=1, 5,000 one at a time (floor)" bench produce --topic rf1 --acks 1 --records 5000 --in-flight 1 --warmup-records 10000
# Not a target either: the transport's own floor, an empty fetch at the log end one at a time (a remote round trip to
# the leader answered from memory, no journal), requests/s in the records/s column.
measure "empty fetch, 5,000 one at a time (transport floor)" bench roundtrip --topic rf1 --kind fetch --requests 5000 --warmup-requests 10000
