#!/usr/bin/env bash
# Round-robin runs: each JARS entry (JAR_DIR/<name>.jar, a benchmarks.jar built from a commit) as system ren-before,
# in a shuffled order per round; one TSV row per run (round, jar, scenario, p50, p99, CPU/delivery µs or ns, deliveries/s).
# JARS="b07a457 head" ROUNDS=8 SCEN=latency TAG=lat1 ren-bench/results/2026-12-08-rerun/round-robin.sh
cd "$(dirname "$0")/../../.."
rounds=${ROUNDS:-8}; scen=${SCEN:-latency}
out=${OUT_DIR:-/tmp/bis}/${TAG:-r}.tsv
for r in $(seq 1 $rounds); do
  for j in $(printf '%s\n' $JARS | shuf); do
    ren-bench/run.sh $scen --systems ren-before --baseline-jar ${JAR_DIR:-/tmp/jars}/$j.jar --quick --no-build > ${OUT_DIR:-/tmp/bis}/last.log 2>&1
    f=$(grep -o 'written [^ ]*\.md' ${OUT_DIR:-/tmp/bis}/last.log | cut -d' ' -f2)
    c=${f%.md}.csv
    p50=$(grep '"p50"' $c | cut -d, -f4); p99=$(grep '"p99"' $c | cut -d, -f4); cpu=$(grep 'CPU per delivery' $c | head -1 | cut -d, -f4)
    dps=$(grep '"deliveries/s"' $c | head -1 | cut -d, -f4)
    echo -e "$r\t$j\t$scen\t$p50\t$p99\t$cpu\t$dps\t$(basename $f)" >> $out
    mkdir -p ${OUT_DIR:-/tmp/bis}/raw; mv ${f%.md}.* ${OUT_DIR:-/tmp/bis}/raw/ 2>/dev/null
  done
done
echo done >> $out.done
