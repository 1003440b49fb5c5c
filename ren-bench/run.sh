#!/usr/bin/env bash
# REN load benchmark: builds REN's load server and the two peers, then runs scenarios side by side.
#   ren-bench/run.sh all [--quick]          whole suite (fanout, latency, sweep, idle, slow, mutation)
#   ren-bench/run.sh fanout [--quick]       one scenario (comma-separate several)
#   options: --systems ren,spring,jetty,raw (raw = bare NIO floor)  --threads N (client selector threads, default 1)
#            --jfr  --async-profiler /path/libasyncProfiler.so (collapsed CPU stacks per system under target/bench-logs)
#            --subscribers N  --idle N  --seconds S  --warm S  --sweep 10,100,300,1000  --no-build
#            --replot results/<date>.csv   (redraw that run's PNG from its CSV)
#            --jvm-flag -XX:...  (added to every server JVM alike; repeat for several)
#            --baseline-jar OLD/benchmarks.jar  (adds system ren-before: REN built from an earlier commit, for a
#                            before/after run of a hot-path change: --systems ren-before,ren fanout,latency)
#   ren-bench/run.sh durability [--runs 50] [--max-ms 3000] [--seed S] [--no-build]
#                           not a load scenario: the document store's kill -9 check (DurabilityRuns), 50 runs
# Results: ren-bench/results/<date>.{md,csv,png} and results/latest.md (durability: results/durability-<date>.md).
# Not part of `mvn verify`.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"

build=1
args=()
for a in "$@"; do
  if [[ "$a" == "--no-build" ]]; then build=0; else args+=("$a"); fi
done
[[ ${#args[@]} -eq 0 ]] && args=(all)

# durability runs one store in child JVMs it kills: no servers, no peers, no socket limits
if [[ "${args[0]}" == "durability" ]]; then
  if [[ $build -eq 1 ]]; then
    echo "building ren-bench..."
    (cd "$root" && mvn -q -pl ren-bench -am package -DskipTests)
  fi
  exec java -Xmx256m -cp "$here/target/benchmarks.jar" dev.ren.bench.db.DurabilityRuns --out "$here/results" \
    "${args[@]:1}"
fi

# thousands of sockets per process: raise the descriptor limit as far as this shell may
hard=$(ulimit -Hn)
if [[ "$hard" == "unlimited" || "$hard" -ge 1048576 ]]; then ulimit -n 1048576; else ulimit -n "$hard"; fi
echo "file descriptors: $(ulimit -n)"

if [[ $build -eq 1 ]]; then
  echo "building ren-bench and peers..."
  (cd "$root" && mvn -q -pl ren-bench -am package -DskipTests)
  (cd "$here/peers/spring-sse" && mvn -q -DskipTests package)
  (cd "$here/peers/jetty-sse" && mvn -q -DskipTests package)
fi

exec java -Xms512m -Xmx1g -XX:+UseG1GC -cp "$here/target/benchmarks.jar" dev.ren.bench.load.LoadClient \
  --bench-dir "$here" "${args[@]}"
