# SPDX-License-Identifier: Apache-2.0
# bench/peers' picture: each program's main figures over xcni's, same run.
#   gnuplot -e "dat='DATA'; out='SVG'; n=PROGRAMS" bench/peers.gp
# DATA: a header "figure" "PROGRAM"..., then one line per figure: its label
# and each program's value over xcni's.
set terminal svg size 960,520 dynamic font "sans,12" background rgb "white"
set output out
set title "Each program's figures over xcni-worker's (same run; lower is better)"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set logscale y
set yrange [0.1:*]
set ylabel "ratio to xcni-worker (log scale)"
set xtics rotate by -25 scale 0
set key top left autotitle columnheader
set grid ytics
plot for [i=2:n+1] dat using i:xtic(1)
