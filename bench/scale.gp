# SPDX-License-Identifier: Apache-2.0
# bench/scale's picture: gnuplot -e "data='FILE'; out='SVG'" bench/scale.gp
# FILE: one row per size, as bench/bench.py's bench_scale writes it:
#   nodes sync_cpu sync_wall list_wall uss_steady rp_worker_ms rp_floor_ms
#   rp_ip_batch_ms pss_steady rss_steady uss_peak uss_private_clean
# Log-log axes: a straight line of slope 1 is linear growth, of slope 2
# quadratic.
set terminal svg size 1200,420 dynamic font "sans,11"
set output out
set multiplot layout 1,3 title "xcni-worker against the number of nodes (log-log; dual-stack up to 65 533, IPv6-only beyond)"
set logscale xy
set grid
set key top left Left reverse
set xrange [500:250000]
set format y "%g"
set xlabel "nodes"
set format x "%.0s%c"
set title "CPU to sync (exec to every route in place)"
set ylabel "s"
plot data using 1:2 with linespoints lw 2 pt 7 title "worker CPU", \
     data using 1:3 with linespoints lw 2 pt 5 title "wall"
set title "worker memory after sync"
set ylabel "MiB"
plot data using 1:5 with linespoints lw 2 pt 7 title "USS steady", \
     data using 1:11 with linespoints lw 2 pt 6 title "USS peak", \
     data using 1:9 with linespoints lw 2 pt 5 title "PSS steady", \
     data using 1:10 with linespoints lw 2 pt 4 title "RSS steady"
set title "route programming, every route of the Nodes"
set ylabel "s"
plot data using 1:($6/1000) with linespoints lw 2 pt 7 title "worker", \
     data using 1:($7/1000) with linespoints lw 2 pt 5 title "nl-floor (libmnl, nexthop objects)", \
     data using 1:($8/1000) with linespoints lw 2 pt 9 title "ip -batch (classic routes)"
unset multiplot
