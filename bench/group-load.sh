#!/usr/bin/env bash
# Group loads after a coordinator failover (bench/RESULTS.md, session 13): a fresh 3-broker `actorlog dev` cluster whose
# offsets topic has one partition, GROUP_COUNT groups that commit COMMITS times each (8 offsets a commit), then the broker
# leading that partition is killed with kill -9 and every group is asked for its offsets at once: each group's new
# coordinator loads the group from the partition's log (all groups' records in it, from its log start). Run it with
# the offsets topic's cleaning on (decision 33, the default 4 MiB) and off to see what cleaning saves.
#
#   bash bench/group-load.sh                         # cleaning on: actorlog.groups.offsets-cleaning-min-bytes = 4MiB
#   CLEANING=off bash bench/group-load.sh            # the offsets log keeps everything
#   GROUP_COUNT=100 COMMITS=500 NO_BUILD=1 bash bench/group-load.sh
set -euo pipefail
cd "$(dirname "$0")/.."
GROUP_COUNT=${GROUP_COUNT:-50}; COMMITS=${COMMITS:-400}; CLEANING=${CLEANING:-4MiB}
DLL=src/ActorLog.Cli/bin/Release/net10.0/ActorLog.Cli.dll
LOAD=bench/GroupLoad/bin/Release/net10.0/GroupLoad.dll
DATA=$(mktemp -d /tmp/actorlog-group-load.XXXXXX)
if [ -z "${NO_BUILD:-}" ]; then
  dotnet build src/ActorLog.Cli -c Release -v q -nologo >/dev/null
  dotnet build bench/GroupLoad -c Release -v q -nologo >/dev/null
fi
AL=(dotnet "$DLL")
printf 'actorlog.groups { offsets-topic-partitions = 1, offsets-cleaning-min-bytes = %s }\n' "$CLEANING" >"$DATA/brokers.conf"

ACTORLOG_CONFIG="$DATA/brokers.conf" "${AL[@]}" dev --base-port 0 --data-dir "$DATA/data" >"$DATA/dev.log" 2>&1 &
DEV=$!
trap 'kill -TERM $DEV 2>/dev/null; wait $DEV 2>/dev/null; rm -rf "$DATA"' EXIT
for _ in $(seq 1 120); do grep -q "Bootstrap:" "$DATA/dev.log" && break; sleep 1; done
B=$(grep -o "Bootstrap: [0-9.:,]*" "$DATA/dev.log" | head -1 | cut -d' ' -f2)
[ -n "$B" ] || { echo "the cluster did not come up:"; cat "$DATA/dev.log"; exit 1; }
echo "cluster $B, offsets-cleaning-min-bytes = $CLEANING, $GROUP_COUNT groups x $COMMITS commits"

dotnet "$LOAD" fill "$B" "$GROUP_COUNT" "$COMMITS"
offsets() { "${AL[@]}" topics describe __consumer_offsets --bootstrap "$B" --output json | python3 -c \
  'import json,sys; p=json.load(sys.stdin)["partitions"][0]; print(p["leader"], p["logStartOffset"], p["logEndOffset"], p["logSizeBytes"])'; }
read -r LEADER START END SIZE < <(offsets)
echo "offsets log before the kill: leader $LEADER, offsets $START..$END, $SIZE bytes"

kill -9 "$(pgrep -f "node --broker-id $LEADER ")"
for _ in $(seq 1 60); do read -r NEW _ < <(offsets 2>/dev/null || echo "-1 0"); [ "$NEW" != "$LEADER" ] && [ "$NEW" -gt 0 ] && break; sleep 0.5; done
echo "broker $LEADER killed; broker $NEW leads the offsets partition"
dotnet "$LOAD" load "$B" "$GROUP_COUNT" "$COMMITS"
python3 - "$DATA/data/broker-$NEW/broker.log" <<'PY'
import re, sys
ms = sorted(int(m.group(1)) for m in re.finditer(r"loaded \d+ committed offset\(s\) up to offset \d+ at leader epoch [1-9]\d* in (\d+) ms", open(sys.argv[1]).read()))
if ms: print(f"coordinator loads on the new leader: {len(ms)}, p50 {ms[len(ms) // 2]} ms, max {ms[-1]} ms, sum {sum(ms)} ms")
PY
